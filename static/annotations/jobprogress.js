// The live progress of a background job: polls GET /api/jobs/{id}/ every second until it has
// succeeded or failed, drawing a <progress>, done/total, the status and the job's message.

import { request } from "./http.js";

const KINDS = { analyze: "Entity recognition", import_url: "Fetching the page" };
const STATUS = { queued: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed" };
export const FINISHED = new Set(["succeeded", "failed"]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

class JobView {
  constructor(id, kind) {
    this.el = make("div", "job");
    this.el.dataset.job = String(id);
    const label = make("span", "job-label", `${KINDS[kind] || "Background job"} · job ${id} `);
    label.id = `job-${id}-label-${Math.random().toString(36).slice(2, 7)}`;
    this.status = make("span", "badge status-queued job-status", STATUS.queued);
    label.append(this.status);
    this.bar = make("progress");
    this.bar.setAttribute("aria-labelledby", label.id);
    this.count = make("span", "job-count", "");
    this.message = make("span", "job-message", "");
    this.el.append(label, this.bar, this.count, this.message);
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
      const { data } = await request(`/api/jobs/${encodeURIComponent(id)}/`);
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
