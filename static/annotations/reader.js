// The reader page: highlights, entity mentions, the annotation form and the sidebar.
// Server data arrives in a json_script element; every write goes through the REST API.

import { api, ApiError, newIdempotencyKey } from "./api.js";
import { HighlightLayer, supportsHighlights, TextIndex, translucent } from "./highlighter.js";
import { registerShortcuts } from "./keyboard.js";
import { startLive } from "./live.js";
import { plural } from "./dom.js";
import { DetailPanel } from "./details.js";
import { EntityCard, KINDS } from "./entitycard.js";
import { el } from "./dom.js";
import { placeBeside, rectOf } from "./place.js";
import { AnnotationForm } from "./popover.js";
import { offerAssessment } from "./assessed.js";
import { KIND_NAMES, renderEntities, Sidebar, truncate } from "./sidebar.js";
import { setupBulk } from "./bulk.js";
import { Jumps, TextNavigator } from "./textnav.js";
import { runUndo, toast } from "./toast.js";

const KIND_COLOURS = {
  PERSON: "#1f6fd1", GPE: "#2e7d32", ORG: "#8e24aa", NORP: "#b26a00", LOC: "#00838f",
  EVENT: "#c62828", FAC: "#6d4c41", OTHER: "#546e7a",
};

const data = JSON.parse(document.getElementById("reader-data").textContent);
const textRoot = document.getElementById("article-text");
const modeBanner = document.getElementById("mode-banner");
const hoverCard = document.getElementById("hover-card");
const selectionButton = document.getElementById("selection-button");
const canAnnotate = data.role === "owner" || data.role === "analyst";

const index = new TextIndex(textRoot);
const layer = new HighlightLayer("nn");
const tagById = new Map(data.tags.map((t) => [t.id, t]));
// The page embeds tags as ids; the API's annotations carry them as objects.
for (const annotation of data.annotations) {
  annotation.tags = annotation.tags.map((id) => tagById.get(id)).filter(Boolean);
}
const annotations = new Map(data.annotations.map((a) => [a.id, a]));
let ordered = [];
let shown = [];
let activeId = null;
let focusedEntity = null;
let pickingSource = false;

// Every action's result: on screen and in the live region (toast.js).
const announce = toast;
const failed = (error) => toast(error instanceof ApiError ? error.describe() : error.message, { kind: "error" });

// --- Highlights ---------------------------------------------------------------------------

for (const tag of data.tags) {
  layer.group(`tag-${tag.id}`, `background-color: ${translucent(tag.colour, 0.28)};`, 1);
}
layer.group("untagged", `background-color: ${translucent("#888888", 0.25)};`, 1);
// Suggestions: a faint amber wash, no tag colour, so they read as "not yet anyone's claim".
layer.group("suggestion", "background-color: rgb(255 200 0 / 0.16);", 0);
layer.group("active", "background-color: rgb(255 196 0 / 0.55); color: #111;", 10);
layer.group("entity-focus", "background-color: rgb(0 140 255 / 0.25);", 5);
for (const [kind, colour] of Object.entries(KIND_COLOURS)) {
  layer.group(`ent-${kind}`, `text-decoration: underline solid 2px ${colour}; text-underline-offset: 4px;`, 2);
}

function groupOf(annotation) {
  if (annotation.suggestion_state === "pending" || annotation.suggestion_state === "rejected") return "suggestion";
  const tag = annotation.tags.find((t) => tagById.has(t.id));
  return tag ? `tag-${tag.id}` : "untagged";
}

function rangeOf(annotation) {
  if (annotation.anchor_state === "orphaned") return null;
  if (!annotation._range) annotation._range = index.range(annotation.start, annotation.end);
  return annotation._range;
}

function draw(annotation) {
  const range = rangeOf(annotation);
  if (range) layer.group(groupOf(annotation)).add(range);
}

function undraw(annotation) {
  if (!annotation._range) return;
  for (const highlight of layer.groups.values()) highlight.delete(annotation._range);
}

function drawAnnotations() {
  for (const tag of data.tags) layer.clear(`tag-${tag.id}`);
  layer.clear("untagged");
  layer.clear("suggestion");
  for (const annotation of shown) draw(annotation);
  // A source suggested with its claim shares the claim's card, not its highlight.
  for (const annotation of shown) {
    const source = Sidebar.groupedSource(annotation, (id) => annotations.get(id));
    if (source) draw(source);
  }
}

const mentionRanges = new Map(); // entity id -> [Range]
function drawMentions() {
  for (const [id, start, end, entityId, label] of data.mentions) {
    const entity = data.entities[entityId];
    const kind = entity && KIND_COLOURS[entity.kind] ? entity.kind : KIND_COLOURS[label] ? label : "OTHER";
    const range = index.range(start, end);
    if (!range) continue;
    layer.group(`ent-${kind}`).add(range);
    if (!mentionRanges.has(entityId)) mentionRanges.set(entityId, []);
    mentionRanges.get(entityId).push([id, range]);
  }
}

// --- Ordering and filtering ---------------------------------------------------------------

function sortAnnotations() {
  ordered = [...annotations.values()].sort((a, b) => a.start - b.start || a.end - b.end || a.id - b.id);
}

const sidebar = new Sidebar({
  list: document.getElementById("cards"),
  empty: document.getElementById("ann-empty"),
  count: document.getElementById("ann-count"),
  filters: document.getElementById("filters"),
  me: data.me,
  role: data.role,
  tags: data.tags,
  teammates: data.teammates,
  grades: data.source_grades,
  handlers: { onFilter: () => refresh() },
});

// The bulk bar decides the suggestions shown (grouped sources follow their claims).
const bulkBar = document.getElementById("bulk");
const updateBulk = bulkBar
  ? setupBulk({
    bar: bulkBar,
    articleId: data.article.id,
    suggestions: () => shown.filter((a) => a.suggestion_state === "pending"),
    onChanged: (rows) => { for (const row of rows) upsert(row); },
    announce,
  })
  : () => {};

function refresh() {
  sortAnnotations();
  shown = sidebar.render(ordered, sidebar.filterState(), (id) => annotations.get(id));
  updateBulk();
  placeDetails();
  drawAnnotations();
  if (activeId !== null && !shown.some((a) => a.id === activeId)) setActive(null);
  else if (activeId !== null) sidebar.setActive(activeId);
}

// --- Active annotation, hover card ---------------------------------------------------------

function describe(annotation) {
  const parts = [];
  if (annotation.suggestion_state === "pending") parts.push(`Suggested by the model${Sidebar.why(annotation)}`);
  if (annotation.suggestion_state === "rejected") parts.push(`Rejected suggestion${Sidebar.why(annotation)}`);
  const tags = annotation.tags.map((t) => t.name).join(", ");
  if (tags) parts.push(tags);
  parts.push(annotation.assessment);
  if (annotation.attributed_to_entity) parts.push(`claimed by ${annotation.attributed_to_entity.name}`);
  return parts.join(" · ");
}

// The preview card: beside the annotation's passage (above or below it, never over it while
// there is room), closed by Escape or its close button until another annotation is previewed.
let cardShown = null;
let cardDismissed = null;
function showCard(annotation, range) {
  if (!annotation || !range || cardDismissed === annotation.id) {
    hoverCard.hidden = true;
    cardShown = null;
    return;
  }
  if (cardShown === annotation && !hoverCard.hidden) return; // a newer copy is drawn again
  cardDismissed = null;
  cardShown = annotation;
  hoverCard.replaceChildren();
  const close = el("button", { type: "button", class: "hc-close", "aria-label": "Close the preview", title: "Close (Esc)", text: "×" });
  close.addEventListener("click", () => closeCard());
  const head = el("p", { class: "hc-head", text: describe(annotation) });
  hoverCard.append(close, head, el("blockquote", { text: truncate(annotation.exact, 200) }));
  if (annotation.comment) hoverCard.append(el("p", { text: truncate(annotation.comment, 300) }));
  hoverCard.append(el("p", { class: "by", text: annotation.suggestion_state === "pending" ? "NewsNotes model" : annotation.author.name }));
  hoverCard.hidden = false;
  placeBeside(hoverCard, rectOf(range), { gap: 6 });
}

function closeCard() {
  if (hoverCard.hidden) return false;
  cardDismissed = cardShown.id;
  hoverCard.hidden = true;
  cardShown = null;
  return true;
}

function scrollToRange(range) {
  const rect = range.getBoundingClientRect();
  if (rect.top < 80 || rect.bottom > window.innerHeight - 40) {
    window.scrollBy({ top: rect.top - window.innerHeight / 3, behavior: "instant" });
  }
}

// The active annotation's discussion and history open right under its card.
const detailsSlot = document.getElementById("details-slot").content.firstElementChild;
function placeDetails() {
  const li = activeId !== null ? sidebar.cards.get(activeId) : null;
  if (li) li.after(detailsSlot);
  else detailsSlot.remove();
}

const details = new DetailPanel(detailsSlot.querySelector("#details"), {
  me: data.me,
  role: data.role,
  teammates: data.teammates,
  lookup: (id) => annotations.get(id),
  onChanged: async (fresh, reloadId, message) => {
    if (!fresh && reloadId) {
      try {
        ({ data: fresh } = await api("GET", `/api/annotations/${reloadId}/?suggestions=true`));
      } catch {
        return;
      }
    }
    upsert(fresh);
    if (activeId === fresh.id) {
      details.show(fresh);
      // The open preview card shows what the annotation says now (after "Restore vN").
      if (!hoverCard.hidden) showCard(fresh, rangeOf(fresh)?.getBoundingClientRect());
    }
    if (message) announce(message);
  },
});

function setActive(id, { scrollText = false, card = false } = {}) {
  const changed = id !== activeId;
  activeId = id;
  if (changed) cardDismissed = null;
  layer.clear("active");
  if (id === null) {
    sidebar.setActive(null);
    showCard(null);
    details.hide();
    placeDetails();
    return;
  }
  if (changed && annotations.has(id)) details.show(annotations.get(id));
  const annotation = annotations.get(id);
  const range = annotation && rangeOf(annotation);
  if (range) {
    layer.group("active").add(range);
    if (scrollText) scrollToRange(range);
    if (card) showCard(annotation, range);
  }
  const li = sidebar.setActive(id);
  placeDetails();
  if (card && li && document.activeElement !== li && !textRoot.contains(document.activeElement)) li.focus({ preventScroll: true });
}

function annotationsAt(cp) {
  return shown.filter((a) => a.anchor_state !== "orphaned" && a.start <= cp && cp < a.end)
    .sort((a, b) => (a.end - a.start) - (b.end - b.start));
}

let hoverFrame = 0;
textRoot.addEventListener("mousemove", (event) => {
  if (hoverFrame) return;
  hoverFrame = requestAnimationFrame(() => {
    hoverFrame = 0;
    if (entityCard.isOpen) return; // one card at a time: the entity card is being read
    const cp = index.offsetAtPoint(event.clientX, event.clientY);
    const hit = cp === null ? null : annotationsAt(cp)[0];
    textRoot.classList.toggle("over-highlight", Boolean(hit));
    if (!hit) {
      if (activeId === null) showCard(null);
      return;
    }
    showCard(hit, rangeOf(hit));
  });
});
textRoot.addEventListener("mouseleave", () => { if (activeId === null) showCard(null); });

textRoot.addEventListener("click", (event) => {
  const selection = document.getSelection();
  if (selection && !selection.isCollapsed) return;
  const cp = index.offsetAtPoint(event.clientX, event.clientY);
  const hit = cp === null ? null : annotationsAt(cp)[0];
  if (pickingSource) {
    if (hit) finishPick(hit);
    return;
  }
  const mention = mentionAt(cp);
  if (mention && mentionShown(mention)) {
    openEntityCard(mention);
    return;
  }
  if (hit) setActive(hit.id, { card: false });
});

// --- Selection -> annotate ------------------------------------------------------------------

function currentSelection() {
  const selection = document.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
  const range = selection.getRangeAt(0);
  const span = index.fromRange(range);
  if (!span) return null;
  let [start, end] = span;
  const text = index.slice(start, end);
  // Trim the whitespace a drag picks up at either end.
  const lead = text.length - text.trimStart().length;
  const trail = text.length - text.trimEnd().length;
  const quote = text.trim();
  if (!quote) return null;
  start += [...text.slice(0, lead)].length;
  end -= [...text.slice(text.length - trail)].length;
  return { start, end, quote, range: range.cloneRange(), rect: range.getBoundingClientRect() };
}

let selectionTimer = 0;
document.addEventListener("selectionchange", () => {
  clearTimeout(selectionTimer);
  selectionTimer = setTimeout(() => {
    const chosen = canAnnotate && !form.isOpen ? currentSelection() : null;
    if (!chosen) {
      selectionButton.hidden = true;
      return;
    }
    selectionButton.hidden = false;
    const { rect } = chosen;
    selectionButton.style.left = `${rect.left + window.scrollX}px`;
    selectionButton.style.top = `${rect.bottom + window.scrollY + 6}px`;
  }, 120);
});

function annotateSelection() {
  if (!canAnnotate) {
    announce("Only analysts and owners can annotate in this team.");
    return false;
  }
  const chosen = currentSelection();
  if (!chosen) {
    announce("Select a passage of the article first.");
    return false;
  }
  selectionButton.hidden = true;
  showCard(null);
  entityCard.close();
  pending = { start: chosen.start, end: chosen.end, quote: chosen.quote, key: newIdempotencyKey() };
  form.open({ mode: "create", rect: chosen.range, quote: chosen.quote });
  return true;
}
document.getElementById("annotate-button").addEventListener("click", annotateSelection);

// The text is contenteditable only so that the keyboard can select in it: no edit gets through.
for (const type of ["beforeinput", "paste", "drop", "cut"]) {
  textRoot.addEventListener(type, (event) => event.preventDefault());
}
textRoot.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();
    const mention = mentionAtCaret();
    if (mention) openEntityCard(mention);
    else annotateSelection();
  }
});

// --- The form -----------------------------------------------------------------------------

let pending = null; // the span being annotated, with its idempotency key

async function searchEntities(q) {
  try {
    const { data: page } = await api("GET", `/api/entities/?team=${data.article.team}&q=${encodeURIComponent(q)}&page_size=20`);
    return page.results.map((e) => ({ id: e.id, name: e.name, kind: e.kind }));
  } catch {
    return [];
  }
}

const form = new AnnotationForm(document.getElementById("popover"), {
  tags: data.tags,
  entities: { ...data.entities },
  annotations: () => ordered,
  searchEntities,
  onSubmit: (values, state) => (state.mode === "create" ? create(values) : update(state.annotation, values)),
  // Esc while picking the source leaves the picking mode only; the form stays open.
  onCancel: () => (pickingSource ? stopPick("Source picking cancelled.") : closeForm()),
  onPickSource: () => startPick(),
});

function closeForm() {
  const editing = form.state?.annotation;
  form.close();
  pending = null;
  if (pickingSource) stopPick();
  const li = editing && sidebar.cards.get(editing.id);
  (li || textRoot).focus({ preventScroll: true });
}

/** Put a new or changed annotation in place: one card and one highlight, not the page. */
function upsert(annotation) {
  const old = annotations.get(annotation.id);
  if (old) undraw(old);
  annotations.set(annotation.id, annotation);
  sortAnnotations();
  shown = Sidebar.visible(ordered, sidebar.filterState(), (id) => annotations.get(id));
  if (old) sidebar.replace(old, [], () => null); // drop the old card (a new object replaces it)
  sidebar.replace(annotation, shown, (id) => annotations.get(id));
  refreshDependents(annotation.id);
  updateBulk();
  placeDetails();
  if (shown.includes(annotation)) draw(annotation);
  if (activeId === annotation.id) {
    const range = rangeOf(annotation);
    layer.clear("active");
    if (range) layer.group("active").add(range);
  }
}

function forget(id) {
  const old = annotations.get(id);
  if (!old) return;
  undraw(old);
  annotations.delete(id);
  sortAnnotations();
  shown = shown.filter((a) => a.id !== id);
  sidebar.replace(old, shown, () => null);
  refreshDependents(id);
  updateBulk();
  if (activeId === id) setActive(null);
}

/** Redraw the cards of the claims that rest on `sourceId` (it changed, went or came back). */
function refreshDependents(sourceId) {
  for (const claim of shown) {
    if (claim.attributed_to === sourceId) sidebar.replace(claim, shown, (id) => annotations.get(id));
  }
}

/** Fetch annotations again after a change the server made beside the one asked for. */
async function reload(id) {
  try {
    const { data: fresh } = await api("GET", `/api/annotations/${id}/?suggestions=true`);
    upsert(fresh);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) failed(error);
  }
}

async function create(values) {
  const { start, end, quote, key } = pending;
  try {
    const { data: created } = await api("POST", "/api/annotations/", {
      body: { article: data.article.id, start, end, exact: index.slice(start, end), ...values },
      idempotencyKey: key,
    });
    upsert(created);
    closeForm();
    document.getSelection()?.removeAllRanges();
    setActive(created.id);
    announce(`Annotation saved: ${truncate(quote, 60)}`);
    offerAssessment({ form, annotation: created, rect: rangeOf(created), onAdopted: upsert, say: announce });
  } catch (error) {
    form.showErrors(error instanceof ApiError ? error.errors : {}, error.message);
  }
}

async function update(annotation, values) {
  try {
    const { data: updated } = await api("PATCH", `/api/annotations/${annotation.id}/`, {
      body: values,
      ifMatch: annotation.version,
    });
    upsert(updated);
    closeForm();
    setActive(updated.id);
    announce("Changes saved.");
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      form.showConflict("Someone else changed this annotation while you were editing.", () => reloadAndEdit(annotation.id));
      return;
    }
    form.showErrors(error instanceof ApiError ? error.errors : {}, error.message);
  }
}

async function reloadAndEdit(id) {
  try {
    const { data: fresh } = await api("GET", `/api/annotations/${id}/`);
    upsert(fresh);
    form.close();
    edit(id);
    announce("Reloaded: this is the latest version. Apply your change again.");
  } catch (error) {
    if (error.status === 404) {
      forget(id);
      form.close();
      announce("This annotation was deleted by someone else.");
    }
  }
}

function edit(id) {
  const annotation = annotations.get(id);
  if (!annotation || !sidebar.canEdit(annotation)) return false;
  const range = rangeOf(annotation);
  form.open({ mode: "edit", rect: range, quote: annotation.exact, annotation });
  return true;
}

async function remove(id) {
  const annotation = annotations.get(id);
  if (!annotation || !sidebar.canEdit(annotation)) return false;
  try {
    await api("DELETE", `/api/annotations/${id}/`, { ifMatch: annotation.version });
    forget(id);
    announce(`Annotation deleted: “${truncate(annotation.exact, 40)}”. It stays in the trash for 30 days.`, {
      undo: () => undelete(id),
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      announce("Someone else changed this annotation; it was reloaded and not deleted.");
      reloadAndEdit(id);
    } else {
      announce(error instanceof ApiError ? error.describe() : error.message);
      window.alert(error instanceof ApiError ? error.describe() : error.message);
    }
  }
  return true;
}

async function undelete(id) {
  try {
    const { data: restored } = await api("POST", `/api/annotations/${id}/undelete/`);
    upsert(restored);
    setActive(restored.id, { scrollText: true });
    announce(`Restored: “${truncate(restored.exact, 40)}”.`);
  } catch (error) {
    failed(error);
  }
}

async function decide(id, verdict) {
  const annotation = annotations.get(id);
  if (!canAnnotate) {
    announce("Only analysts and owners can accept or reject suggestions.");
    return true;
  }
  if (!annotation) {
    announce(`Nothing selected: choose a suggestion first (s moves to the next one).`);
    return true;
  }
  if (annotation.suggestion_state !== "pending") {
    announce(`Nothing to ${verdict}: this is not a model suggestion${annotation.suggestion_state === "rejected" ? " (it was rejected)" : ""}.`);
    return true;
  }
  try {
    const { data: updated } = await api("POST", `/api/annotations/${id}/${verdict}/`);
    upsert(updated);
    // The source suggested with it was accepted or rejected too.
    if (updated.attributed_to && annotations.get(updated.attributed_to)?.suggestion_state === "pending") {
      await reload(updated.attributed_to);
    }
    if (verdict === "reject") {
      setActive(null);
      announce(`Suggestion rejected: “${truncate(updated.exact, 40)}”.`, { undo: () => unreject(id) });
    } else {
      announce(`Suggestion accepted: “${truncate(updated.exact, 40)}” is now your annotation.`);
      offerAssessment({ form, annotation: updated, rect: rangeOf(updated), onAdopted: upsert, say: announce });
    }
  } catch (error) {
    failed(error);
  }
  return true;
}

async function unreject(id) {
  try {
    const { data: restored } = await api("POST", `/api/annotations/${id}/unreject/`);
    upsert(restored);
    if (restored.attributed_to && annotations.get(restored.attributed_to)?.suggestion_state === "rejected") {
      await reload(restored.attributed_to);
    }
    announce(`Suggestion back: “${truncate(restored.exact, 40)}” is pending again.`);
  } catch (error) {
    failed(error);
  }
}

async function quoteChecked(id) {
  try {
    const { data: checked } = await api("POST", `/api/annotations/${id}/quote-checked/`);
    upsert(checked);
    announce(`New quote checked: “${truncate(checked.exact, 40)}”.`);
  } catch (error) {
    failed(error);
  }
}

function startPick() {
  pickingSource = true;
  textRoot.classList.add("picking");
  modeBanner.textContent = "Picking the source: click its highlight in the text. Esc leaves this mode.";
  modeBanner.hidden = false;
  // The banner says it on screen; the live region tells screen readers.
  announce("Click the highlight of the source in the text, or choose it from the list. Esc cancels.", { quiet: true });
}

function stopPick(message) {
  pickingSource = false;
  textRoot.classList.remove("picking");
  modeBanner.hidden = true;
  if (message) announce(message);
}

function finishPick(annotation) {
  stopPick(`Source set: “${truncate(annotation.exact, 60)}”.`);
  form.setSource(annotation.id);
}

// --- Sidebar events -----------------------------------------------------------------------

document.getElementById("cards").addEventListener("click", (event) => {
  const li = event.target.closest("li.card");
  if (!li) return;
  const id = Number(li.dataset.id);
  const action = event.target.closest("[data-action]")?.dataset.action;
  const goto = event.target.closest("[data-goto]")?.dataset.goto;
  if (action === "edit") edit(id);
  else if (action === "delete") remove(id);
  else if (action === "accept" || action === "reject") decide(id, action);
  else if (action === "unreject") unreject(id);
  else if (action === "quote-checked") quoteChecked(id);
  else if (goto) setActive(Number(goto), { scrollText: true, card: true });
  else if (event.target.closest("label.credibility")) return;
  else if (!event.target.closest("a")) setActive(id, { scrollText: true });
});
document.getElementById("cards").addEventListener("change", (event) => {
  const select = event.target.closest("select[data-credibility]");
  if (select) gradeClaim(Number(select.dataset.credibility), select.value);
});

// Admiralty credibility 1-6 of a claim, with the version it was based on (a stale one: 412).
async function gradeClaim(id, credibility) {
  const annotation = annotations.get(id);
  if (!annotation) return;
  try {
    const { data: updated } = await api("PUT", `/api/annotations/${id}/credibility/`, {
      body: { credibility }, ifMatch: annotation.version,
    });
    upsert(updated);
    announce(credibility ? `Credibility ${credibility}: ${sidebar.gradeOf(updated)}.` : "Credibility cleared.");
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      const { data: fresh } = await api("GET", `/api/annotations/${id}/`);
      upsert(fresh);
      announce("Someone changed this claim meanwhile: it is reloaded. Grade it again.");
    } else {
      upsert(annotation);
      failed(error);
    }
  }
}
document.getElementById("cards").addEventListener("keydown", (event) => {
  const li = event.target.closest("li.card");
  if (li && event.target === li && event.key === "Enter") {
    event.preventDefault();
    setActive(Number(li.dataset.id), { scrollText: true, card: true });
  }
});
document.getElementById("cards").addEventListener("focusin", (event) => {
  const li = event.target.closest("li.card");
  if (li && event.target === li && Number(li.dataset.id) !== activeId) {
    setActive(Number(li.dataset.id), { scrollText: true, card: true });
  }
});

// --- Entities -----------------------------------------------------------------------------

function renderKindToggles() {
  const present = new Set();
  for (const [, , , entityId, label] of data.mentions) present.add(data.entities[entityId]?.kind || label);
  const container = document.getElementById("kind-toggles");
  container.replaceChildren();
  for (const kind of Object.keys(KIND_NAMES)) {
    if (!present.has(kind)) continue;
    const label = document.createElement("label");
    label.className = "kind-toggle";
    label.style.setProperty("--kind", KIND_COLOURS[kind]);
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.kind = kind;
    box.addEventListener("change", () => layer.show(`ent-${kind}`, box.checked));
    label.append(box, document.createTextNode(` ${KIND_NAMES[kind]}`));
    container.append(label);
  }
}

function toggleAllMentions() {
  const boxes = [...document.querySelectorAll("#kind-toggles input")];
  const show = !boxes.some((b) => b.checked);
  for (const box of boxes) {
    box.checked = show;
    layer.show(`ent-${box.dataset.kind}`, show);
  }
  announce(show ? "Entity mentions shown." : "Entity mentions hidden.");
}

function focusEntity(entityId, button) {
  layer.clear("entity-focus");
  for (const b of document.querySelectorAll("#entities button[aria-pressed=true]")) b.setAttribute("aria-pressed", "false");
  if (focusedEntity === entityId) {
    focusedEntity = null;
    return;
  }
  focusedEntity = entityId;
  button?.setAttribute("aria-pressed", "true");
  const ranges = mentionRanges.get(entityId) || [];
  for (const [, range] of ranges) layer.group("entity-focus").add(range);
  if (ranges.length) scrollToRange(ranges[0][1]);
  announce(`${data.entities[entityId]?.name}: ${plural(ranges.length, "mention")} highlighted.`);
}

/** Whether the mention's kind is shown (a hidden underline opens no card). */
function mentionShown([, , , entityId, label]) {
  const kind = data.entities[entityId]?.kind || label;
  const box = document.querySelector(`#kind-toggles input[data-kind="${kind}"]`);
  return !box || box.checked;
}

function mentionCounts() {
  const counts = new Map();
  for (const [, , , entityId] of data.mentions) counts.set(entityId, (counts.get(entityId) || 0) + 1);
  return counts;
}

// --- The entity card: a click on a mention, or Enter with the caret in one ------------------

function mentionAt(cp, { inclusiveEnd = false } = {}) {
  if (cp === null) return null;
  return data.mentions.find(([, start, end]) => start <= cp && (cp < end || (inclusiveEnd && cp === end))) || null;
}

/** The mention the caret rests in (a collapsed selection in the text), or null. */
function mentionAtCaret() {
  const selection = document.getSelection();
  if (!selection || !selection.isCollapsed || selection.rangeCount === 0) return null;
  return mentionAt(index.offsetOf(selection.anchorNode, selection.anchorOffset), { inclusiveEnd: true });
}

const entityCard = new EntityCard(document.getElementById("entity-card"), {
  articleId: data.article.id,
  onChanged: (change) => applyEntityChange(change),
});

function openEntityCard(mention) {
  const [id, start, end, entityId] = mention;
  showCard(null);
  entityCard.open({ entityId, mention: { id, text: index.slice(start, end) }, passage: index.range(start, end), returnFocus: textRoot });
}

// The caret in a mention marks it, so that the keyboard can reach each one (Enter opens it).
layer.group("mention-caret", "background-color: rgb(0 140 255 / 0.18); text-decoration: underline 3px rgb(0 110 220);", 6);
let caretMention = null;
document.addEventListener("selectionchange", () => {
  const mention = textRoot.contains(document.activeElement) ? mentionAtCaret() : null;
  if (mention === caretMention) return;
  caretMention = mention;
  layer.clear("mention-caret");
  if (!mention) return;
  const range = index.range(mention[1], mention[2]);
  if (range) layer.group("mention-caret").add(range);
  const entity = data.entities[mention[3]];
  if (entity) announce(`${entity.name}, ${KINDS[entity.kind] || entity.kind}. Enter opens its card.`);
});

/** Redraw the underlines and the entity list after a correction; kinds hidden stay hidden. */
function redrawMentions() {
  const hidden = new Set([...document.querySelectorAll("#kind-toggles input")].filter((b) => !b.checked).map((b) => b.dataset.kind));
  for (const kind of Object.keys(KIND_COLOURS)) layer.clear(`ent-${kind}`);
  layer.clear("entity-focus");
  layer.clear("mention-caret");
  caretMention = null;
  mentionRanges.clear();
  drawMentions();
  renderKindToggles();
  for (const box of document.querySelectorAll("#kind-toggles input")) {
    if (hidden.has(box.dataset.kind)) {
      box.checked = false;
      layer.show(`ent-${box.dataset.kind}`, false);
    }
  }
  renderEntities(document.getElementById("entities"), data.entities, mentionCounts(), focusEntity);
  const focused = focusedEntity;
  focusedEntity = null;
  if (focused !== null && mentionRanges.has(focused)) {
    focusEntity(focused, document.querySelector(`#entities button[data-entity="${focused}"]`));
  }
}

/** The entity known to the page (the card's "Claimed by" choices among them) or forgotten. */
function knowEntity(entity) {
  const ref = { id: entity.id, name: entity.name, kind: entity.kind };
  data.entities[entity.id] = ref;
  form.entities[entity.id] = ref;
}

function forgetEntityIfUnused(entityId) {
  if (data.mentions.some((m) => m[3] === entityId)) return;
  delete data.entities[entityId];
  delete form.entities[entityId];
}

/** Claims attributed to an entity that changed show its new name; merged ones its survivor. */
function reattribute(fromId, entity) {
  const ref = { id: entity.id, name: entity.name, kind: entity.kind };
  for (const annotation of [...annotations.values()]) {
    if (annotation.attributed_to_entity?.id === fromId) upsert({ ...annotation, attributed_to_entity: ref });
  }
}

function applyEntityChange({ action, entity, mention, from, into }) {
  const row = mention && data.mentions.find((m) => m[0] === mention.id);
  if (action === "reject") {
    data.mentions = data.mentions.filter((m) => m[0] !== mention.id);
    forgetEntityIfUnused(from.id);
    announce(`Mention rejected: “${mention.text}” no longer names ${from.name}.`);
  } else if (action === "kind") {
    if (data.entities[entity.id]) knowEntity(entity);
    reattribute(entity.id, entity);
    announce(`${entity.name} is now ${KINDS[entity.kind] || entity.kind}.`);
  } else if (action === "link" || action === "split") {
    if (row) row[3] = into.id;
    knowEntity(into);
    forgetEntityIfUnused(from.id);
    announce(action === "link" ? `“${mention.text}” now names ${into.name}.` : `“${mention.text}” is now a new entity, ${into.name}.`);
  } else if (action === "merge") {
    for (const m of data.mentions) if (m[3] === from.id) m[3] = into.id;
    delete data.entities[from.id];
    delete form.entities[from.id];
    knowEntity(into);
    reattribute(from.id, into);
    announce(`${from.name} merged into ${into.name}.`);
  }
  redrawMentions();
}

// --- Keyboard -----------------------------------------------------------------------------

function step(delta) {
  if (!shown.length) return;
  let position = shown.findIndex((a) => a.id === activeId);
  position = position === -1 ? (delta > 0 ? 0 : shown.length - 1) : (position + delta + shown.length) % shown.length;
  setActive(shown[position].id, { scrollText: true, card: true });
}

// Moving through the text from the caret (or the current annotation): paragraph, sentence,
// entity mention, suggestion.
const jumps = new Jumps({
  nav: new TextNavigator(index, textRoot),
  mentions: data.mentions,
  entityName: (id) => data.entities[id]?.name,
  active: () => (activeId !== null ? annotations.get(activeId) : null),
  suggestions: () => shown.filter((a) => a.suggestion_state === "pending" && a.anchor_state !== "orphaned"),
  activate: (id) => setActive(id, { scrollText: true, card: true }),
  announce,
});
const moveBy = (unit, delta) => jumps.move(unit, delta);
const jumpToMention = (delta) => jumps.mention(delta);
const jumpToSuggestion = (delta) => jumps.suggestion(delta);

function leave() {
  if (pickingSource) {
    stopPick("Source picking cancelled.");
    return true;
  }
  if (entityCard.close({ restoreFocus: true })) return true;
  if (closeCard()) return true;
  setActive(null);
  return true;
}

registerShortcuts([
  { keys: "a", help: "Annotate the selected text (select with the mouse, or with Shift+arrows in the text)", run: () => annotateSelection() },
  { keys: "Enter", help: "In the text: annotate the selected text; on an underlined name (click it, or put the caret in it): open its entity card, which Esc closes" },
  { keys: ["j", "k"], help: "Next / previous annotation", run: { j: () => step(1), k: () => step(-1) } },
  { keys: ["}", "{"], help: "Next / previous paragraph (moves the caret)", run: { "}": () => moveBy("paragraph", 1), "{": () => moveBy("paragraph", -1) } },
  { keys: [")", "("], help: "Next / previous sentence", run: { ")": () => moveBy("sentence", 1), "(": () => moveBy("sentence", -1) } },
  { keys: ["]", "["], help: "Next / previous entity mention (selects it)", run: { "]": () => jumpToMention(1), "[": () => jumpToMention(-1) } },
  { keys: ["s", "S"], help: "Next / previous model suggestion", run: { s: () => jumpToSuggestion(1), S: () => jumpToSuggestion(-1) } },
  { keys: "e", help: "Edit the current annotation", run: () => (activeId !== null ? edit(activeId) : false) },
  { keys: "x", help: "Delete the current annotation (u undoes)", run: () => (activeId !== null ? remove(activeId) : false) },
  { keys: ["y", "n"], help: "Accept / reject the current suggestion (u undoes a reject)", run: { y: () => decide(activeId, "accept"), n: () => decide(activeId, "reject") } },
  { keys: "u", help: "Undo the last delete or reject", run: () => runUndo() || (announce("Nothing to undo."), true) },
  { keys: "m", help: "Show or hide entity mentions", run: () => toggleAllMentions() },
  { keys: "t", help: "Move focus to the article text", run: () => textRoot.focus() },
  { keys: "1…9", help: "In the annotation form: toggle a tag" },
  { keys: "Ctrl+Enter", help: "In the annotation form or a reply: save" },
  { keys: "@", help: "In a reply: mention a teammate (↑/↓ choose, Enter inserts)" },
  { keys: "Escape", help: "Leave source picking, close the form, or clear the current annotation", run: leave },
]);

window.addEventListener("resize", () => {
  if (form.isOpen) form.place(null);
});

// --- Start --------------------------------------------------------------------------------

if (!supportsHighlights()) {
  const note = document.createElement("p");
  note.className = "warning";
  note.textContent = "This browser cannot draw highlights (it lacks the CSS Custom Highlight API). Use a current Chrome, Edge, Safari or Firefox.";
  textRoot.before(note);
} else {
  drawMentions();
}
renderKindToggles();
refresh();
renderEntities(document.getElementById("entities"), data.entities, mentionCounts(), focusEntity);

// A search hit in the text (#t-<start>-<end>, code points): scroll to it and flash it.
const passage = window.location.hash.match(/^#t-(\d+)-(\d+)$/);
if (passage && supportsHighlights()) {
  const [start, end] = [Number(passage[1]), Number(passage[2])];
  if (end > start && end <= index.paras.at(-1).start + index.paras.at(-1).length) {
    const range = index.range(start, end);
    const hit = layer.group("search-hit", "background-color: rgb(255 140 0 / 0.6); color: #111;", 20);
    hit.add(range);
    scrollToRange(range);
    let flashes = 0;
    const timer = setInterval(() => {
      flashes += 1;
      layer.show("search-hit", flashes % 2 === 0);
      if (flashes >= 6) clearInterval(timer);
    }, 300);
    textRoot.dataset.searchHit = `${start}-${end}`;
  }
}

const wanted = window.location.hash.match(/^#(m|a)-(\d+)$/);
if (wanted && wanted[1] === "a" && annotations.has(Number(wanted[2]))) {
  setActive(Number(wanted[2]), { scrollText: true, card: true });
} else if (wanted && wanted[1] === "m") {
  for (const [entityId, ranges] of mentionRanges) {
    const hit = ranges.find(([id]) => id === Number(wanted[2]));
    if (hit) {
      focusEntity(entityId, document.querySelector(`#entities button[data-entity="${entityId}"]`));
      scrollToRange(hit[1]);
    }
  }
}

// The entity card links claims of this article as #a-<id>: show them without a reload.
window.addEventListener("hashchange", () => {
  const id = Number(window.location.hash.match(/^#a-(\d+)$/)?.[1]);
  if (annotations.has(id)) {
    entityCard.close();
    setActive(id, { scrollText: true, card: true });
  }
});

// --- Submitting one's work (and, on a blind article, seeing the others') ---------------------

document.getElementById("submit-work")?.addEventListener("click", async (event) => {
  const button = event.currentTarget;
  // Blind mode opens only on real work: with nothing of one's own, one says so explicitly.
  const mine = [...annotations.values()].some(
    (a) => a.author.id === data.me.id && !["pending", "rejected"].includes(a.suggestion_state),
  );
  if (!mine && !window.confirm("You have no annotation on this article. Submit it as read, with nothing to add?")) {
    announce("Nothing submitted.");
    return;
  }
  button.disabled = true;
  try {
    const { data: result } = await api("POST", `/api/articles/${data.article.id}/submit/`, {
      body: { nothing_to_add: !mine },
    });
    announce(
      mine
        ? `${result.submitted} annotation${result.submitted === 1 ? "" : "s"} submitted for review.`
        : "Submitted: nothing to add.",
    );
    // Blind articles now show teammates' work, and one's drafts are submitted: fetch the whole
    // list again, and show the open panel and preview card in their new state.
    const { data: page } = await api("GET", `/api/annotations/?article=${data.article.id}&suggestions=true&page_size=1000`);
    for (const annotation of annotations.values()) undraw(annotation);
    annotations.clear();
    for (const annotation of page.results) annotations.set(annotation.id, annotation);
    refresh();
    const current = activeId !== null ? annotations.get(activeId) : null;
    if (current) {
      const range = rangeOf(current);
      if (range) layer.group("active").add(range);
      details.show(current);
      if (!hoverCard.hidden) showCard(current, rangeOf(current)?.getBoundingClientRect());
    }
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
});

// --- Live updates ------------------------------------------------------------------------

async function applyEvents(events) {
  // A deleted annotation is gone: asking for it again would only get a 404.
  const last = new Map(events.map((e) => [e.annotation, e.kind]));
  const gone = new Set([...last].filter(([, kind]) => kind === "annotation.deleted").map(([id]) => id));
  for (const id of gone) forget(id);
  const ids = [...new Set(events.map((e) => e.annotation).filter((id) => id !== null && !gone.has(id)))];
  for (const id of ids) {
    try {
      // suggestions=true: a rejected suggestion is still there (the list filter hides it).
      const { data: fresh } = await api("GET", `/api/annotations/${id}/?suggestions=true`);
      const known = annotations.get(id);
      if (!known || known.version !== fresh.version || known.reply_count !== fresh.reply_count) {
        upsert(fresh);
        if (activeId === id) details.show(fresh);
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) forget(id);
    }
  }
  const others = events.filter((e) => e.actor && e.actor.id !== data.me.id);
  if (others.length) announce(`${others[others.length - 1].actor.name} updated this article.`);
  document.dispatchEvent(new CustomEvent("newsnotes:events", { detail: events }));
}

startLive({ articleId: data.article.id, after: data.last_event, mode: data.live, onEvents: applyEvents });

performance.mark("newsnotes:ready");
document.documentElement.dataset.ready = "true";
window.newsnotes = { index, annotations, layer, form };
