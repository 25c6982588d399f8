// A claim's page: confirm the grouping, split or move selected appearances, undo a judgement.
// Each goes through the API, then the page reloads (counts, timeline and history change).
import { api, ApiError } from "./api.js";

const data = JSON.parse(document.getElementById("claim-data").textContent);
const error = document.getElementById("claim-error");

async function act(button, method, path, body) {
  button.disabled = true;
  error.textContent = "";
  try {
    const result = await api(method, path, body === undefined ? {} : { body });
    return result;
  } catch (e) {
    error.textContent = e instanceof ApiError ? e.describe() : e.message;
    button.disabled = false;
    return null;
  }
}

document.querySelector("[data-confirm-cluster]")?.addEventListener("click", async (event) => {
  if (await act(event.currentTarget, "POST", `/api/claims/${data.id}/confirm/`, {})) window.location.reload();
});

for (const button of document.querySelectorAll("[data-undo-claim-judgement]")) {
  button.addEventListener("click", async () => {
    if (await act(button, "POST", `/api/claim-judgements/${button.dataset.undoClaimJudgement}/undo/`)) {
      window.location.reload();
    }
  });
}

const boxes = [...document.querySelectorAll("[data-select-appearance]")];
const split = document.querySelector("[data-split]");
const move = document.querySelector("[data-move]");
const target = document.querySelector("[data-move-target]");
const selected = () => boxes.filter((b) => b.checked).map((b) => Number(b.dataset.selectAppearance));
function refresh() {
  const n = selected().length;
  if (split) split.disabled = n === 0;
  if (move) move.disabled = n === 0 || !target.value;
}
for (const box of boxes) box.addEventListener("change", refresh);
target?.addEventListener("input", refresh);

split?.addEventListener("click", async () => {
  const done = await act(split, "POST", `/api/claims/${data.id}/split/`, { appearances: selected() });
  if (done) window.location.reload();
});
move?.addEventListener("click", async () => {
  const done = await act(move, "POST", `/api/claims/${data.id}/move/`, {
    appearances: selected(),
    target: Number(target.value),
  });
  if (done) window.location.reload();
});
