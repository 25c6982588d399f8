// The detail panel of the active annotation: its discussion thread (with @mentions), its
// reviews, its full history as diffs with "restore", and the review workflow buttons.

import { api, ApiError, newIdempotencyKey } from "./api.js";
import { el, plural, sanitisedHtml } from "./dom.js";
import { attachMentions } from "./mentions.js";
import { truncate } from "./sidebar.js";

const STATE_LABELS = {
  draft: "Draft", submitted: "Submitted", approved: "Approved", changes_requested: "Changes requested", disputed: "Disputed",
};

function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A text change as runs ([op, text]: "=" kept, "-" deleted, "+" inserted), made by the server
 * (selectors/history.py, difflib on tokens that keep their whitespace), shown as text. */
export function diffRuns(runs) {
  const out = el("span", { class: "diff" });
  for (const [op, text] of runs) {
    out.append(op === "-" ? el("del", { text }) : op === "+" ? el("ins", { text }) : text);
  }
  return out;
}

function changes(list, first) {
  const out = el("ul", { class: "changes" });
  for (const change of list) {
    const item = el("li", { dataset: { field: change.field } }, el("span", { class: "field", text: `${change.label}: ` }));
    if (change.runs) item.append(diffRuns(change.runs));
    else if (first) item.append(change.after);
    else item.append(el("del", { text: change.before }), " → ", el("ins", { text: change.after }));
    out.append(item);
  }
  return out;
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
          sanitisedHtml(reply.text_html, "div", { class: "reply-text markdown" }),
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
    const section = el("section", { class: "history", "aria-label": "History" },
      el("h3", { text: `History (${plural(versions.length, "version")})` }));
    const list = el("ol", { class: "versions", reversed: true });
    const canRestore = this.#isAuthor(annotation) && annotation.suggestion_state !== "pending";
    for (let index = versions.length - 1; index >= 0; index--) {
      const version = versions[index];
      const item = el("li", {},
        el("div", { class: "version-head" },
          el("strong", { text: `v${version.number} · ${version.action_label}` }),
          el("span", { class: "muted", text: ` · ${version.actor ? version.actor.name : "system"} · ${when(version.created_at)}` })),
        version.note ? el("p", { class: "muted", text: version.note }) : null,
        changes(version.changes, index === 0));
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
