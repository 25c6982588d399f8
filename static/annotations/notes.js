// Page notes: notes on the whole article (as Hypothesis has), in the reader's sidebar. Each
// note's Markdown arrives rendered and sanitised by the server (text_html); its author (or a
// team owner) edits or deletes it, with If-Match; "History" lists its versions.

import { api, ApiError, newIdempotencyKey } from "./api.js";
import { el, plural, sanitisedHtml } from "./dom.js";

const data = JSON.parse(document.getElementById("reader-data").textContent);
const root = document.getElementById("page-notes");
const list = document.getElementById("page-notes-list");
const count = document.getElementById("page-notes-count");
const live = document.getElementById("live");
const canWrite = ["owner", "analyst", "reviewer"].includes(data.role);

function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function say(message) {
  if (live) live.textContent = message;
}

function form({ note = null, onDone }) {
  const id = note ? `note-text-${note.id}` : "note-text-new";
  const text = el("textarea", { id, rows: 3, maxLength: 10000, value: note?.text || "", "aria-describedby": `${id}-hint` });
  const privateBox = el("input", { type: "checkbox", id: `${id}-private`, checked: note?.visibility === "private" });
  const error = el("p", { class: "form-error", role: "alert" });
  const box = el("form", { class: "note-form" },
    el("label", { for: id, text: note ? "Edit the note" : "Note on the whole article" }),
    text,
    el("p", { class: "hint", id: `${id}-hint`, text: "Markdown: **bold**, _italic_, [link](https://…), - lists" }),
    el("label", { for: `${id}-private`, class: "check" }, privateBox, " Private (only you see it)"),
    error,
    el("div", { class: "buttons" },
      el("button", { type: "submit", class: "primary", text: note ? "Save note" : "Add note" }),
      el("button", { type: "button", text: "Cancel", onclick: () => onDone(null) })));
  const key = newIdempotencyKey();
  box.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { text: text.value, visibility: privateBox.checked ? "private" : "team" };
    try {
      const { data: saved } = note
        ? await api("PATCH", `/api/notes/${note.id}/`, { body, ifMatch: note.version })
        : await api("POST", "/api/notes/", { body: { ...body, article: data.article.id }, idempotencyKey: key });
      onDone(saved);
    } catch (e) {
      error.textContent = e instanceof ApiError ? (e.status === 412 ? "Someone changed this note meanwhile; reload the page." : e.describe()) : e.message;
    }
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      onDone(null);
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) box.requestSubmit();
  });
  setTimeout(() => text.focus());
  return box;
}

async function showHistory(note, item) {
  const shown = item.querySelector(".note-history");
  if (shown) {
    shown.remove();
    return;
  }
  const { data: versions } = await api("GET", `/api/notes/${note.id}/history/`);
  const ol = el("ol", { class: "note-history versions", reversed: true });
  for (const version of [...versions].reverse()) {
    ol.append(el("li", {},
      el("div", { class: "version-head" },
        el("strong", { text: `v${version.number} · ${version.action_label}` }),
        el("span", { class: "muted", text: ` · ${version.actor ? version.actor.name : "system"} · ${when(version.created_at)}` })),
      el("p", { class: "note-version-text", text: version.text })));
  }
  item.append(ol);
}

function row(note) {
  const mine = note.author.id === data.me.id || data.role === "owner";
  const item = el("li", { class: "note", "data-note": String(note.id) },
    el("div", { class: "reply-head" },
      el("strong", { text: note.author.name }),
      el("time", { class: "muted", text: when(note.created_at) }),
      note.visibility === "private" ? el("span", { class: "badge private", text: "Private" }) : null,
      note.version > 1 ? el("span", { class: "muted", text: "edited" }) : null),
    sanitisedHtml(note.text_html, "div", { class: "note-text markdown" }));
  const actions = el("div", { class: "note-actions" });
  const history = el("button", { type: "button", class: "linklike", text: "History" });
  history.addEventListener("click", () => showHistory(note, item));
  actions.append(history);
  if (mine && canWrite) {
    const edit = el("button", { type: "button", class: "linklike", text: "Edit" });
    edit.addEventListener("click", () => {
      const editor = form({ note, onDone: (saved) => {
        editor.remove();
        if (saved) {
          item.replaceWith(row(saved));
          say("Note saved.");
        }
      } });
      item.append(editor);
    });
    const remove = el("button", { type: "button", class: "linklike", text: "Delete" });
    remove.addEventListener("click", async () => {
      if (!window.confirm("Delete this note?")) return;
      try {
        await api("DELETE", `/api/notes/${note.id}/`, { ifMatch: note.version });
        item.remove();
        update();
        say("Note deleted.");
      } catch (e) {
        window.alert(e instanceof ApiError ? e.describe() : e.message);
      }
    });
    actions.append(edit, remove);
  }
  item.append(actions);
  return item;
}

function update() {
  const n = list.children.length;
  count.textContent = String(n);
  document.getElementById("page-notes-empty").hidden = n > 0;
  root.setAttribute("aria-description", plural(n, "page note"));
}

async function load() {
  const { data: page } = await api("GET", `/api/notes/?article=${data.article.id}&page_size=200`);
  list.replaceChildren(...page.results.map(row));
  update();
}

if (root) {
  const add = document.getElementById("page-note-add");
  if (add && canWrite) {
    add.hidden = false;
    add.addEventListener("click", () => {
      if (root.querySelector("form.note-form:not(li form)")) return;
      const editor = form({ onDone: (saved) => {
        editor.remove();
        add.hidden = false;
        if (saved) {
          list.append(row(saved));
          update();
          say("Note added.");
        }
      } });
      add.hidden = true;
      add.after(editor);
    });
  }
  load().catch((e) => {
    list.replaceChildren(el("li", { class: "form-error", text: e instanceof ApiError ? e.describe() : e.message }));
  });
}
