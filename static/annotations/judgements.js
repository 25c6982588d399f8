// The entity page's judgement history: undo a judgement through the API, then reload, since
// undoing a merge changes the page's mentions, names and counts.
import { api, ApiError } from "./api.js";

const error = document.getElementById("judgement-error");
for (const button of document.querySelectorAll("[data-undo-judgement]")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", `/api/judgements/${button.dataset.undoJudgement}/undo/`);
      window.location.reload();
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.describe() : e.message;
      button.disabled = false;
    }
  });
}
