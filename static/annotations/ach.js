// The ACH matrix page: rows are evidence, columns hypotheses, each cell a rating. The matrix
// is drawn from the API's answer (every write answers the fresh matrix and its version, sent
// back as If-Match on the next write). Keys: arrows move the cell cursor; c / C / n / i / I / a
// or 1-6 rate; Delete clears. User text is always set as text.
import { api, ApiError } from "./api.js";
import { el } from "./dom.js";
import { registerShortcuts } from "./keyboard.js";

const root = document.getElementById("ach");
const id = root.dataset.id;
const canEdit = root.dataset.canEdit === "true";
const table = document.getElementById("ach-matrix");
const status = document.getElementById("ach-status");
const LABELS = { CC: "very consistent", C: "consistent", N: "neutral", I: "inconsistent", II: "very inconsistent", NA: "not applicable" };
const BY_DIGIT = { 1: "CC", 2: "C", 3: "N", 4: "I", 5: "II", 6: "NA" };

let matrix = JSON.parse(document.getElementById("ach-data").textContent);
const cursor = { row: 0, col: 0 };
let queue = Promise.resolve();

function say(text) {
  status.textContent = text;
}

function fmt(n) {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, "");
}

/** Run writes one after another, each with the version the previous one answered. */
function write(method, path, body) {
  queue = queue.then(async () => {
    try {
      const { data } = await api(method, `/api/analyses/${id}/${path}`, { body, ifMatch: matrix.version });
      matrix = data;
      render();
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        const { data } = await api("GET", `/api/analyses/${id}/matrix/`);
        matrix = data;
        render();
        say("Someone else changed this analysis: it has been reloaded. Apply your change again.");
      } else {
        say(e instanceof ApiError ? e.describe() : e.message);
      }
      return false;
    }
  });
  return queue;
}

function hypothesisName(hid) {
  return matrix.hypotheses.find((h) => h.id === hid)?.text ?? "";
}

function renderRanking() {
  const list = document.getElementById("ach-ranking");
  list.replaceChildren(
    ...matrix.ranking.map((hid) => {
      const h = matrix.hypotheses.find((x) => x.id === hid);
      return el("li", {}, el("strong", { text: h.text }), " ",
        el("span", { class: "muted", text: `inconsistency ${fmt(h.inconsistency)} · consistency ${fmt(h.consistency)}` }));
    }),
  );
}

function gradeControls(row) {
  const cred = el("select", { "aria-label": "Credibility (1-6)", disabled: !canEdit },
    el("option", { value: "", text: "–" }), ...[1, 2, 3, 4, 5, 6].map((n) => el("option", { value: String(n), text: String(n), selected: row.credibility === n })));
  const rel = el("select", { "aria-label": "Source reliability (A-F)", disabled: !canEdit },
    el("option", { value: "", text: "–" }), ..."ABCDEF".split("").map((g) => el("option", { value: g, text: g, selected: row.reliability === g })));
  const weight = el("input", {
    type: "number", min: "0", max: "10", step: "0.25", class: "ach-weight", disabled: !canEdit,
    value: row.weight === null ? "" : String(row.weight), placeholder: fmt(row.effective_weight),
    "aria-label": "Weight set by hand (empty: from the grades)",
  });
  cred.addEventListener("change", () => write("PATCH", `evidence/${row.id}/`, { credibility: cred.value ? Number(cred.value) : null }));
  rel.addEventListener("change", () => write("PATCH", `evidence/${row.id}/`, { reliability: rel.value || null }));
  weight.addEventListener("change", () => write("PATCH", `evidence/${row.id}/`, { weight: weight.value === "" ? null : Number(weight.value) }));
  return el("td", { class: "ach-grade" }, el("span", { class: "ach-grade-row" }, rel, cred), weight,
    el("span", { class: "muted ach-eff", text: `× ${fmt(row.effective_weight)}` }));
}

function evidenceCell(row) {
  const cell = el("th", { scope: "row", class: "ach-evidence" });
  if (canEdit) {
    cell.append(el("button", { type: "button", class: "small ach-remove", text: "×", "aria-label": "Remove this evidence",
      onclick: () => write("DELETE", `evidence/${row.id}/`) }));
  }
  if (row.quote) {
    cell.append(el("q", { text: row.quote }));
    if (row.article) cell.append(" ", el("a", { href: `/articles/${row.article}/`, class: "muted", text: row.article_title || "article" }));
  }
  if (row.note) cell.append(el("span", { class: row.quote ? "ach-note muted" : "ach-note", text: row.note }));
  if (!row.quote && !row.note) cell.append(el("span", { class: "muted", text: "(a claim you cannot see)" }));
  const flags = el("span", { class: "ach-flags" });
  if (!row.diagnostic) flags.append(el("span", { class: "ach-flag nondiag", text: "not diagnostic" }));
  if (row.changes_top) flags.append(el("span", { class: "ach-flag top", text: "changes the top", title: `Without it: ${row.ranking_without.map(hypothesisName).join(" > ")}` }));
  else if (row.changes_ranking) flags.append(el("span", { class: "ach-flag order", text: "changes the order", title: `Without it: ${row.ranking_without.map(hypothesisName).join(" > ")}` }));
  cell.append(flags);
  return cell;
}

function render() {
  const { hypotheses, evidence } = matrix;
  document.getElementById("ach-question").textContent = matrix.question;
  document.getElementById("ach-empty").hidden = hypotheses.length > 0 && evidence.length > 0;
  renderRanking();
  const head = el("tr", {}, el("th", { scope: "col", text: "Evidence" }), el("th", { scope: "col", text: "Weight" }),
    ...hypotheses.map((h) => el("th", { scope: "col", class: h.rank === 1 ? "ach-h top" : "ach-h" },
      canEdit ? el("button", { type: "button", class: "small ach-remove", text: "×", "aria-label": `Remove hypothesis ${h.text}`,
        onclick: () => write("DELETE", `hypotheses/${h.id}/`) }) : null,
      el("span", { class: "ach-rank", text: `#${h.rank}` }), " ", el("span", { class: "ach-htext", text: h.text }),
      el("span", { class: "ach-score", text: `inconsistency ${fmt(h.inconsistency)}` }))));
  table.tHead.replaceChildren(head);
  cursor.row = Math.min(cursor.row, Math.max(evidence.length - 1, 0));
  cursor.col = Math.min(cursor.col, Math.max(hypotheses.length - 1, 0));
  const rows = evidence.map((row, r) => el("tr", { class: row.diagnostic ? "" : "nondiagnostic", dataset: { id: row.id } },
    evidenceCell(row), gradeControls(row),
    ...hypotheses.map((h, c) => {
      const value = row.ratings[String(h.id)] || "";
      return el("td", {
        class: `ach-cell r-${value || "none"}`, tabindex: r === cursor.row && c === cursor.col ? "0" : "-1",
        role: "gridcell", dataset: { row: r, col: c },
        "aria-label": `${value ? LABELS[value] : "not rated"}: evidence ${r + 1}, ${h.text}`,
        text: value, onclick: () => moveTo(r, c),
      });
    })));
  table.tBodies[0].replaceChildren(...rows);
}

function currentCell() {
  return table.querySelector(`td.ach-cell[data-row="${cursor.row}"][data-col="${cursor.col}"]`);
}

function moveTo(r, c) {
  if (!matrix.evidence.length || !matrix.hypotheses.length) return;
  cursor.row = Math.max(0, Math.min(r, matrix.evidence.length - 1));
  cursor.col = Math.max(0, Math.min(c, matrix.hypotheses.length - 1));
  for (const cell of table.querySelectorAll("td.ach-cell[tabindex='0']")) cell.tabIndex = -1;
  const cell = currentCell();
  cell.tabIndex = 0;
  cell.focus();
}

function inMatrix() {
  return document.activeElement?.classList?.contains("ach-cell");
}

function rate(value) {
  if (!canEdit || !inMatrix()) return false;
  const row = matrix.evidence[cursor.row];
  const h = matrix.hypotheses[cursor.col];
  if (!row || !h) return false;
  const { row: r, col: c } = cursor;
  write("PATCH", "ratings/", { evidence: row.id, hypothesis: h.id, value }).then(() => moveTo(r, c));
  return true;
}

// Arrow keys move the cursor while a cell has the focus; elsewhere they scroll as usual.
const move = (dr, dc) => () => {
  if (!inMatrix()) return false;
  moveTo(cursor.row + dr, cursor.col + dc);
  return true;
};

registerShortcuts([
  { keys: ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"], help: "Move between cells of the matrix",
    run: { ArrowUp: move(-1, 0), ArrowDown: move(1, 0), ArrowLeft: move(0, -1), ArrowRight: move(0, 1) } },
  { keys: ["c", "C"], help: "Rate the cell consistent / very consistent", run: { c: () => rate("C"), C: () => rate("CC") } },
  { keys: ["i", "I"], help: "Rate the cell inconsistent / very inconsistent", run: { i: () => rate("I"), I: () => rate("II") } },
  { keys: ["n", "a"], help: "Rate the cell neutral / not applicable", run: { n: () => rate("N"), a: () => rate("NA") } },
  { keys: ["1", "2", "3", "4", "5", "6"], help: "Rate the cell CC, C, N, I, II, NA",
    run: Object.fromEntries(Object.entries(BY_DIGIT).map(([k, v]) => [k, () => rate(v)])) },
  { keys: ["Delete", "Backspace"], help: "Clear the cell", run: { Delete: () => rate(""), Backspace: () => rate("") } },
]);

// --- Forms ------------------------------------------------------------------------------------

const hForm = document.getElementById("hypothesis-form");
hForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = hForm.elements.text;
  if (await write("POST", "hypotheses/", { text: input.value })) {
    input.value = "";
    say("Hypothesis added.");
  }
});

const eForm = document.getElementById("evidence-form");
const note = document.getElementById("evidence-note");
eForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (await write("POST", "evidence/", { note: note.value })) {
    note.value = "";
    say("Evidence added.");
  }
});

const search = document.getElementById("claim-search");
const results = document.getElementById("claim-results");
let searchTimer = null;
async function findClaims() {
  const { data } = await api("GET", `/api/analyses/${id}/claims/?q=${encodeURIComponent(search.value)}`);
  results.replaceChildren(...data.map((claim) => el("li", {},
    el("button", { type: "button", class: "small", text: "Add", "aria-label": `Add the claim: ${claim.exact}`,
      onclick: async () => {
        if (await write("POST", "evidence/", { annotation: claim.id })) {
          say("Claim added as evidence.");
          findClaims();
        }
      } }),
    " ", el("q", { text: claim.exact }), " ", el("span", { class: "muted", text: claim.article__title }))));
  if (!data.length) results.append(el("li", { class: "muted", text: "No claim found." }));
}
search?.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(findClaims, 200);
});
search?.addEventListener("focus", () => { if (!results.children.length) findClaims(); });

// --- History ----------------------------------------------------------------------------------

const history = document.getElementById("ach-history");
async function loadHistory() {
  const { data } = await api("GET", `/api/analyses/${id}/history/`);
  document.getElementById("ach-versions").replaceChildren(...data.map((v) => el("li", { value: v.number },
    el("span", { text: `v${v.number} · ${v.summary} · ${v.actor ?? "someone"} · ${new Date(v.created_at).toLocaleString()}` }),
    canEdit && v.number !== matrix.version ? el("button", { type: "button", class: "small", text: "Restore", "aria-label": `Restore version ${v.number}`,
      onclick: async () => {
        if (await write("POST", "restore/", { version: v.number })) {
          say(`Restored version ${v.number}.`);
          loadHistory();
        }
      } }) : null)));
}
history.addEventListener("toggle", () => { if (history.open) loadHistory(); });

render();
