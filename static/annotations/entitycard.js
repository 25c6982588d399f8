// The entity card: what NewsNotes knows of the entity a mention names (kind, aliases, Wikidata
// id, counts, other articles, claims attributed to it), and, for owners and analysts, the
// corrections: reject the mention, change the entity's kind, link the mention to another
// entity, merge the entity into another, split the mention off into a new entity. Each goes
// through the API (and so through the services); the page applies the result in place
// (`onChanged`). Used by the reader and the entity page. User text goes in as text only.

import { api, ApiError } from "./api.js";
import { el } from "./dom.js";
import { placeBeside, rectOf } from "./place.js";

export const KINDS = {
  PERSON: "Person", GPE: "State or place (GPE)", ORG: "Organisation", NORP: "Nationality or group",
  LOC: "Location", EVENT: "Event", FAC: "Facility", OTHER: "Other",
};
const ASSESSMENTS = {
  unverified: "Unverified", supported: "Supported", disputed: "Disputed", false: "False", misleading: "Misleading",
};
const SEARCH_RESULTS = 8;

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

export class EntityCard {
  /**
   * `onChanged(change)` receives {action, entity, mention, from, into}: action is "reject",
   * "kind", "link", "merge" or "split"; `entity` the entity as the API now returns it (none
   * after "reject"); `mention` the mention acted on; `from` the entity the mention or the
   * merge left, `into` the one it joined.
   */
  constructor(root, { articleId = null, onChanged, onClosed = () => {} }) {
    this.root = root;
    this.articleId = articleId;
    this.onChanged = onChanged;
    this.onClosed = onClosed;
    this.state = null;
    this.searchTimer = 0;
    this.searchAbort = null;
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.close({ restoreFocus: true });
      }
    });
    document.addEventListener("pointerdown", (event) => {
      if (this.isOpen && !root.contains(event.target) && !this.state?.opener?.contains?.(event.target)) this.close();
    });
  }

  get isOpen() { return !this.root.hidden; }

  /**
   * Open the card of `entityId`, about `mention` ({id, text}) when given, next to `passage`
   * (a Range, an element or a rectangle); focus goes into the card and back to `returnFocus`
   * when it closes.
   */
  async open({ entityId, mention = null, passage = null, returnFocus = null }) {
    this.state = { entityId, mention, passage, returnFocus, opener: passage instanceof Element ? passage : null };
    this.root.hidden = false;
    this.root.replaceChildren(el("p", { class: "ec-status", text: "Loading…" }));
    this.#place();
    const query = this.articleId ? `?article=${this.articleId}` : "";
    let card;
    try {
      ({ data: card } = await api("GET", `/api/entities/${entityId}/card/${query}`));
    } catch (error) {
      if (this.state?.entityId !== entityId) return;
      this.root.replaceChildren(this.#closeButton(), el("p", { class: "ec-status error", role: "alert", text: error instanceof ApiError ? error.describe() : error.message }));
      return;
    }
    if (this.state?.entityId !== entityId || !this.isOpen) return; // another card was opened meanwhile
    this.state.card = card;
    this.#render(card);
    this.#place();
    this.root.querySelector("#entity-card-title")?.focus({ preventScroll: true });
  }

  close({ restoreFocus = false } = {}) {
    if (!this.isOpen) return false;
    const back = this.state?.returnFocus;
    this.root.hidden = true;
    this.root.replaceChildren();
    this.state = null;
    clearTimeout(this.searchTimer);
    this.searchAbort?.abort();
    if (restoreFocus && back?.isConnected) back.focus({ preventScroll: true });
    this.onClosed();
    return true;
  }

  #place() {
    const { passage } = this.state;
    if (passage) placeBeside(this.root, rectOf(passage));
  }

  /** Place the card again if what it holds grew out of the window; keep the caret's field. */
  #refit() {
    const box = this.root.getBoundingClientRect();
    if (box.bottom <= window.innerHeight && box.top >= 0) return;
    const focused = document.activeElement;
    this.#place();
    if (this.root.contains(focused)) focused.scrollIntoView({ block: "nearest" });
  }

  #closeButton() {
    return el("button", {
      type: "button", class: "ec-close", "aria-label": "Close the entity card", title: "Close (Esc)", text: "×",
      onclick: () => this.close({ restoreFocus: true }),
    });
  }

  #render(card) {
    const { entity } = card;
    const { mention } = this.state;
    const title = el("h2", { id: "entity-card-title", tabindex: "-1" },
      el("a", { href: `/entities/${entity.id}/`, text: entity.name, title: "The entity's page: every mention and claim" }));
    const facts = el("dl", { class: "ec-facts" },
      el("dt", { text: "Kind" }), el("dd", { class: "ec-kind", text: KINDS[entity.kind] || entity.kind }),
      el("dt", { text: "Also known as" }), el("dd", { text: entity.aliases.length ? entity.aliases.slice(0, 12).join(", ") : "No aliases" }),
      el("dt", { text: "Wikidata" }),
      el("dd", {}, entity.wikidata_id
        ? el("a", { href: `https://www.wikidata.org/wiki/${encodeURIComponent(entity.wikidata_id)}`, rel: "noopener noreferrer", target: "_blank", text: entity.wikidata_id })
        : "Not linked"),
      el("dt", { text: "Named" }),
      el("dd", { class: "ec-counts", text: `${plural(entity.mention_count, "mention", "mentions")} in ${plural(entity.article_count, "article", "articles")}` }));
    const parts = [this.#closeButton(), title, facts];
    if (mention) parts.push(el("p", { class: "ec-mention" }, "This mention: ", el("q", { text: mention.text })));

    const articles = el("section", { class: "ec-articles" }, el("h3", { text: this.articleId ? "Other articles" : "Articles" }));
    if (card.other_articles.length) {
      articles.append(el("ul", {}, ...card.other_articles.map((a) => el("li", {},
        el("a", { href: `/articles/${a.id}/`, text: a.title || "(untitled)" }), ` (${a.mention_count})`))));
      if (card.other_article_count > card.other_articles.length) {
        articles.append(el("p", { class: "muted", text: `and ${card.other_article_count - card.other_articles.length} more on the entity's page` }));
      }
    } else {
      articles.append(el("p", { class: "muted", text: "No other article names it." }));
    }
    const claims = el("section", { class: "ec-claims" }, el("h3", { text: `Claims by it (${card.claim_count})` }));
    const moreClaims = card.claim_count - card.claims.length;
    if (card.claims.length) {
      claims.append(el("ul", {}, ...card.claims.map((c) => el("li", { "data-claim": String(c.id) },
        el("blockquote", { text: `“${c.exact.length > 100 ? `${c.exact.slice(0, 99)}…` : c.exact}”` }),
        el("span", { class: "muted" }, `${ASSESSMENTS[c.assessment] || c.assessment}${c.suggestion_state === "pending" ? " · suggested" : ""} · `,
          el("a", { href: `/articles/${c.article}/#a-${c.id}`, text: c.article_title || "(untitled)" }))))));
      if (moreClaims > 0) claims.append(el("p", { class: "muted", text: `and ${moreClaims} more on the entity's page` }));
    } else {
      claims.append(el("p", { class: "muted", text: "No claim is attributed to it." }));
    }
    parts.push(articles, claims);
    if (card.can_correct) parts.push(this.#actions(entity, mention));
    parts.push(el("p", { class: "ec-status", role: "status", id: "entity-card-status" }));
    this.root.replaceChildren(...parts);
  }

  #actions(entity, mention) {
    const box = el("section", { class: "ec-actions", "aria-label": "Correct this entity" }, el("h3", { text: "Correct" }));
    if (mention) {
      box.append(el("div", { class: "ec-row" },
        el("button", { type: "button", class: "danger", text: "Reject this mention", title: "Not an entity, or not this one: the underline goes, and NER will not bring it back", onclick: () => this.#reject() })));
    }
    const kind = el("select", { id: "ec-kind", "aria-label": "Kind" });
    for (const [value, label] of Object.entries(KINDS)) kind.append(el("option", { value, text: label, selected: value === entity.kind }));
    box.append(el("div", { class: "ec-row" }, el("label", { for: "ec-kind", text: "Kind" }), kind,
      el("button", { type: "button", text: "Change kind", onclick: () => this.#retype(kind.value) })));

    const search = el("input", {
      type: "search", id: "ec-search", autocomplete: "off", placeholder: "Search the team's entities",
      "aria-controls": "ec-results", "aria-describedby": "ec-search-help",
    });
    const results = el("ul", { class: "ec-results", id: "ec-results", "aria-live": "polite" });
    search.addEventListener("input", () => this.#search(search.value.trim(), results));
    box.append(el("label", { for: "ec-search", text: mention ? "Link the mention to, or merge with, another entity" : "Merge with another entity" }),
      el("div", { class: "ec-row" }, search),
      results,
      el("p", { class: "muted ec-help", id: "ec-search-help", text: "Merging folds this entity into the one you pick: its names, mentions and claims move there." }));

    if (mention) {
      const name = el("input", { type: "text", id: "ec-split-name", value: mention.text, maxLength: 300, "aria-label": "Name of the new entity" });
      const splitKind = el("select", { id: "ec-split-kind", "aria-label": "Kind of the new entity" });
      for (const [value, label] of Object.entries(KINDS)) splitKind.append(el("option", { value, text: label, selected: value === entity.kind }));
      box.append(el("label", { for: "ec-split-name", text: "Split the mention off into a new entity" }),
        el("div", { class: "ec-row" }, name, splitKind,
          el("button", { type: "button", text: "Split off", onclick: () => this.#split(name.value, splitKind.value) })));
    }
    return box;
  }

  #search(q, results) {
    clearTimeout(this.searchTimer);
    this.searchAbort?.abort();
    if (q.length < 1) {
      results.replaceChildren();
      return;
    }
    this.searchTimer = setTimeout(async () => {
      const { entity } = this.state.card;
      this.searchAbort = new AbortController();
      let page;
      try {
        ({ data: page } = await api("GET", `/api/entities/?team=${entity.team}&q=${encodeURIComponent(q)}&page_size=${SEARCH_RESULTS + 1}`, { signal: this.searchAbort.signal }));
      } catch (error) {
        if (error.name !== "AbortError") this.#status(error instanceof ApiError ? error.describe() : error.message, true);
        return;
      }
      const found = page.results.filter((e) => e.id !== entity.id).slice(0, SEARCH_RESULTS);
      if (!found.length) {
        results.replaceChildren(el("li", { class: "muted", text: `No other entity matches “${q}”.` }));
        this.#refit();
        return;
      }
      results.replaceChildren(...found.map((other) => {
        const row = el("li", { "data-entity": String(other.id) },
          el("span", { class: "name" }, other.name, el("span", { class: "muted", text: ` · ${KINDS[other.kind] || other.kind} · ${plural(other.mention_count, "mention", "mentions")}` })));
        if (this.state.mention) {
          row.append(el("button", { type: "button", text: "Link mention", "aria-label": `Link the mention to ${other.name}`, onclick: () => this.#link(other) }));
        }
        row.append(el("button", { type: "button", text: "Merge into it", "aria-label": `Merge ${entity.name} into ${other.name}`, onclick: () => this.#merge(other) }));
        // Judgements that merge nothing: the pipeline never merges a "not the same" pair.
        row.append(el("button", { type: "button", text: "Not the same", "aria-label": `${entity.name} is not the same as ${other.name}`, onclick: () => this.#judge(other, "not_same") }));
        row.append(el("button", { type: "button", text: "Unsure", "aria-label": `Unsure whether ${entity.name} is ${other.name}`, onclick: () => this.#judge(other, "unsure") }));
        return row;
      }));
      this.#refit();
    }, 200);
  }

  #status(message, error = false) {
    const status = this.root.querySelector("#entity-card-status");
    if (!status) return;
    status.textContent = message;
    status.classList.toggle("error", error);
    if (error) status.setAttribute("role", "alert");
    this.#refit();
  }

  async #run(work) {
    for (const button of this.root.querySelectorAll(".ec-actions button")) button.disabled = true;
    try {
      await work();
    } catch (error) {
      if (!this.isOpen) return;
      this.#status(error instanceof ApiError ? error.describe() : error.message, true);
      for (const button of this.root.querySelectorAll(".ec-actions button")) button.disabled = false;
    }
  }

  #reject() {
    const { mention, card } = this.state;
    return this.#run(async () => {
      await api("POST", `/api/mentions/${mention.id}/reject/`);
      this.close({ restoreFocus: true });
      this.onChanged({ action: "reject", mention, from: card.entity });
    });
  }

  #retype(kind) {
    const { card, mention } = this.state;
    if (kind === card.entity.kind) {
      this.#status(`It is already ${KINDS[kind]}.`);
      return null;
    }
    return this.#run(async () => {
      const { data: entity } = await api("PATCH", `/api/entities/${card.entity.id}/`, { body: { kind } });
      this.onChanged({ action: "kind", entity, mention });
      await this.#reopen(entity.id, mention, `Kind changed to ${KINDS[kind]}.`);
    });
  }

  #link(other) {
    const { card, mention } = this.state;
    return this.#run(async () => {
      const { data } = await api("PATCH", `/api/mentions/${mention.id}/`, { body: { entity: other.id } });
      this.onChanged({ action: "link", entity: other, mention, from: card.entity, into: data.entity });
      await this.#reopen(other.id, mention, `The mention now names ${other.name}.`);
    });
  }

  #merge(other) {
    const { card, mention } = this.state;
    if (!window.confirm(`Merge “${card.entity.name}” into “${other.name}”? Its names, mentions and claims move to ${other.name}. The entity page keeps the merge, and can undo it.`)) return null;
    return this.#run(async () => {
      const { data: entity } = await api("POST", `/api/entities/${other.id}/merge/`, { body: { others: [card.entity.id] } });
      this.onChanged({ action: "merge", entity, mention, from: card.entity, into: entity });
      await this.#reopen(entity.id, mention, `${card.entity.name} merged into ${entity.name}.`);
    });
  }

  #judge(other, judgement) {
    const { card, mention } = this.state;
    return this.#run(async () => {
      await api("POST", "/api/judgements/", { body: { left: card.entity.id, right: other.id, judgement } });
      const said = judgement === "not_same" ? `Recorded: ${card.entity.name} is not ${other.name}; they will not be merged.` : `Recorded: unsure whether ${card.entity.name} is ${other.name}.`;
      await this.#reopen(card.entity.id, mention, said);
    });
  }

  #split(name, kind) {
    const { card, mention } = this.state;
    return this.#run(async () => {
      const { data: entity } = await api("POST", `/api/entities/${card.entity.id}/split/`, { body: { mentions: [mention.id], name, kind } });
      this.onChanged({ action: "split", entity, mention, from: card.entity, into: entity });
      await this.#reopen(entity.id, mention, `The mention is now a new entity, ${entity.name}.`);
    });
  }

  /** Show the card of the entity the mention names now, with a word on what changed. */
  async #reopen(entityId, mention, message) {
    if (!this.isOpen) return;
    const { passage, returnFocus } = this.state;
    await this.open({ entityId, mention, passage, returnFocus });
    this.#status(message);
  }
}
