// The network page: draws /api/network/ with cytoscape.js (static/vendor/cytoscape/), opens
// the passages behind a link (/api/network/edges/) in the side panel, and types relations
// (/api/relations/). The filters are the page's URL; the container's data-ready is set once
// the graph is laid out and drawn (bench/network.py and the browser tests wait for it).
import { api, ApiError } from "./api.js";
import { el, plural } from "./dom.js";

const FILTERS = ["from", "to", "tag", "outlet", "kind", "min_weight"];
const COLOURS = {
  PERSON: "#1f6feb", ORG: "#8250df", GPE: "#1a7f37", NORP: "#bf8700", LOC: "#0a7ea4",
  EVENT: "#cf222e", FAC: "#6e7781", OTHER: "#57606a",
};
const SMALL = 200; // up to this many nodes: a force-directed layout; more: concentric rings
const LABELLED = 40; // the heaviest nodes keep their names on screen
const LISTED = 100; // links in the table under the graph

const container = document.getElementById("network");
const errorBox = document.getElementById("network-error");
const count = document.getElementById("network-count");
const panel = document.getElementById("network-panel");
const layoutBox = document.querySelector(".network-layout");
const team = document.currentScript?.dataset.team
  ?? document.querySelector("script[data-team]").dataset.team;

const query = new URLSearchParams();
const params = new URLSearchParams(window.location.search);
for (const name of FILTERS) {
  const value = params.get(name);
  if (value) query.set(name, value);
}
query.set("team", team);

let cy = null;
let graph = null;
const names = new Map();

function showError(e, box = errorBox) {
  box.textContent = e instanceof ApiError ? e.describe() : e.message;
  box.focus?.();
}

function ready() {
  // Two frames: the first paints the layout, the second proves the page answers again.
  requestAnimationFrame(() => requestAnimationFrame(() => {
    container.dataset.ready = "1";
    performance.mark("network-ready");
  }));
}

function elements(data) {
  const heavy = new Set(data.nodes.slice(0, LABELLED).map((n) => n.id));
  const maxWeight = Math.max(1, ...data.edges.slice(0, 1).map((e) => e.weight));
  const maxDegree = Math.max(1, ...data.nodes.slice(0, 1).map((n) => n.degree));
  const nodes = data.nodes.map((n) => ({
    group: "nodes",
    data: {
      id: `n${n.id}`, pk: n.id, name: n.name, kind: n.kind, degree: n.degree,
      size: 10 + 30 * Math.sqrt(n.degree / maxDegree),
      colour: COLOURS[n.kind] || COLOURS.OTHER,
    },
    classes: heavy.has(n.id) ? "hub" : "",
  }));
  const edges = data.edges.map((e) => ({
    group: "edges",
    data: {
      id: `e${e.left}-${e.right}`, source: `n${e.left}`, target: `n${e.right}`,
      left: e.left, right: e.right, weight: e.weight,
      width: 1 + 5 * (e.weight / maxWeight), relations: e.relations,
    },
    classes: e.relations.length ? "typed" : "",
  }));
  return [...nodes, ...edges];
}

function style(large) {
  const edge = large
    ? { width: 1, "line-color": "#c9d0d6", "curve-style": "haystack" }
    : { width: "data(width)", "line-color": "#9aa4ae", opacity: 0.55, "curve-style": "haystack" };
  return [
    { selector: "node", style: {
      "background-color": "data(colour)", width: "data(size)", height: "data(size)",
      "font-size": 11, "min-zoomed-font-size": 7, color: "#1f2328",
      "text-outline-color": "#fff", "text-outline-width": 2,
    } },
    { selector: "node.hub, node:selected, node.near", style: { label: "data(name)" } },
    { selector: "edge", style: edge },
    { selector: "edge.typed", style: { "line-color": "#9a3412", opacity: 0.9 } },
    { selector: "edge:selected", style: { "line-color": "#d1242f", opacity: 1 } },
    { selector: ".faded", style: { opacity: 0.12 } },
  ];
}

function layout(n) {
  if (n <= SMALL) {
    return { name: "cose", animate: false, randomize: false, numIter: 600, nodeRepulsion: () => 8000, idealEdgeLength: () => 90, fit: true, padding: 30 };
  }
  // Hubs in the middle, lighter entities on outer rings: linear in the nodes, so 2,000 of
  // them lay out in a few milliseconds (cose takes seconds at that size).
  return {
    name: "concentric", animate: false, fit: true, padding: 20, minNodeSpacing: 4,
    concentric: (node) => node.data("degree"),
    levelWidth: () => Math.max(1, graph.nodes[0].degree / 12),
  };
}

function draw(data) {
  performance.mark("network-data");
  graph = data;
  for (const n of data.nodes) names.set(n.id, n.name);
  count.textContent = `${plural(data.nodes.length, "entity", "entities")} · ${plural(data.edges.length, "link")}${data.truncated ? " (the strongest)" : ""}`;
  listLinks(data);
  legend(data);
  if (!data.nodes.length) {
    container.replaceChildren(el("p", { class: "empty", text: "No entities appear together with these filters." }));
    ready();
    return;
  }
  const large = data.nodes.length > SMALL;
  cy = window.cytoscape({
    container,
    elements: elements(data),
    style: style(large),
    layout: { name: "preset" },
    minZoom: 0.05,
    maxZoom: 4,
    wheelSensitivity: 0.3,
    pixelRatio: large ? 1 : "auto",
    hideEdgesOnViewport: large,
    textureOnViewport: large,
    motionBlur: false,
    boxSelectionEnabled: false,
  });
  performance.mark("network-init");
  cy.on("tap", "edge", (event) => openEdge(event.target.data("left"), event.target.data("right")));
  cy.on("tap", "node", (event) => focusNode(event.target));
  cy.on("tap", (event) => { if (event.target === cy) cy.elements().removeClass("faded near"); });
  const run = cy.layout(layout(data.nodes.length));
  run.one("layoutstop", () => {
    performance.mark("network-layout");
    // A few nodes fitted to the box would be drawn huge: keep them at a readable size.
    if (cy.zoom() > 1.2) {
      cy.zoom(1.2);
      cy.center();
    }
    ready();
  });
  run.run();
}

function legend(data) {
  const kinds = [...new Set(data.nodes.map((n) => n.kind))].sort();
  document.getElementById("network-legend").replaceChildren(...kinds.map((kind) =>
    el("li", {}, el("span", { class: "swatch", style: `background:${COLOURS[kind] || COLOURS.OTHER}` }), kind)));
}

function focusNode(node) {
  const near = node.closedNeighborhood();
  cy.batch(() => {
    cy.elements().addClass("faded").removeClass("near");
    near.removeClass("faded");
    near.nodes().addClass("near");
  });
}

function listLinks(data) {
  const body = document.querySelector("#network-links tbody");
  body.replaceChildren(...data.edges.slice(0, LISTED).map((e) => {
    const label = `${names.get(e.left)} — ${names.get(e.right)}`;
    return el("tr", {},
      el("td", {}, el("button", { type: "button", class: "link-button", text: label, onclick: () => openEdge(e.left, e.right) })),
      el("td", { class: "num", text: e.weight }),
      el("td", { text: e.relations.join(", ") }));
  }));
}

let current = null;

async function fetchEdge(left, right) {
  const edgeQuery = new URLSearchParams(query);
  edgeQuery.set("left", left);
  edgeQuery.set("right", right);
  const { data } = await api("GET", `/api/network/edges/?${edgeQuery}`);
  return data;
}

async function openEdge(left, right) {
  current = { left, right };
  try {
    const data = await fetchEdge(left, right);
    if (current?.left !== left || current?.right !== right) return;
    showPanel(data);
    markTyped(left, right, data.relations.map((r) => r.label));
  } catch (e) {
    showError(e);
  }
  cy?.elements().unselect();
  cy?.$(`#e${left}-${right}`).select();
}

function markTyped(left, right, labels) {
  const edge = cy?.$(`#e${left}-${right}`);
  if (edge?.length) {
    edge.data("relations", labels);
    edge.toggleClass("typed", labels.length > 0);
  }
  const row = graph?.edges.find((e) => e.left === left && e.right === right);
  if (row && row.relations.join() !== labels.join()) {
    row.relations = labels;
    listLinks(graph);
  }
}

function when(iso) {
  return iso ? iso.slice(0, 10) : "";
}

function showPanel(data) {
  panel.hidden = false;
  layoutBox.classList.add("with-panel");
  document.getElementById("panel-title").textContent = `${data.left.name} — ${data.right.name}`;
  const kind = { sentence: "sentence", claim: "claim", article: "article" }[data.kind];
  document.getElementById("panel-summary").textContent =
    `${plural(data.passages.length, kind)}${data.truncated ? " (the newest)" : ""} name both.`;
  document.getElementById("panel-passages").replaceChildren(...data.passages.map((p) =>
    el("li", {},
      el("blockquote", { text: p.text }),
      el("a", { href: p.url, text: p.title }),
      el("span", { class: "sub", text: ` · ${[p.outlet, when(p.published_at)].filter(Boolean).join(" · ")}` }))));
  showRelations(data);
  const direction = document.getElementById("rel-direction");
  if (direction) {
    direction.options[0].textContent = `${data.left.name} → ${data.right.name}`;
    direction.options[1].textContent = `${data.right.name} → ${data.left.name}`;
  }
  if (cy) {
    cy.resize();
    cy.center();
  }
}

function showRelations(data) {
  const list = document.getElementById("panel-relations");
  if (!data.relations.length) {
    list.replaceChildren(el("li", { class: "muted", text: "Not typed yet." }));
    return;
  }
  list.replaceChildren(...data.relations.map((r) => {
    const last = r.history[r.history.length - 1];
    return el("li", { dataset: { id: r.id } },
      el("strong", { text: `${r.source.name} ${r.label} ${r.target.name}` }),
      r.note ? el("span", { class: "sub", text: r.note }) : null,
      el("span", { class: "sub", text: `${last ? `${last.action} by ${last.by ?? "someone"} on ${when(last.at)}` : ""} · ${plural(r.history.length, "change")}` }),
      document.getElementById("relation-form")
        ? el("button", { type: "button", class: "link-button", text: "Delete", "aria-label": `Delete “${r.label}”`, onclick: () => removeRelation(r.id) })
        : null);
  }));
}

async function refreshEdge() {
  if (current) await openEdge(current.left, current.right);
}

async function removeRelation(id) {
  try {
    await api("DELETE", `/api/relations/${id}/`);
    await refreshEdge();
  } catch (e) {
    showError(e, document.getElementById("relation-error"));
  }
}

document.getElementById("relation-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById("relation-error");
  error.textContent = "";
  const forward = form.elements.direction.value === "lr";
  const [source, target] = forward ? [current.left, current.right] : [current.right, current.left];
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await api("POST", "/api/relations/", {
      body: { source, target, label: form.elements.label.value, note: form.elements.note.value },
    });
    form.reset();
    await refreshEdge();
  } catch (e) {
    showError(e, error);
  } finally {
    button.disabled = false;
  }
});

document.getElementById("panel-close").addEventListener("click", () => {
  panel.hidden = true;
  layoutBox.classList.remove("with-panel");
  cy?.elements().unselect();
  current = null;
  cy?.resize();
});

async function load() {
  try {
    const { data } = await api("GET", `/api/network/?${query}`);
    draw(data);
  } catch (e) {
    showError(e);
    ready();
  }
}

load();
