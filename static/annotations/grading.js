// Admiralty grading of a source on its page: the reliability form posts a new grade (a new row
// of the source's history) to /api/source-grades/ and the page is read again.

import { api } from "./api.js";
import { clearErrors, showErrors } from "./formerrors.js";

const form = document.querySelector("[data-grade-form]");

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const day = form.elements.expires_at.value;
  const body = {
    entity: Number(form.dataset.entity),
    team: Number(form.dataset.team),
    reliability: form.elements.reliability.value,
    reason: form.elements.reason.value,
    // A date means "until the end of that day" in the analyst's time zone.
    expires_at: day ? new Date(`${day}T23:59:59`).toISOString() : null,
  };
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await api("POST", "/api/source-grades/", { body });
    window.location.reload();
  } catch (error) {
    showErrors(form, error);
    button.disabled = false;
  }
});
