// The notifications list in the header: @mentions, replies to your annotations, verdicts, and
// new articles matching a watchlist.
// Opening it marks what it shows as read.

import { api, ApiError } from "./api.js";

const button = document.getElementById("notifications-button");
const panel = document.getElementById("notifications-panel");
const LABELS = {
  mention: "mentioned you",
  reply: "replied to your annotation",
  review: "reviewed your annotation",
  article_edited: "An article you annotated was edited after import",
  watch: "matched a watchlist",
};

function row(note) {
  const item = document.createElement("li");
  if (!note.read_at) item.className = "unread";
  const link = document.createElement("a");
  if (note.kind === "article_edited") {
    // No actor: the outlet changed the page; the link shows what changed.
    link.href = note.article ? `/articles/${note.article}/diff/` : "#";
    link.append(Object.assign(document.createElement("strong"), { textContent: LABELS.article_edited }));
  } else if (note.kind === "watch") {
    // No actor either: a new article matched one of the reader's watchlists.
    link.href = note.article ? `/articles/${note.article}/` : "#";
    link.append(Object.assign(document.createElement("strong"), { textContent: "New article" }), ` ${LABELS.watch}`);
  } else {
    link.href = note.article ? `/articles/${note.article}/#a-${note.annotation}` : "#";
    const who = document.createElement("strong");
    who.textContent = note.actor ? note.actor.name : "Someone";
    link.append(who, ` ${LABELS[note.kind] || note.kind}`);
  }
  const text = document.createElement("span");
  text.className = "note-text";
  text.textContent = note.text;
  const time = document.createElement("time");
  time.className = "muted";
  time.textContent = new Date(note.created_at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  item.append(link, text, time);
  return item;
}

async function open() {
  panel.hidden = false;
  button.setAttribute("aria-expanded", "true");
  panel.replaceChildren(Object.assign(document.createElement("p"), { textContent: "Loading…" }));
  try {
    const { data } = await api("GET", "/api/notifications/?page_size=30");
    const heading = Object.assign(document.createElement("h2"), { textContent: "Notifications" });
    if (!data.results.length) {
      panel.replaceChildren(heading, Object.assign(document.createElement("p"), { textContent: "Nothing yet. Teammates' @mentions and replies appear here." }));
      return;
    }
    const list = document.createElement("ul");
    list.append(...data.results.map(row));
    panel.replaceChildren(heading, list);
    const unread = data.results.filter((n) => !n.read_at).map((n) => n.id);
    if (unread.length) {
      await api("POST", "/api/notifications/read/", { body: { ids: unread } });
      document.getElementById("notifications-count")?.remove();
      button.setAttribute("aria-label", "Notifications");
    }
    list.querySelector("a")?.focus();
  } catch (error) {
    panel.textContent = error instanceof ApiError ? error.describe() : error.message;
  }
}

function close() {
  panel.hidden = true;
  button.setAttribute("aria-expanded", "false");
}

button?.addEventListener("click", () => (panel.hidden ? open() : close()));
document.addEventListener("click", (event) => {
  if (!panel.hidden && !event.target.closest(".notifications")) close();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !panel.hidden) {
    close();
    button.focus();
  }
});
