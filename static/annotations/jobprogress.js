// The live progress of a background job: polls GET /api/jobs/{id}/ every second until it has
// succeeded or failed, drawing a <progress>, done/total, the status and the job's message.

import { api } from "./api.js";
import { el } from "./dom.js";

const KINDS = { analyze: "Entity recognition", import_url: "Fetching the page", screen: "Screening names" };
const STATUS = { queued: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed" };
export const FINISHED = new Set(["succeeded", "failed"]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class JobView {
  constructor(id, kind) {
    const labelId = `job-${id}-label-${Math.random().toString(36).slice(2, 7)}`;
    this.status = el("span", { class: "badge status-queued job-status", text: STATUS.queued });
    const label = el("span", { class: "job-label", id: labelId }, `${KINDS[kind] || "Background job"} · job ${id} `, this.status);
    this.bar = el("progress", { "aria-labelledby": labelId });
    this.count = el("span", { class: "job-count" });
    this.message = el("span", { class: "job-message" });
    this.el = el("div", { class: "job", dataset: { job: String(id) } }, label, this.bar, this.count, this.message);
  }

  update(job) {
    this.status.className = `badge status-${job.status} job-status`;
    this.status.textContent = STATUS[job.status] || job.status;
    const total = Number(job.total) || 0;
    const done = Number(job.done) || 0;
    if (total > 0) {
      this.bar.max = total;
      this.bar.value = Math.min(done, total);
      this.count.textContent = `${done} of ${total}`;
    } else if (FINISHED.has(job.status)) {
      this.bar.max = 1;
      this.bar.value = 1;
      this.count.textContent = "";
    } else {
      this.bar.removeAttribute("value"); // indeterminate until the job knows its size
      this.count.textContent = "";
    }
    this.message.textContent = job.message || "";
  }

  fail(text) {
    this.status.className = "badge status-failed job-status";
    this.status.textContent = "Unknown";
    this.message.textContent = text;
  }
}

/** Draw job `id` inside `container` and poll it until it finishes; resolve with the last job. */
export async function followJob(container, id, { kind, interval = 1000 } = {}) {
  const view = new JobView(id, kind);
  container.append(view.el);
  let failures = 0;
  for (;;) {
    try {
      const { data } = await api("GET", `/api/jobs/${encodeURIComponent(id)}/`);
      failures = 0;
      view.update(data);
      if (FINISHED.has(data.status)) return data;
    } catch (error) {
      failures += 1;
      if (failures >= 5 || [401, 403, 404].includes(error.status)) {
        view.fail(`Could not follow this job: ${error.message}`);
        throw error;
      }
    }
    await sleep(interval);
  }
}
