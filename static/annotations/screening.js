// The batch screening page: posts a pasted list or a file to /api/screenings/, follows the job
// that screens it, then opens its results; a screening still running is followed the same way.
// All user data is written with textContent.

import { api } from "./api.js";
import { clearErrors, showErrors } from "./formerrors.js";
import { FINISHED, followJob } from "./jobprogress.js";

const form = document.querySelector("[data-screen-form]");
const announcer = document.querySelector("[data-announce]");
const detailUrl = (id) => form.dataset.detailUrl.replace(/\/0\/$/, `/${encodeURIComponent(id)}/`);

function announce(text) {
  announcer.textContent = text;
}

async function follow(container, jobId, id) {
  container.hidden = false;
  announce("Screening the names…");
  const job = await followJob(container, jobId, { kind: "screen" });
  announce(job.status === "succeeded" ? "Screening finished." : "Screening failed.");
  window.location.assign(detailUrl(id));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const button = form.querySelector('button[type="submit"]');
  const file = form.elements.file.files[0];
  const title = form.elements.title.value.trim();
  button.disabled = true;
  try {
    let response;
    if (file) {
      const upload = new FormData();
      upload.append("team", form.dataset.team);
      upload.append("file", file);
      if (title) upload.append("title", title);
      response = await api("POST", "/api/screenings/", { form: upload });
    } else {
      response = await api("POST", "/api/screenings/", {
        body: { team: Number(form.dataset.team), names: form.elements.names.value, title },
      });
    }
    const screening = response.data;
    const progress = document.querySelector("[data-progress]");
    progress.replaceChildren();
    await follow(progress, screening.job, screening.id);
  } catch (error) {
    showErrors(form, error, { labels: { team: "Team" } });
    const box = form.querySelector("[data-form-error]");
    if (box.textContent.startsWith("The import was refused")) box.textContent = "The list was refused: correct the marked field.";
    button.disabled = false;
  }
});

const result = document.querySelector("[data-screening]");
if (result) {
  const box = result.querySelector("[data-follow]");
  const jobId = Number(result.dataset.job);
  if (box && jobId && !FINISHED.has(result.dataset.status)) {
    follow(box, jobId, result.dataset.screening).catch(() => {});
  }
  const rerun = result.querySelector("[data-rerun]");
  rerun?.addEventListener("click", async () => {
    rerun.disabled = true;
    try {
      await api("POST", `/api/screenings/${encodeURIComponent(result.dataset.screening)}/rerun/`);
      window.location.assign(detailUrl(result.dataset.screening));
    } catch (error) {
      rerun.disabled = false;
      announce(error.message);
    }
  });
}
