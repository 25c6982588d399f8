// The search page: arrow keys (or j/k) move between results and Enter opens one; while typing,
// the box suggests matching entities and articles (prefix search through GET /api/search/).

import { api } from "./api.js";
import { el } from "./dom.js";
import { registerShortcuts } from "./keyboard.js";

const box = document.getElementById("search-q");
const list = document.getElementById("search-suggestions");
const hits = () => [...document.querySelectorAll("[data-hit]")];

function move(step) {
  const all = hits();
  if (!all.length) return;
  const at = all.indexOf(document.activeElement);
  const next = all[Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + step))];
  next.focus();
  next.scrollIntoView({ block: "nearest" });
}

registerShortcuts([
  { keys: ["j", "k"], help: "Next / previous result", run: { j: () => move(1), k: () => move(-1) } },
  { keys: ["ArrowDown", "ArrowUp"], help: "Next / previous result", run: { ArrowDown: () => move(1), ArrowUp: () => move(-1) } },
  { keys: "Enter", help: "Open the focused result" },
]);

// --- Suggestions while typing ------------------------------------------------------------------

let timer = null;
let controller = null;
let active = -1;

function options() {
  return [...list.querySelectorAll("[role=option]")];
}

function close() {
  list.hidden = true;
  list.replaceChildren();
  box.setAttribute("aria-expanded", "false");
  box.removeAttribute("aria-activedescendant");
  active = -1;
}

function select(index) {
  const all = options();
  if (!all.length) return;
  active = (index + all.length) % all.length;
  all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
  box.setAttribute("aria-activedescendant", all[active].id);
}

function show(groups) {
  const items = [];
  for (const [kind, label] of [["entity", "Entity"], ["article", "Article"]]) {
    for (const hit of groups[kind]?.hits ?? []) {
      items.push(
        el(
          "li",
          { role: "option", id: `suggestion-${kind}-${hit.id}`, "aria-selected": false, dataset: { href: hit.url } },
          el("span", { class: "kind", text: label }),
          " ",
          kind === "entity" ? hit.name : hit.title,
        ),
      );
    }
  }
  if (!items.length) return close();
  list.replaceChildren(...items);
  list.hidden = false;
  box.setAttribute("aria-expanded", "true");
}

async function suggest() {
  const q = box.value.trim();
  controller?.abort();
  if (q.length < 2) return close();
  controller = new AbortController();
  const params = new URLSearchParams({ q, prefix: "true", limit: "5" });
  params.append("kind", "entity");
  params.append("kind", "article");
  try {
    const { data } = await api("GET", `/api/search/?${params}`, { signal: controller.signal });
    if (box.value.trim() === q) show(data.results);
  } catch (error) {
    if (error.name !== "AbortError") close(); // a query the API refuses: no suggestions
  }
}

box?.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(suggest, 150);
});
box?.addEventListener("keydown", (event) => {
  if (list.hidden) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    select(active + (event.key === "ArrowDown" ? 1 : -1));
  } else if (event.key === "Enter" && active >= 0) {
    event.preventDefault();
    window.location.assign(options()[active].dataset.href);
  } else if (event.key === "Escape") {
    close();
  }
});
box?.addEventListener("blur", () => setTimeout(close, 150));
list?.addEventListener("mousedown", (event) => {
  const option = event.target.closest("[role=option]");
  if (option) window.location.assign(option.dataset.href);
});
