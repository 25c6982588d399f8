// The sidebar: annotation cards in reading order with their filters, and the entity panel.
// Every user-supplied string goes in with textContent.

import { el, plural, sanitisedHtml } from "./dom.js";

const ASSESSMENTS = {
  unverified: "Unverified", supported: "Supported", disputed: "Disputed", false: "False", misleading: "Misleading",
};
const REVIEW = {
  draft: "Draft", submitted: "Submitted", approved: "Approved", changes_requested: "Changes requested", disputed: "Disputed",
};
// What the speaker of a model suggestion does with its claim (suggestion_details.stance).
const STANCES = {
  denies: { badge: "Denial", title: "The speaker says this is false", by: "Denied by " },
  refuses: { badge: "Refusal", title: "The speaker would not confirm or say this", by: "Refused by " },
};
export const KIND_NAMES = {
  PERSON: "People", GPE: "States and places", ORG: "Organisations", NORP: "Groups", LOC: "Locations",
  EVENT: "Events", FAC: "Facilities", OTHER: "Other",
};

// Cards rendered before the page is ready; the rest follow in idle time.
const FIRST_CARDS = 40;
const idle = window.requestIdleCallback
  ? (fn) => window.requestIdleCallback(fn, { timeout: 200 })
  : (fn) => setTimeout(fn, 0);

export function truncate(text, max) {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

// Admiralty grading (NATO AJP-2.1): a source's reliability A-F, a claim's credibility 1-6.
const RELIABILITY = {
  A: "completely reliable", B: "usually reliable", C: "fairly reliable", D: "not usually reliable",
  E: "unreliable", F: "reliability cannot be judged",
};
export const CREDIBILITY = {
  1: "confirmed by other sources", 2: "probably true", 3: "possibly true", 4: "doubtful",
  5: "improbable", 6: "truth cannot be judged",
};
const NOT_GRADED = "\u2013";

const ANCHOR_STATES = {
  orphaned: "Orphaned: text changed",
  reanchored: "Re-anchored",
  quote_changed: "Re-anchored, quote changed",
};

export class Sidebar {
  constructor({ list, empty, count, filters, me, role, tags, teammates, handlers, grades }) {
    this.grades = grades || { outlet: "", entities: {} };
    this.list = list;
    this.empty = empty;
    this.count = count;
    this.filters = filters;
    this.me = me;
    this.role = role;
    this.tags = new Map(tags.map((t) => [t.id, t]));
    this.handlers = handlers;
    this.cards = new Map(); // id -> <li>
    this.generation = 0; // a newer render() cancels the chunks of an older one
    this.pending = 0; // cards still to render in idle time
    this.activeId = null;
    // One class per tag instead of an inline style per card: 1,000 cards share 7 rules.
    const style = document.createElement("style");
    style.textContent = tags.map((t) => `.t-${t.id} { --tag: ${t.colour}; }`).join("\n");
    document.head.append(style);
    this.#fillFilters(tags, teammates);
    filters.addEventListener("change", () => handlers.onFilter(this.filterState()));
  }

  #fillFilters(tags, teammates) {
    const tagSelect = this.filters.elements.tag;
    for (const tag of tags) tagSelect.append(el("option", { value: String(tag.id), text: tag.name }));
    const authorSelect = this.filters.elements.author;
    for (const user of teammates) authorSelect.append(el("option", { value: String(user.id), text: user.name }));
  }

  filterState() {
    const f = this.filters.elements;
    return {
      tag: f.tag.value ? Number(f.tag.value) : null,
      author: f.author.value ? Number(f.author.value) : null,
      assessment: f.assessment.value || null,
      review_state: f.review_state.value || null,
      suggestions: f.suggestions.checked,
      rejected: Boolean(f.rejected?.checked),
    };
  }

  /** The model's reason for a suggestion: " (rule, 85 %)", or "". */
  static why(annotation) {
    const parts = [];
    if (annotation.suggestion_rule) parts.push(annotation.suggestion_rule);
    if (annotation.suggestion_confidence !== null && annotation.suggestion_confidence !== undefined) {
      parts.push(`${Math.round(annotation.suggestion_confidence * 100)} % confidence`);
    }
    return parts.length ? ` (${parts.join(", ")})` : "";
  }

  /** A pending claim's pending source, suggested with it: both show as the claim's one card. */
  static groupedSource(annotation, lookup) {
    if (annotation.suggestion_state !== "pending" || !annotation.attributed_to) return null;
    const source = lookup(annotation.attributed_to);
    return source && source.suggestion_state === "pending" ? source : null;
  }

  /** The annotations that get a card: those that pass the filter, less grouped sources. */
  static visible(annotations, filter, lookup) {
    const shown = annotations.filter((a) => Sidebar.matches(a, filter));
    const inside = new Set(shown.map((a) => Sidebar.groupedSource(a, lookup)?.id).filter(Boolean));
    return inside.size ? shown.filter((a) => !inside.has(a.id)) : shown;
  }

  static matches(annotation, filter) {
    if (annotation.suggestion_state === "rejected") return filter.rejected;
    if (!filter.suggestions && annotation.suggestion_state === "pending") return false;
    if (filter.tag && !annotation.tags.some((t) => t.id === filter.tag)) return false;
    if (filter.author && annotation.author.id !== filter.author) return false;
    if (filter.assessment && annotation.assessment !== filter.assessment) return false;
    if (filter.review_state && annotation.review_state !== filter.review_state) return false;
    return true;
  }

  canEdit(annotation) {
    if (annotation.suggestion_state === "pending" || annotation.suggestion_state === "rejected") return false;
    return annotation.author.id === this.me.id || this.role === "owner";
  }

  static isClaim(annotation) {
    return annotation.tags.some((tag) => tag.kind === "claim");
  }

  /** The current reliability of a claim's source: its entity's if graded, else the outlet's. */
  reliabilityOf(annotation) {
    const entity = annotation.attributed_to_entity;
    return (entity && this.grades.entities[String(entity.id)]) || this.grades.outlet || "";
  }

  /** The combined Admiralty grade ("B2"; a part not graded reads "–"), or "". */
  gradeOf(annotation) {
    const reliability = this.reliabilityOf(annotation);
    const credibility = annotation.credibility || "";
    if (!reliability && !credibility) return "";
    return `${reliability || NOT_GRADED}${credibility || NOT_GRADED}`;
  }

  #gradeBadge(annotation) {
    const reliability = this.reliabilityOf(annotation);
    const credibility = annotation.credibility || "";
    const parts = [
      reliability ? `source ${reliability}, ${RELIABILITY[reliability]}` : "source not graded",
      credibility ? `information ${credibility}, ${CREDIBILITY[credibility]}` : "information not graded",
    ];
    return el("span", {
      class: "badge admiralty", text: this.gradeOf(annotation), title: `Admiralty grade: ${parts.join("; ")}`,
    });
  }

  #credibilitySelect(annotation) {
    const select = el("select", { "data-credibility": String(annotation.id), "aria-label": "Credibility of this claim (Admiralty 1–6)" });
    select.append(el("option", { value: "", text: "Not graded", selected: !annotation.credibility }));
    for (const [value, label] of Object.entries(CREDIBILITY)) {
      select.append(el("option", { value, text: `${value}: ${label}`, selected: annotation.credibility === value }));
    }
    return el("label", { class: "credibility" }, "Credibility ", select);
  }

  canHandleSuggestion() {
    return this.role === "owner" || this.role === "analyst";
  }

  card(annotation, lookup) {
    const pending = annotation.suggestion_state === "pending";
    const rejected = annotation.suggestion_state === "rejected";
    const li = el("li", {
      class: `card${pending ? " suggestion" : ""}${rejected ? " rejected" : ""}${annotation.anchor_state === "orphaned" ? " orphaned" : ""}`,
      tabindex: "0",
      "data-id": String(annotation.id),
      "aria-label": `${pending ? "Suggested claim" : rejected ? "Rejected suggestion" : "Annotation"}: ${truncate(annotation.exact, 80)}`,
    });
    if (annotation.tags[0]) li.classList.add(`t-${annotation.tags[0].id}`);
    const head = el("div", { class: "card-head" });
    const details = annotation.suggestion_details;
    const stance = details ? STANCES[details.stance] : undefined;
    if (pending) head.append(el("span", { class: "badge suggestion-badge", text: "Suggested by the model" }));
    if (rejected) head.append(el("span", { class: "badge rejected-badge", text: "Rejected suggestion" }));
    if (stance) head.append(el("span", { class: `badge stance-${details.stance}`, text: stance.badge, title: stance.title }));
    for (const tag of annotation.tags) head.append(el("span", { class: `tag t-${tag.id}`, text: tag.name }));
    head.append(el("span", { class: `badge assess-${annotation.assessment}`, text: ASSESSMENTS[annotation.assessment] || annotation.assessment }));
    const claim = Sidebar.isClaim(annotation);
    if (claim && this.gradeOf(annotation)) head.append(this.#gradeBadge(annotation));
    if (!pending && !rejected && annotation.review_state !== "draft") {
      head.append(el("span", { class: `badge review-${annotation.review_state}`, text: REVIEW[annotation.review_state] }));
    }
    if (annotation.anchor_state !== "anchored") {
      head.append(el("span", { class: `badge anchor-${annotation.anchor_state}`, text: ANCHOR_STATES[annotation.anchor_state] || "Re-anchored" }));
    }
    if (annotation.visibility === "private") head.append(el("span", { class: "badge private", text: "Private" }));
    li.append(head);
    li.append(el("blockquote", { text: truncate(annotation.exact, 280) }));
    if (annotation.comment) li.append(sanitisedHtml(annotation.comment_html, "div", { class: "comment markdown" }));
    if ((pending || rejected) && Sidebar.why(annotation)) {
      li.append(el("p", { class: "why muted", text: `Why: ${Sidebar.why(annotation).slice(2, -1)}` }));
    }
    const links = [];
    if (annotation.attributed_to_entity) {
      const who = el("a", { href: `/entities/${annotation.attributed_to_entity.id}/`, text: annotation.attributed_to_entity.name });
      links.push(el("span", {}, stance ? stance.by : "Claimed by ", who));
    }
    if (details && details.reporter) {
      const reporter = details.reporter.entity
        ? el("a", { href: `/entities/${details.reporter.entity}/`, text: details.reporter.text })
        : el("span", { text: details.reporter.text });
      links.push(el("span", { class: "reporter" }, "reported by ", reporter));
    }
    if (annotation.attributed_to) {
      const source = lookup(annotation.attributed_to);
      if (!source) {
        // Deleted (it may come back from the trash, with the link).
        links.push(el("span", { class: "source-gone" }, "Source: ", el("em", { text: "deleted (in the trash)" })));
      } else {
        const button = el("button", {
          type: "button", class: "linklike", "data-goto": String(annotation.attributed_to),
          text: `“${truncate(source.exact, 50)}”`,
        });
        const grouped = Sidebar.groupedSource(annotation, lookup);
        links.push(el("span", {}, grouped ? "Source, suggested with it: " : "Source: ", button));
      }
    }
    if (links.length) li.append(el("p", { class: "attribution" }, ...links.flatMap((l, i) => (i ? [" · ", l] : [l]))));
    if (details && details.speaker_reason) {
      // Why the model chose the speaker: "‘he’ → Jean-Luc Bernard (sentence 3)".
      li.append(el("p", { class: "speaker-reason", title: "Why the model chose this speaker", text: `Speaker: ${details.speaker_reason}` }));
    }
    const foot = el("div", { class: "card-foot" });
    foot.append(el("span", { class: "by", text: pending || rejected ? "NewsNotes model" : annotation.author.name }));
    if (annotation.reply_count) foot.append(el("span", { class: "by", text: plural(annotation.reply_count, "reply", "replies") }));
    const actions = el("span", { class: "actions" });
    if (claim && !pending && !rejected && this.canHandleSuggestion()) {
      actions.append(this.#credibilitySelect(annotation));
    }
    if (pending && this.canHandleSuggestion()) {
      actions.append(el("button", { type: "button", "data-action": "accept", text: "Accept", title: "Accept (y)" }));
      actions.append(el("button", { type: "button", "data-action": "reject", text: "Reject", title: "Reject (n)" }));
    }
    if (rejected && this.canHandleSuggestion()) {
      actions.append(el("button", { type: "button", "data-action": "unreject", text: "Restore suggestion", title: "Reverse the rejection" }));
    }
    if (annotation.anchor_state === "quote_changed" && annotation.author.id === this.me.id) {
      // The article was edited and the quote found approximately: its author checks it.
      li.append(el("p", { class: "quote-was", text: "The article changed and this passage now reads as quoted above; its old quote is in the history." }));
      actions.append(el("button", { type: "button", "data-action": "quote-checked", text: "Quote checked", title: "Clear “quote changed”: the new quote is right" }));
    }
    if (this.canEdit(annotation)) {
      actions.append(el("button", { type: "button", "data-action": "edit", text: "Edit", title: "Edit (e)" }));
      actions.append(el("button", { type: "button", "data-action": "delete", text: "Delete", title: "Delete (x)" }));
    }
    foot.append(actions);
    li.append(foot);
    return li;
  }

  /**
   * Render the cards (sorted by position) that pass the filter: the first screenfuls at once,
   * the rest in idle time, so that a long list never holds up the page.
   */
  render(annotations, filter, lookup) {
    const shown = Sidebar.visible(annotations, filter, lookup);
    const generation = ++this.generation;
    this.cards.clear();
    this.list.replaceChildren();
    this.count.textContent = String(shown.length);
    this.empty.hidden = shown.length > 0;
    let next = 0;
    const chunk = (size) => {
      if (generation !== this.generation) return;
      const fragment = document.createDocumentFragment();
      for (const end = Math.min(shown.length, next + size); next < end; next++) {
        const li = this.card(shown[next], lookup);
        if (shown[next].id === this.activeId) li.classList.add("active");
        this.cards.set(shown[next].id, li);
        fragment.append(li);
      }
      this.list.append(fragment);
      this.pending = shown.length - next;
      if (this.pending > 0) idle(() => chunk(150));
    };
    chunk(FIRST_CARDS);
    return shown;
  }

  /** Replace (or add, or remove) one annotation's card in place. */
  replace(annotation, shown, lookup) {
    const old = this.cards.get(annotation.id);
    const position = shown.indexOf(annotation);
    this.count.textContent = String(shown.length);
    this.empty.hidden = shown.length > 0;
    if (position === -1) {
      old?.remove();
      this.cards.delete(annotation.id);
      return;
    }
    const li = this.card(annotation, lookup);
    if (annotation.id === this.activeId) li.classList.add("active");
    if (old) {
      old.replaceWith(li);
    } else {
      const after = shown.slice(position + 1).find((a) => this.cards.has(a.id));
      if (after) this.list.insertBefore(li, this.cards.get(after.id));
      else if (this.pending === 0) this.list.append(li);
      else return; // the idle-time chunks have yet to reach this position: they will draw it
    }
    this.cards.set(annotation.id, li);
  }

  setActive(id) {
    this.activeId = id;
    for (const li of this.list.querySelectorAll(".card.active")) li.classList.remove("active");
    const li = this.cards.get(id);
    if (li) {
      li.classList.add("active");
      li.scrollIntoView({ block: "nearest" });
    }
    return li;
  }
}

export function renderEntities(container, entities, counts, onPick) {
  const byKind = new Map();
  for (const [id, count] of counts) {
    const entity = entities[id];
    if (!entity) continue;
    if (!byKind.has(entity.kind)) byKind.set(entity.kind, []);
    byKind.get(entity.kind).push([entity, count]);
  }
  const fragment = document.createDocumentFragment();
  for (const kind of Object.keys(KIND_NAMES)) {
    const list = byKind.get(kind);
    if (!list) continue;
    // Plain comparison: the first localeCompare() of a page sets up ICU, ~10 ms.
    list.sort((a, b) => b[1] - a[1] || (a[0].name < b[0].name ? -1 : a[0].name > b[0].name ? 1 : 0));
    const group = el("li", { class: `entity-group kind-${kind}` }, el("h3", { text: KIND_NAMES[kind] }));
    const ul = el("ul");
    for (const [entity, count] of list) {
      const button = el("button", {
        type: "button", class: `entity kind-${kind}`, "data-entity": String(entity.id),
        "aria-pressed": "false", title: "Highlight every mention",
      }, el("span", { class: "name", text: entity.name }), el("span", { class: "n", text: String(count) }));
      button.addEventListener("click", () => onPick(entity.id, button));
      const link = el("a", { href: `/entities/${entity.id}/`, class: "entity-link", "aria-label": `${entity.name}: all articles`, text: "↗" });
      ul.append(el("li", {}, button, link));
    }
    group.append(ul);
    fragment.append(group);
  }
  if (!fragment.childNodes.length) fragment.append(el("li", { class: "empty", text: "No entities recognised yet." }));
  container.replaceChildren(fragment);
}
