// Keyboard shortcuts for every page: `?` lists them, `g` then a letter navigates, `/` searches.
// One registry per page: pages add their keys with registerShortcuts(), each with the line the
// `?` dialog shows, and the dialog is built from the registry when it opens, so the list can
// never drift from what the keys do. Keys typed into form fields are left alone.

import { el } from "./dom.js";

const handlers = new Map(); // key -> run
const entries = []; // {keys: ["j"], help, run}, in the order the dialog lists them
let pendingG = false;

export function isTypingTarget(node) {
  if (!node) return false;
  if (node.closest?.("[data-reader-text]")) return false; // the read-only article text
  const tag = node.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || node.isContentEditable;
}

/**
 * Register page shortcuts: [{keys: "j", help: "Next annotation", run: fn}, ...], or a pair:
 * {keys: ["j", "k"], help: "Next / previous annotation", run: {j: fn, k: fn}}.
 * `keys` is a key or a list of keys shown together ("Shift+e" style labels are for the dialog
 * only); an entry without `run` documents a key handled elsewhere (a form's own keys).
 * A handler returning false lets the key through. A key registered again replaces the old one.
 */
export function registerShortcuts(list) {
  for (const entry of list) {
    const keys = [].concat(entry.keys);
    for (const key of keys) {
      const old = entries.findIndex((e) => e.run && e.keys.includes(key));
      if (entry.run && old !== -1) entries.splice(old, 1);
    }
    entries.push({ keys, help: entry.help, run: entry.run || null });
    // `run` is one function for every key of the entry, or {key: function} (a pair of keys).
    if (typeof entry.run === "function") for (const key of keys) handlers.set(key, entry.run);
    else if (entry.run) for (const key of keys) if (entry.run[key]) handlers.set(key, entry.run[key]);
  }
}

/** The registered entries, for the dialog and for tests. */
export function shortcutEntries() {
  return [...entries, ...GLOBAL].map((e) => ({ keys: [...e.keys], help: e.help }));
}

function keyLabel(key) {
  const names = { ArrowUp: "↑", ArrowDown: "↓", ArrowLeft: "←", ArrowRight: "→", Escape: "Esc", " ": "Space" };
  return key.split("+").map((part) => names[part] || part);
}

function renderHelp(list) {
  const items = [];
  const pageKeys = new Set(entries.flatMap((e) => e.keys));
  for (const entry of [...entries, ...GLOBAL.filter((g) => !pageKeys.has(g.keys[0]))]) {
    const dt = el("dt");
    entry.keys.forEach((key, index) => {
      if (index) dt.append(" / ");
      // "g a" is a sequence, "Shift+Enter" a chord.
      key.split(/(?<=\S) (?=\S)/).forEach((step, s) => {
        if (s) dt.append(" ");
        keyLabel(step).forEach((part, i) => {
          if (i) dt.append("+");
          dt.append(el("kbd", { text: part }));
        });
      });
    });
    items.push(dt, el("dd", { text: entry.help }));
  }
  list.replaceChildren(...items);
}

function openHelp() {
  const dialog = document.getElementById("shortcuts");
  if (!dialog || dialog.open) return;
  const list = dialog.querySelector(".shortcut-list");
  if (list) renderHelp(list);
  dialog.showModal();
}

const jumps = { a: "/", i: "/import/", e: "/entities/" };

// Every page's own keys come first in the dialog; these close the list.
const GLOBAL = [
  { keys: ["?"], help: "Show this list" },
  { keys: ["g a"], help: "Go to articles" },
  { keys: ["g i"], help: "Go to import" },
  { keys: ["g e"], help: "Go to entities" },
  { keys: ["/"], help: "Search (the box in the header)" },
  { keys: ["Escape"], help: "Close a dialog or popover" },
];

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (isTypingTarget(event.target)) return;
  if (document.querySelector("dialog[open]") && event.key !== "Escape") return;
  if (pendingG) {
    pendingG = false;
    if (jumps[event.key]) {
      event.preventDefault();
      window.location.assign(jumps[event.key]);
    }
    return;
  }
  if (event.key === "?") {
    event.preventDefault();
    openHelp();
    return;
  }
  const handler = handlers.get(event.key);
  if (handler) {
    if (handler(event) !== false) event.preventDefault();
    return;
  }
  if (event.key === "g") {
    pendingG = true;
    setTimeout(() => { pendingG = false; }, 1500);
    return;
  }
  if (event.key === "/") {
    const search = document.querySelector("[data-search]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select?.();
    }
  }
});

for (const button of document.querySelectorAll("[data-shortcuts-open]")) {
  button.addEventListener("click", openHelp);
}
