// The feeds page: follow a feed, poll now, pause, resume and delete, import OPML, all through
// /api/feeds/; the page reloads after each change to show the server's state.
import { api, ApiError } from "./api.js";

const teamId = JSON.parse(document.getElementById("team-id").textContent);
const status = document.getElementById("feeds-status");

function describe(e) {
  return e instanceof ApiError ? e.describe() : e.message;
}

function reloadSoon(message) {
  status.textContent = message;
  window.setTimeout(() => window.location.reload(), 400);
}

const feedForm = document.getElementById("feed-form");
const feedError = document.getElementById("feed-error");
feedForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  feedError.textContent = "";
  const submit = feedForm.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const body = {
      team: teamId,
      url: feedForm.elements.url.value.trim(),
      title: feedForm.elements.title.value.trim(),
      interval_minutes: Number(feedForm.elements.interval_minutes.value),
    };
    const { data } = await api("POST", "/api/feeds/", { body });
    await api("POST", `/api/feeds/${data.id}/poll/`);
    reloadSoon("Following the feed; its first poll is queued.");
  } catch (e) {
    feedError.textContent = describe(e);
    feedError.focus();
    submit.disabled = false;
  }
});

const opmlForm = document.getElementById("opml-form");
const opmlError = document.getElementById("opml-error");
opmlForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  opmlError.textContent = "";
  const form = new FormData();
  form.append("team", teamId);
  form.append("file", opmlForm.elements.file.files[0]);
  try {
    const { data } = await api("POST", "/api/feeds/opml/", { form });
    const skipped = data.errors.map((e) => `${e.url}: ${e.message}`).join(" ");
    reloadSoon(`${data.created.length} feed(s) followed, ${data.existing} already followed.${skipped ? ` Not followed: ${skipped}` : ""}`);
  } catch (e) {
    opmlError.textContent = describe(e);
    opmlError.focus();
  }
});

const ACTIONS = {
  poll: (id) => api("POST", `/api/feeds/${id}/poll/`).then(() => "Poll queued."),
  pause: (id) => api("PATCH", `/api/feeds/${id}/`, { body: { paused: true } }).then(() => "Paused."),
  resume: (id) => api("PATCH", `/api/feeds/${id}/`, { body: { paused: false } }).then(() => "Resumed; polled at the next tick."),
  delete: (id) => api("DELETE", `/api/feeds/${id}/`).then(() => "Deleted; its articles stay."),
};

document.getElementById("feed-list")?.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const row = button.closest("tr");
  const action = button.dataset.action;
  if (action === "delete" && !window.confirm(`Stop following “${row.dataset.name}”? Its articles stay in the team.`)) return;
  button.disabled = true;
  try {
    reloadSoon(await ACTIONS[action](row.dataset.id));
  } catch (e) {
    status.textContent = describe(e);
    button.disabled = false;
  }
});
document.documentElement.dataset.feedsReady = "true";
