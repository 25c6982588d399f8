// The detail panel of the active annotation: its discussion thread (with @mentions), its
// reviews, its full history as diffs with "restore", and the review workflow buttons.

import { api, ApiError, newIdempotencyKey } from "./api.js";
import { el } from "./dom.js";
import { attachMentions } from "./mentions.js";
import { truncate } from "./sidebar.js";

const FIELDS = [
  ["exact", "Quote"], ["tags", "Tags"], ["comment", "Comment"], ["assessment", "Assessment"],
  ["attributed_to", "Source"], ["attributed_to_entity", "Claimed by"], ["visibility", "Visibility"],
  ["review_state", "Review state"], ["anchor_state", "Anchoring"], ["start", "Start"], ["end", "End"],
  ["suggestion_state", "Suggestion"], ["deleted", "In trash"],
];
const STATE_LABELS = {
  draft: "Draft", submitted: "Submitted", approved: "Approved", changes_requested: "Changes requested", disputed: "Disputed",
};

function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function show(field, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (field === "tags") return value.map((t) => t.name).join(", ") || "—";
  if (field === "attributed_to_entity") return value.name;
  if (field === "attributed_to") return `annotation ${value}`;
  if (field === "deleted") return value ? "yes" : "no";
  return String(value);
}

/** Word-level diff of two strings, as a fragment with <del> and <ins>. */
export function wordDiff(before, after) {
  const a = before.split(/(\s+)/);
  const b = after.split(/(\s+)/);
  // Longest common subsequence on words; texts here are short (quotes, comments).
  const n = a.length;
  const m = b.length;
  if (n * m > 250000) {
    return el("span", {}, el("del", { text: before }), " ", el("ins", { text: after }));
  }
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = el("span");
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.append(a[i]);
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out.append(el("ins", { text: b[j++] }));
    } else {
      out.append(el("del", { text: a[i++] }));
    }
  }
  return out;
}

function changes(previous, current) {
  const list = el("ul", { class: "changes" });
  for (const [field, label] of FIELDS) {
    const before = previous ? previous[field] : undefined;
    const after = current[field];
    if (previous && JSON.stringify(before) === JSON.stringify(after)) continue;
    if (!previous && (after === "" || after === null || (Array.isArray(after) && !after.length))) continue;
    const item = el("li", {}, el("span", { class: "field", text: `${label}: ` }));
    if (previous && (field === "comment" || field === "exact") && typeof before === "string") {
      item.append(wordDiff(before, after));
    } else if (previous) {
      item.append(el("del", { text: show(field, before) }), " → ", el("ins", { text: show(field, after) }));
    } else {
      item.append(show(field, after));
    }
    list.append(item);
  }
  return list;
}

export class DetailPanel {
  constructor(root, { me, role, teammates, onChanged, lookup }) {
    this.root = root;
    this.me = me;
    this.role = role;
    this.teammates = teammates;
    this.onChanged = onChanged; // (annotation, reloadId, message): after a workflow change or restore
    this.lookup = lookup;
    this.annotation = null;
    this.request = 0;
  }

  hide() {
    this.annotation = null;
    this.root.hidden = true;
    this.root.replaceChildren();
  }

  async show(annotation) {
    this.annotation = annotation;
    const ticket = ++this.request;
    this.root.hidden = false;
    this.root.replaceChildren(el("p", { class: "muted", text: "Loading…" }));
    try {
      const [replies, reviews, history] = await Promise.all([
        api("GET", `/api/replies/?annotation=${annotation.id}&page_size=200`),
        api("GET", `/api/reviews/?annotation=${annotation.id}&page_size=100`),
        annotation.suggestion_state === "pending" ? { data: [] } : api("GET", `/api/annotations/${annotation.id}/history/`),
      ]);
      if (ticket !== this.request) return;
      this.#render(annotation, replies.data.results, reviews.data.results, history.data);
    } catch (error) {
      if (ticket !== this.request) return;
      this.root.replaceChildren(el("p", { class: "form-error", text: error instanceof ApiError ? error.describe() : error.message }));
    }
  }

  #isAuthor(annotation) {
    return annotation.author.id === this.me.id || this.role === "owner";
  }

  #render(annotation, replies, reviews, versions) {
    const parts = [el("h2", { id: "details-heading", text: "Discussion and history" })];
    parts.push(el("p", { class: "muted" },
      `“${truncate(annotation.exact, 90)}” · `, el("strong", { text: STATE_LABELS[annotation.review_state] })));
    parts.push(this.#workflow(annotation));
    parts.push(this.#thread(annotation, replies));
    if (reviews.length) {
      const list = el("ul", { class: "reviews" });
      for (const review of reviews) {
        list.append(el("li", {},
          el("strong", { text: review.reviewer.name }), ` ${review.verdict.replace("_", " ")}`,
          review.note ? el("span", { class: "note", text: `: ${review.note}` }) : null,
          el("time", { class: "muted", text: ` · ${when(review.created_at)}` })));
      }
      parts.push(el("h3", { text: "Reviews" }), list);
    }
    if (versions.length) parts.push(this.#history(annotation, versions));
    this.root.replaceChildren(...parts);
  }

  #workflow(annotation) {
    const box = el("div", { class: "workflow" });
    const error = el("p", { class: "form-error", role: "alert" });
    const act = async (path, label) => {
      try {
        const { data } = await api("POST", `/api/annotations/${annotation.id}/${path}/`, { ifMatch: annotation.version });
        this.onChanged(data, null, label);
      } catch (e) {
        error.textContent = e instanceof ApiError ? (e.status === 412 ? "It was changed meanwhile; it has been reloaded." : e.describe()) : e.message;
        if (e instanceof ApiError && e.status === 412) this.onChanged(null, annotation.id);
      }
      return label;
    };
    if (annotation.suggestion_state !== "pending" && this.#isAuthor(annotation)) {
      if (annotation.review_state === "draft" || annotation.review_state === "changes_requested") {
        box.append(el("button", { type: "button", class: "primary", text: "Submit for review", onclick: () => act("submit", "Submitted for review.") }));
      }
      if (annotation.review_state === "submitted") {
        box.append(el("button", { type: "button", text: "Withdraw to draft", onclick: () => act("withdraw", "Withdrawn to draft.") }));
      }
    }
    box.append(error);
    return box;
  }

  #thread(annotation, replies) {
    const section = el("section", { class: "thread", "aria-label": "Replies" }, el("h3", { text: `Replies (${replies.length})` }));
    const byParent = new Map();
    for (const reply of replies) {
      const key = reply.parent ?? 0;
      if (!byParent.has(key)) byParent.set(key, []);
      byParent.get(key).push(reply);
    }
    const build = (parent, depth) => {
      const list = el("ul", { class: depth ? "replies nested" : "replies" });
      for (const reply of byParent.get(parent) || []) {
        const answer = el("button", { type: "button", class: "linklike", text: "Reply" });
        answer.addEventListener("click", () => this.#openForm(section, annotation, reply));
        const item = el("li", { "data-reply": String(reply.id) },
          el("div", { class: "reply-head" }, el("strong", { text: reply.author.name }), el("time", { class: "muted", text: when(reply.created_at) })),
          el("p", { class: "reply-text", text: reply.text }),
          depth < 6 ? answer : null);
        if (byParent.has(reply.id)) item.append(build(reply.id, depth + 1));
        list.append(item);
      }
      return list;
    };
    section.append(build(0, 0));
    if (this.role !== "viewer") {
      const start = el("button", { type: "button", class: "secondary", text: "Add a reply" });
      start.addEventListener("click", () => this.#openForm(section, annotation, null));
      section.append(start);
    }
    return section;
  }

  #openForm(section, annotation, parent) {
    section.querySelector("form.reply-form")?.remove();
    const names = this.teammates.map((t) => `@${t.username}`).join(" ");
    const text = el("textarea", { rows: 3, maxLength: 10000, id: "reply-text", placeholder: `Write a reply. Mention teammates: ${names}` });
    attachMentions(text, this.teammates); // before the listeners below: it takes Enter and Esc when its list is open
    const error = el("p", { class: "form-error", role: "alert" });
    const form = el("form", { class: "reply-form" },
      el("label", { for: "reply-text", text: parent ? `Reply to ${parent.author.name}` : "Reply" }),
      text, error,
      el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary", text: "Send" }),
        el("button", { type: "button", text: "Cancel", onclick: () => form.remove() })));
    const key = newIdempotencyKey();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        await api("POST", "/api/replies/", {
          body: { annotation: annotation.id, parent: parent ? parent.id : null, text: text.value },
          idempotencyKey: key,
        });
        const { data } = await api("GET", `/api/annotations/${annotation.id}/`);
        this.onChanged(data, null, "Reply sent.");
      } catch (e) {
        error.textContent = e instanceof ApiError ? e.describe() : e.message;
        button.disabled = false;
      }
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
      if (event.key === "Escape") {
        event.stopPropagation();
        form.remove();
      }
    });
    section.append(form);
    text.focus();
  }

  #history(annotation, versions) {
    const section = el("section", { class: "history", "aria-label": "History" }, el("h3", { text: `History (${versions.length} versions)` }));
    const list = el("ol", { class: "versions", reversed: true });
    const canRestore = this.#isAuthor(annotation) && annotation.suggestion_state !== "pending";
    for (let index = versions.length - 1; index >= 0; index--) {
      const version = versions[index];
      const previous = index > 0 ? versions[index - 1].snapshot : null;
      const item = el("li", {},
        el("div", { class: "version-head" },
          el("strong", { text: `v${version.number} ${version.action}` }),
          el("span", { class: "muted", text: ` · ${version.actor ? version.actor.name : "system"} · ${when(version.created_at)}` })),
        version.note ? el("p", { class: "muted", text: version.note }) : null,
        changes(previous, version.snapshot));
      if (canRestore && index < versions.length - 1 && !version.snapshot.deleted) {
        const button = el("button", { type: "button", class: "secondary", text: `Restore v${version.number}` });
        button.addEventListener("click", async () => {
          if (!window.confirm(`Make version ${version.number} current again? This adds a new version.`)) return;
          try {
            const { data } = await api("POST", `/api/annotations/${annotation.id}/restore-version/`, {
              body: { version: version.number }, ifMatch: annotation.version,
            });
            this.onChanged(data, null, `Version ${version.number} restored: it is now version ${data.version}.`);
          } catch (e) {
            window.alert(e instanceof ApiError ? e.describe() : e.message);
            if (e instanceof ApiError && e.status === 412) this.onChanged(null, annotation.id);
          }
        });
        item.append(button);
      }
      list.append(item);
    }
    section.append(list);
    return section;
  }
}
