// The analyses list: start an analysis (a question and its first hypotheses) through
// /api/analyses/, then open its matrix.
import { api, ApiError } from "./api.js";

const form = document.getElementById("analysis-form");
const error = document.getElementById("analysis-error");

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const hypotheses = form.elements.hypotheses.value.split("\n").map((s) => s.trim()).filter(Boolean);
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const { data } = await api("POST", "/api/analyses/", {
      body: { team: Number(form.elements.team.value), question: form.elements.question.value, hypotheses },
    });
    window.location.assign(`/analyses/${data.id}/`);
  } catch (e) {
    error.textContent = e instanceof ApiError ? e.describe() : e.message;
    error.focus();
    submit.disabled = false;
  }
});
