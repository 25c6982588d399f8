// The reader's Figures panel: the article's figures from the API, flagged ones marked, each
// malformed one with its Resolve action (figureitem.js).
import { api, ApiError } from "./api.js";
import { plural } from "./dom.js";
import { figureItem } from "./figureitem.js";

const panel = document.getElementById("figures-panel");

async function load() {
  const list = document.getElementById("figures-list");
  const count = document.getElementById("figures-count");
  const canResolve = panel.dataset.canResolve === "1";
  let figures;
  try {
    const { data } = await api("GET", `/api/figures/?article=${panel.dataset.article}&page_size=1000`);
    figures = data.results;
  } catch (e) {
    count.textContent = "";
    list.replaceChildren();
    document.getElementById("figures-empty").hidden = false;
    document.getElementById("figures-empty").textContent = e instanceof ApiError ? e.describe() : e.message;
    return;
  }
  const flagged = figures.filter((f) => f.flagged && f.resolved_value === null).length;
  count.textContent = String(figures.length);
  count.title = flagged ? `${plural(flagged, "malformed number")} to resolve` : "";
  const render = (figure) => figureItem(figure, {
    canResolve,
    onChange: (updated) => {
      const old = list.querySelector(`[data-figure="${updated.id}"]`);
      old.replaceWith(render(updated));
      list.querySelector(`[data-figure="${updated.id}"]`).querySelector("button, a")?.focus();
      document.getElementById("live").textContent = updated.resolved_value === null
        ? "Resolution undone." : `Resolved to ${updated.value_label}.`;
    },
  });
  // Malformed ones first: they need an analyst.
  const ordered = [...figures].sort((a, b) => Number(b.flagged && b.resolved_value === null) - Number(a.flagged && a.resolved_value === null) || a.start - b.start);
  list.replaceChildren(...ordered.map(render));
  document.getElementById("figures-empty").hidden = figures.length > 0;
}

if (panel) load();
