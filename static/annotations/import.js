// The import page: four forms that post to the API, each followed by the live progress of the
// background job it starts. All user data is written with textContent.

import { api, ApiError } from "./api.js";
import { el, plural } from "./dom.js";
import { clearErrors, showErrors } from "./formerrors.js";
import { followJob } from "./jobprogress.js";
import { registerShortcuts } from "./keyboard.js";
import { setupTabs } from "./tabs.js";

registerShortcuts([{ keys: ["ArrowLeft", "ArrowRight"], help: "Previous or next import method (on the tabs)" }]);

const root = document.querySelector("[data-importer]");
const team = Number(root.dataset.team);
const announcer = document.querySelector("[data-announce]");
const articleUrl = (id) => root.dataset.articleUrl.replace(/\/0\/$/, `/${encodeURIComponent(id)}/`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

setupTabs(root);

function announce(text) {
  announcer.textContent = text;
}

function link(href, text) {
  return el("a", { href, text });
}

/** A card in the form's result list, newest first. */
function resultCard(form, title, href) {
  const list = form.closest('[role="tabpanel"]').querySelector("[data-results]");
  const name = href ? link(href, title) : el("span", { text: title });
  name.classList.add("result-title");
  const note = el("span", { class: "muted" });
  const jobs = el("div", { class: "jobs" });
  const li = el("li", { class: "result" }, el("p", { class: "result-head" }, name, note), jobs);
  list.prepend(li);
  return {
    li,
    jobs,
    note(text) {
      note.textContent = text;
    },
    state(state) {
      li.classList.remove("succeeded", "failed");
      if (state) li.classList.add(state);
    },
    links(pairs) {
      const row = el("p", { class: "links" });
      for (const [url, text] of pairs) row.append(link(url, text));
      li.append(row);
    },
    error(text) {
      li.classList.add("failed");
      li.append(el("p", { class: "error", text }));
    },
  };
}

/** The analysis job queued for a new article: from the response, else the team's job list. */
async function findJob(kind, since) {
  const after = Date.parse(since);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const { data } = await api("GET", `/api/jobs/?team=${team}&kind=${kind}&page_size=20`);
    const newer = (data.results || []).filter((job) => Date.parse(job.created_at) >= after);
    if (newer.length) return newer[newer.length - 1].id; // the oldest job since: ours
    await sleep(1000);
  }
  return null;
}

async function followAnalysis(card, { jobId, since, articleHref }) {
  const id = Number.isInteger(jobId) ? jobId : await findJob("analyze", since);
  if (!id) {
    card.note("Imported; entity recognition is queued.");
    return;
  }
  const job = await followJob(card.jobs, id, { kind: "analyze" });
  if (job.status === "succeeded") {
    card.state("succeeded");
    announce("Entity recognition succeeded.");
  } else {
    card.state("failed");
    announce("Entity recognition failed; the article is imported without entities.");
  }
  if (articleHref) card.links(articleHref);
}

function articleArrived(form, article, created, jobId) {
  const href = articleUrl(article.id);
  const title = article.title || "(untitled)";
  const card = resultCard(form, title, href);
  if (!created) {
    card.note("Already in the team: nothing new was imported.");
    card.state("succeeded");
    card.links([[href, "Open the article"]]);
    announce(`“${title}” is already in the team.`);
    return;
  }
  card.note("Imported");
  announce(`Imported “${title}”. Recognising entities…`);
  followAnalysis(card, {
    jobId: jobId ?? article.job,
    since: article.created_at,
    articleHref: [[href, "Open the article"]],
  }).catch((error) => card.error(error.message));
}

async function importText(form) {
  const fields = form.elements;
  const date = fields.published_at.value;
  const { status, data } = await api("POST", "/api/articles/", {
    body: {
      team,
      text: fields.text.value,
      title: fields.title.value.trim(),
      url: fields.url.value.trim(),
      outlet: fields.outlet.value.trim(),
      authors: fields.authors.value.split(",").map((name) => name.trim()).filter(Boolean),
      published_at: date ? `${date}T00:00:00Z` : null,
    },
  });
  form.reset();
  articleArrived(form, data, status === 201);
}

async function importHtml(form) {
  const upload = new FormData();
  upload.append("team", String(team));
  upload.append("file", form.elements.file.files[0]);
  const url = form.elements.url.value.trim();
  if (url) upload.append("url", url);
  const { status, data } = await api("POST", "/api/articles/import-html/", { form: upload });
  form.reset();
  articleArrived(form, data, status === 201);
}

async function importJsonl(form) {
  const file = form.elements.file.files[0];
  const upload = new FormData();
  upload.append("team", String(team));
  upload.append("file", file);
  const { data: report } = await api("POST", "/api/articles/import-jsonl/", { form: upload });
  form.reset();
  const card = resultCard(form, file.name);
  const bad = report.errors || [];
  card.note(`${report.lines} line${report.lines === 1 ? "" : "s"} read`);
  const facts = el("dl", { class: "report" });
  for (const [term, value] of [
    ["New articles", report.created],
    ["Already in the team", report.duplicates],
    ["Bad lines", bad.length],
  ]) {
    facts.append(el("div", {}, el("dt", { text: term }), el("dd", { text: String(value) })));
  }
  card.li.insertBefore(facts, card.jobs);
  if (bad.length) {
    const list = el("ul", { class: "bad-lines", "aria-label": "Lines that were not imported" });
    for (const item of bad) {
      list.append(el("li", {}, el("span", { class: "line-no", text: `Line ${item.line}` }), `: ${item.message}`));
    }
    card.li.insertBefore(list, card.jobs);
  }
  const ids = report.article_ids || [];
  const links = [[root.dataset.listUrl, "Open the article list"]];
  if (ids.length === 1) links.unshift([articleUrl(ids[0]), "Open the article"]);
  announce(
    `${report.created} imported, ${report.duplicates} already there, ${plural(bad.length, "bad line")}.`,
  );
  if (report.job) {
    followAnalysis(card, { jobId: report.job, articleHref: links }).catch((error) => card.error(error.message));
  } else {
    card.state(report.created || report.duplicates ? "succeeded" : "failed");
    card.links(links);
  }
}

async function importUrl(form) {
  const url = form.elements.url.value.trim();
  const { data: job } = await api("POST", "/api/articles/import-url/", { body: { team, url } });
  form.reset();
  const card = resultCard(form, url);
  card.note("Queued");
  announce("Fetching the page…");
  (async () => {
    const done = await followJob(card.jobs, job.id, { kind: "import_url" });
    const articleId = done.result?.article_id;
    if (done.status !== "succeeded" || !articleId) {
      card.note("");
      card.error(`Not imported: ${done.message || done.result?.message || "the page could not be fetched."}`);
      announce("The page could not be imported.");
      return;
    }
    const href = articleUrl(articleId);
    if (!done.result.created) {
      card.note("Already in the team: nothing new was imported.");
      card.state("succeeded");
      card.links([[href, "Open the article"]]);
      announce("This page is already in the team.");
      return;
    }
    card.note("Imported");
    announce("Page imported. Recognising entities…");
    await followAnalysis(card, { since: done.started_at, articleHref: [[href, "Open the article"]] });
  })().catch((error) => card.error(error.message));
}

const ACTIONS = {
  text: [importText, {}],
  html: [importHtml, { aliases: { html: "file" } }],
  jsonl: [importJsonl, {}],
  url: [importUrl, {}],
};

for (const form of root.querySelectorAll("form[data-import]")) {
  const [action, options] = ACTIONS[form.dataset.import];
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    const button = form.querySelector('button[type="submit"]');
    const label = button.textContent;
    clearErrors(form);
    form.setAttribute("aria-busy", "true");
    button.disabled = true;
    button.textContent = "Importing…";
    try {
      await action(form);
    } catch (error) {
      const shown = error instanceof ApiError ? error : new ApiError(0, { detail: `The page failed: ${error.message}` });
      showErrors(form, shown, { labels: { team: "Team" }, ...options });
      announce(shown.message);
    } finally {
      form.setAttribute("aria-busy", "false");
      button.disabled = false;
      button.textContent = label;
    }
  });
}
