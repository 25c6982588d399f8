// The review queue: give verdicts with the buttons or the keyboard (j/k move, a approve,
// r request changes, d dispute, o open in the reader). Every verdict is a POST /api/reviews/;
// the item then shows its new state in place and focus moves on to the next one.

import { api, ApiError, newIdempotencyKey } from "./api.js";
import { registerShortcuts } from "./keyboard.js";

const queue = document.querySelector("[data-review-queue]");
const config = JSON.parse(document.getElementById("review-config").textContent);
const canReview = queue.hasAttribute("data-can-review");
const status = document.getElementById("queue-status");
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

// Each verdict's resulting state (the services' VERDICT_STATE).
const RESULT = { approve: "approved", request_changes: "changes_requested", dispute: "disputed" };
const NOTE_LABEL = {
  request_changes: "What should change? (a note for the author, required)",
  dispute: "What is disputed? (a note for the author, required)",
};

const items = () => [...queue.querySelectorAll(".queue-item")];
let current = -1;

function announce(text) {
  status.textContent = "";
  // A change after a tick is announced even when the text repeats.
  window.setTimeout(() => { status.textContent = text; }, 30);
}

function select(index) {
  const all = items();
  if (!all.length) return;
  current = Math.max(0, Math.min(index, all.length - 1));
  const item = all[current];
  item.focus({ preventScroll: true });
  item.scrollIntoView({ block: "nearest", behavior: reducedMotion ? "auto" : "smooth" });
}

function selectedItem() {
  const all = items();
  return current >= 0 && current < all.length ? all[current] : null;
}

// Focus that arrives by Tab or by a click selects the item too.
queue.addEventListener("focusin", (event) => {
  const item = event.target.closest(".queue-item");
  if (item) current = items().indexOf(item);
});

function showError(item, message) {
  const box = item.querySelector("[data-error]");
  box.textContent = message;
}

function messageOf(error) {
  if (!(error instanceof ApiError)) return String(error);
  const messages = Object.values(error.errors).flat();
  if (error.status === 403) return error.message;
  return messages.length ? messages.join(" ") : error.message;
}

function updateButtons(item) {
  const state = item.dataset.state;
  for (const button of item.querySelectorAll("[data-verdict]")) {
    const allowed = (config.allowed[button.dataset.verdict] || []).includes(state);
    button.disabled = !allowed;
    button.title = allowed ? "" : `Not possible while it is ${(config.states[state] || state).toLowerCase()}`;
  }
}

function setBusy(item, busy) {
  item.setAttribute("aria-busy", busy ? "true" : "false");
  for (const button of item.querySelectorAll("button")) button.disabled = busy;
  if (!busy) updateButtons(item);
}

function closeNote(item, { refocus = true } = {}) {
  const form = item.querySelector("[data-note-form]");
  if (!form || form.hidden) return;
  form.hidden = true;
  form.elements.note.value = "";
  form.elements.note.removeAttribute("aria-invalid");
  if (refocus) item.focus({ preventScroll: true });
}

function openNote(item, verdict) {
  const form = item.querySelector("[data-note-form]");
  form.dataset.verdict = verdict;
  form.querySelector("[data-note-label]").textContent = NOTE_LABEL[verdict];
  form.querySelector("[data-note-send]").textContent = config.verdicts[verdict];
  form.hidden = false;
  showError(item, "");
  form.elements.note.focus();
}

function showVerdict(item, verdict, note) {
  const state = RESULT[verdict];
  item.dataset.state = state;
  item.classList.add("reviewed");
  const badge = item.querySelector("[data-state-badge]");
  badge.className = `badge review-${state}`;
  badge.textContent = config.states[state];
  const latest = item.querySelector("[data-latest]");
  latest.replaceChildren();
  const label = document.createElement("span");
  label.className = "label";
  label.textContent = "Latest verdict";
  const strong = document.createElement("strong");
  strong.textContent = config.verdicts[verdict];
  latest.append(label, " ", strong, " by you, just now");
  if (note) {
    const quote = document.createElement("q");
    quote.textContent = note;
    latest.append(": ", quote);
  }
  latest.hidden = false;
}

async function sendVerdict(item, verdict, note = "") {
  if (item.getAttribute("aria-busy") === "true") return;
  showError(item, "");
  setBusy(item, true);
  try {
    await api("POST", "/api/reviews/", {
      body: { annotation: Number(item.dataset.id), verdict, note },
      idempotencyKey: newIdempotencyKey(),
    });
  } catch (error) {
    setBusy(item, false);
    showError(item, messageOf(error));
    const form = item.querySelector("[data-note-form]");
    if (form && !form.hidden) form.elements.note.focus();
    else item.focus({ preventScroll: true });
    announce(`Not saved: ${messageOf(error)}`);
    return;
  }
  closeNote(item, { refocus: false });
  showVerdict(item, verdict, note);
  setBusy(item, false);
  const all = items();
  const index = all.indexOf(item);
  const done = `${config.verdicts[verdict]}: now ${config.states[RESULT[verdict]].toLowerCase()}.`;
  if (index + 1 < all.length) {
    select(index + 1);
    announce(`${done} Next annotation.`);
  } else {
    select(index);
    announce(`${done} That was the last one in the list.`);
  }
}

function act(item, verdict) {
  if (!item) {
    announce("Press j to choose an annotation first.");
    return;
  }
  if (verdict === "approve") sendVerdict(item, verdict);
  else openNote(item, verdict);
}

for (const item of items()) {
  if (!canReview) continue;
  updateButtons(item);
  for (const button of item.querySelectorAll("[data-verdict]")) {
    button.addEventListener("click", () => act(item, button.dataset.verdict));
  }
  const form = item.querySelector("[data-note-form]");
  const note = form.elements.note;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = note.value.trim();
    if (!text) {
      note.setAttribute("aria-invalid", "true");
      showError(item, "Write a note: the author needs to know what to change or what is disputed.");
      note.focus();
      return;
    }
    note.removeAttribute("aria-invalid");
    sendVerdict(item, form.dataset.verdict, text);
  });
  note.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closeNote(item);
    }
  });
  form.querySelector("[data-note-cancel]").addEventListener("click", () => closeNote(item));
}

const shortcuts = [
  { keys: "j", help: "Next annotation in the queue", run: () => select(current + 1) },
  { keys: "k", help: "Previous annotation in the queue", run: () => select(current < 0 ? 0 : current - 1) },
];
if (canReview) {
  shortcuts.push(
    { keys: "a", help: "Approve the selected annotation", run: () => act(selectedItem(), "approve") },
    { keys: "r", help: "Request changes (write a note, then Ctrl+Enter)", run: () => act(selectedItem(), "request_changes") },
    { keys: "d", help: "Dispute (write a note, then Ctrl+Enter)", run: () => act(selectedItem(), "dispute") },
  );
}
shortcuts.push({
  keys: "o",
  help: "Open the selected annotation in the reader",
  run: () => {
    const link = (selectedItem() || items()[0])?.querySelector("[data-open]");
    if (link) window.location.assign(link.href);
  },
});
registerShortcuts(shortcuts);
