// Live updates for one article: teammates' new and changed annotations, replies and verdicts.
// On PostgreSQL the server streams events (Server-Sent Events woken by LISTEN/NOTIFY); on
// SQLite, and whenever the stream is unavailable, the page polls the article's event list.

import { api, CLIENT_ID } from "./api.js";

const POLL_MS = 1000;

/**
 * startLive({articleId, after, mode, onEvents}) -> stop()
 * mode: "sse" or "poll". onEvents(events) receives each batch, oldest first, less the events
 * this tab caused itself (their `client` is its CLIENT_ID): its own writes are already shown.
 */
export function startLive({ articleId, after, mode, onEvents }) {
  let last = after;
  let stopped = false;
  let timer = 0;
  let source = null;
  // Ids already delivered. The stream may send a "late" event below `last` (one whose
  // transaction committed after a later one's), so `id > last` alone would drop it.
  const seen = new Set();
  // Which transport is running, for the curious and for the browser tests.
  const showMode = (name) => { document.documentElement.dataset.live = name; };

  const deliver = async (events) => {
    const fresh = events.filter((e) => e.id > after && !seen.has(e.id));
    if (!fresh.length) return;
    for (const e of fresh) seen.add(e.id);
    last = Math.max(last, ...fresh.map((e) => e.id));
    const others = fresh.filter((e) => e.client !== CLIENT_ID);
    if (others.length) await onEvents(others);
  };

  const poll = async () => {
    if (stopped) return;
    showMode("poll");
    const begun = performance.now();
    try {
      const { data } = await api("GET", `/api/articles/${articleId}/events/?after=${last}`);
      await deliver(data.events);
    } catch {
      // Offline or signed out: try again on the next tick.
    }
    // One poll per period, counted from this one's start: the time the request and applying
    // its events took does not add to the delay before the next change is seen.
    const period = document.hidden ? POLL_MS * 5 : POLL_MS;
    if (!stopped) timer = setTimeout(poll, Math.max(0, period - (performance.now() - begun)));
  };

  const stream = () => {
    source = new EventSource(`/api/articles/${articleId}/stream/?after=${last}`);
    source.addEventListener("open", () => showMode("sse"));
    source.addEventListener("annotation", (message) => {
      deliver([JSON.parse(message.data)]);
    });
    source.addEventListener("error", () => {
      // The browser reconnects by itself (with Last-Event-ID); if the stream is refused
      // outright, fall back to polling.
      if (source.readyState === EventSource.CLOSED && !stopped) {
        source = null;
        poll();
      }
    });
  };

  if (mode === "sse" && "EventSource" in window) stream();
  else poll();

  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
