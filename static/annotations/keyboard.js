// Keyboard shortcuts for every page: `?` lists them, `g` then a letter navigates, `/` searches.
// Pages add their own with registerShortcuts(); keys typed into form fields are left alone.

const handlers = new Map();
let pendingG = false;

export function isTypingTarget(el) {
  if (!el) return false;
  if (el.closest?.("[data-reader-text]")) return false; // the read-only article text
  const tag = el.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
}

/** Register page shortcuts: {"j": fn, "Enter": fn, ...}. A handler returning false lets the key through. */
export function registerShortcuts(map) {
  for (const [key, fn] of Object.entries(map)) handlers.set(key, fn);
}

function openHelp() {
  const dialog = document.getElementById("shortcuts");
  if (dialog && !dialog.open) dialog.showModal();
}

const jumps = { a: "/", i: "/import/", e: "/entities/" };

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
