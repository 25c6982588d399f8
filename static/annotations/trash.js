// The trash page: restore a deleted annotation through the API (was an inline script, which the
// Content-Security-Policy forbids).
import { api, ApiError } from "./api.js";

const error = document.getElementById("trash-error");
for (const button of document.querySelectorAll("[data-restore]")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const { data } = await api("POST", `/api/annotations/${button.dataset.restore}/undelete/`);
      const row = button.closest("tr");
      const cell = button.parentElement;
      const link = document.createElement("a");
      link.href = `/articles/${data.article}/#a-${data.id}`;
      link.textContent = "Restored: open";
      cell.replaceChildren(link);
      row.classList.add("restored");
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.describe() : e.message;
      button.disabled = false;
    }
  });
}
