// Blind-mode switches of articles (owners): PATCH /api/articles/{id}/ {blind}. Used by the
// agreement page and the team page; `say(text)` reports each change on the page's status line.

import { api, ApiError } from "./api.js";

export function wireBlindToggles(say) {
  for (const box of document.querySelectorAll("input[data-blind-toggle]")) {
    const id = box.dataset.blindToggle;
    const error = document.querySelector(`[data-blind-error="${id}"]`);
    box.addEventListener("change", async () => {
      const wanted = box.checked;
      box.disabled = true;
      error.textContent = "";
      try {
        const { data } = await api("PATCH", `/api/articles/${id}/`, { body: { blind: wanted } });
        box.checked = Boolean(data.blind);
        // The same article may be listed twice (summary and pairs): keep its switches in step.
        for (const other of document.querySelectorAll(`input[data-blind-toggle="${id}"]`)) other.checked = box.checked;
        say(`Blind mode ${box.checked ? "on" : "off"} for “${data.title}”.`);
      } catch (err) {
        box.checked = !wanted;
        error.textContent = err instanceof ApiError ? err.describe() : String(err);
      } finally {
        box.disabled = false;
        box.focus();
      }
    });
  }
}
