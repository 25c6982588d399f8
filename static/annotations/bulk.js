// "Accept all shown" / "Reject all shown": one decision on the model suggestions that the
// sidebar's filters leave visible, after a confirmation that gives their count. One API call
// (POST /api/articles/<id>/decide-suggestions/), all or nothing on the server, at most 500.

import { api, ApiError } from "./api.js";

const MAX_BULK = 500;

export function setupBulk({ bar, articleId, suggestions, onChanged, announce }) {
  const count = bar.querySelector("[data-bulk-count]");
  const buttons = [...bar.querySelectorAll("[data-bulk]")];

  async function decide(verdict) {
    const all = suggestions();
    const ids = all.slice(0, MAX_BULK).map((a) => a.id);
    if (!ids.length) {
      announce("No suggestions are shown.");
      return;
    }
    const more = all.length > ids.length ? ` (the first ${ids.length} of ${all.length})` : "";
    const n = `${ids.length} suggestion${ids.length === 1 ? "" : "s"}`;
    if (!window.confirm(`${verdict === "accept" ? "Accept" : "Reject"} the ${n} shown${more}? Their sources suggested with them go too.`)) {
      announce(`Nothing ${verdict}ed.`);
      return;
    }
    for (const button of buttons) button.disabled = true;
    try {
      const { data } = await api("POST", `/api/articles/${articleId}/decide-suggestions/`, { body: { verdict, ids } });
      onChanged(data.changed);
      announce(`${n} ${verdict}ed.`);
    } catch (error) {
      announce(error instanceof ApiError ? error.describe() : error.message, { kind: "error" });
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }

  for (const button of buttons) button.addEventListener("click", () => decide(button.dataset.bulk));

  /** Show the bar, with the count, while suggestions are shown and the user may decide them. */
  return function update() {
    const n = suggestions().length;
    bar.hidden = n === 0;
    count.textContent = `${n} suggestion${n === 1 ? "" : "s"} shown`;
  };
}
