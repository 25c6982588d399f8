// The annotation form: tags, comment, assessment, and the attribution (a source highlight
// and/or the entity that makes the claim). Used to create and to edit.

import { el } from "./dom.js";
import { placeBeside, rectOf } from "./place.js";
import { truncate } from "./sidebar.js";

const ASSESSMENTS = [
  ["unverified", "Unverified"], ["supported", "Supported"], ["disputed", "Disputed"],
  ["false", "False"], ["misleading", "Misleading"],
];

export class AnnotationForm {
  constructor(root, { tags, entities, annotations, searchEntities, onSubmit, onCancel, onPickSource }) {
    this.root = root;
    this.tags = tags;
    this.entities = entities; // id -> {id, name, kind}
    this.annotations = annotations; // () -> array, in reading order
    this.searchEntities = searchEntities;
    this.onSubmit = onSubmit;
    this.onCancel = onCancel;
    this.onPickSource = onPickSource;
    this.state = null;
    this.passage = null; // what the form is about: a Range, or a rectangle (viewport coordinates)
    root.addEventListener("keydown", (event) => this.#keydown(event));
  }

  get isOpen() { return !this.root.hidden; }

  open({ mode, rect, quote, annotation = null }) {
    this.state = { mode, annotation };
    this.#build(quote, annotation);
    this.root.hidden = false;
    this.passage = null;
    this.place(rect);
    const first = this.root.querySelector("input[type=checkbox]") || this.root.querySelector("textarea");
    first?.focus();
  }

  close() {
    this.root.hidden = true;
    this.root.replaceChildren();
    this.state = null;
  }

  /** Next to the passage (a Range, or a rectangle in viewport coordinates) and inside the
   * viewport; on a narrow screen, a sheet docked at the bottom, with the passage scrolled
   * above it. `passage` null keeps the last one. */
  place(passage) {
    if (passage) this.passage = passage;
    const narrow = window.innerWidth < 900;
    this.root.classList.toggle("sheet", narrow);
    if (narrow) {
      this.root.style.left = "";
      this.root.style.top = "";
      this.root.style.maxHeight = "";
      const rect = rectOf(this.passage);
      const free = window.innerHeight - this.root.offsetHeight - 16; // above the sheet
      if (rect && (rect.bottom > free || rect.top < 0)) {
        const target = Math.max(8, (free - (rect.bottom - rect.top)) / 2);
        window.scrollBy({ top: rect.top - target, behavior: "instant" });
        if (!(this.passage instanceof Range)) this.passage = null; // a stale rectangle now
      }
      return;
    }
    if (this.passage) placeBeside(this.root, rectOf(this.passage));
  }

  #build(quote, annotation) {
    const editing = Boolean(annotation);
    const form = el("form", { class: "ann-form", noValidate: true });
    form.append(el("h2", { id: "popover-title", text: editing ? "Edit annotation" : "New annotation" }));
    form.append(el("blockquote", { class: "quote", text: truncate(quote, 240) }));
    if (editing && annotation.review_state === "approved") {
      // annotation_update sends approved work back to the reviewers: say so before saving.
      form.append(el("p", {
        class: "warning", id: "ann-approved-warning",
        text: "This annotation is approved. Saving a change sends it back to review.",
      }));
    }

    const tagSet = el("fieldset", { class: "tags" }, el("legend", { text: "Tags" }));
    const chosen = new Set((annotation?.tags || []).map((t) => t.id));
    this.tags.forEach((tag, index) => {
      const id = `tag-${tag.id}`;
      const box = el("input", {
        type: "checkbox", id, name: "tags", value: String(tag.id), checked: chosen.has(tag.id), "aria-label": tag.name,
      });
      const label = el("label", { for: id, class: "tag-choice" }, box, el("span", { class: "swatch" }), el("span", { text: tag.name }));
      label.style.setProperty("--tag", tag.colour);
      if (index < 9) label.append(el("kbd", { text: String(index + 1), "aria-hidden": "true" }));
      tagSet.append(label);
    });
    form.append(tagSet);

    form.append(el("label", { for: "ann-comment", text: "Comment" }));
    form.append(el("textarea", {
      id: "ann-comment", name: "comment", rows: 3, maxLength: 10000, value: annotation?.comment || "", "aria-describedby": "ann-comment-hint",
    }));
    form.append(el("p", { class: "hint", id: "ann-comment-hint", text: "Markdown: **bold**, _italic_, [link](https://…), - lists" }));

    const assess = el("select", { id: "ann-assessment", name: "assessment" });
    for (const [value, label] of ASSESSMENTS) {
      assess.append(el("option", { value, text: label, selected: (annotation?.assessment || "unverified") === value }));
    }
    form.append(el("label", { for: "ann-assessment", text: "Assessment" }), assess);

    const source = el("select", { id: "ann-source", name: "attributed_to" });
    source.append(el("option", { value: "", text: "No source annotation" }));
    for (const other of this.annotations()) {
      if (annotation && other.id === annotation.id) continue;
      if (other.suggestion_state === "pending" || other.suggestion_state === "rejected") continue;
      const tagNames = other.tags.map((t) => t.name).join(", ");
      source.append(el("option", {
        value: String(other.id),
        text: `“${truncate(other.exact, 60)}”${tagNames ? ` (${tagNames})` : ""}`,
        selected: annotation?.attributed_to === other.id,
      }));
    }
    const pick = el("button", { type: "button", class: "secondary", text: "Pick in text" });
    pick.addEventListener("click", () => this.onPickSource());
    form.append(el("label", { for: "ann-source", text: "Source (the highlight this claim rests on)" }),
      el("div", { class: "row" }, source, pick));

    const entityInput = el("input", {
      id: "ann-entity", name: "entity", list: "ann-entities", autocomplete: "off",
      placeholder: "e.g. John Kirby", value: annotation?.attributed_to_entity?.name || "",
    });
    const datalist = el("datalist", { id: "ann-entities" });
    this.#fillEntities(datalist, Object.values(this.entities));
    let timer = null;
    entityInput.addEventListener("input", () => {
      clearTimeout(timer);
      const q = entityInput.value.trim();
      if (q.length < 2) return;
      timer = setTimeout(async () => {
        const found = await this.searchEntities(q);
        for (const entity of found) this.entities[entity.id] = entity;
        this.#fillEntities(datalist, Object.values(this.entities));
      }, 200);
    });
    form.append(el("label", { for: "ann-entity", text: "Claimed by / on whose authority (entity)" }), entityInput, datalist);

    const privateBox = el("input", { type: "checkbox", id: "ann-private", name: "private", checked: annotation?.visibility === "private" });
    form.append(el("label", { for: "ann-private", class: "check" }, privateBox, " Private (only you see it)"));

    form.append(el("p", { class: "form-error", role: "alert", id: "ann-error" }));
    const save = el("button", { type: "submit", class: "primary", text: editing ? "Save changes" : "Save" });
    const cancel = el("button", { type: "button", text: "Cancel" });
    cancel.addEventListener("click", () => this.onCancel());
    form.append(el("div", { class: "buttons" }, save, cancel, el("span", { class: "hint", text: "Ctrl+Enter saves, Esc cancels" })));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit();
    });
    this.root.replaceChildren(form);
  }

  #fillEntities(datalist, entities) {
    datalist.replaceChildren(...entities
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => el("option", { value: e.name, text: `${e.name} (${e.kind})` })));
  }

  setSource(annotationId) {
    const select = this.root.querySelector("#ann-source");
    if (select) select.value = String(annotationId);
    select?.focus();
  }

  values() {
    const form = this.root.querySelector("form");
    const tags = [...form.querySelectorAll("input[name=tags]:checked")].map((b) => Number(b.value));
    const entityName = form.elements.entity.value.trim();
    let entity = null;
    if (entityName) {
      const match = Object.values(this.entities).find((e) => e.name.toLowerCase() === entityName.toLowerCase());
      if (!match) return { error: { entity: [`No entity named “${entityName}”. Pick one from the list.`] } };
      entity = match.id;
    }
    return {
      tags,
      comment: form.elements.comment.value,
      assessment: form.elements.assessment.value,
      attributed_to: form.elements.attributed_to.value ? Number(form.elements.attributed_to.value) : null,
      attributed_to_entity: entity,
      visibility: form.elements.private.checked ? "private" : "team",
    };
  }

  async #submit() {
    const values = this.values();
    if (values.error) {
      this.showErrors(values.error);
      return;
    }
    const button = this.root.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await this.onSubmit(values, this.state);
    } finally {
      if (button.isConnected) button.disabled = false;
    }
  }

  showErrors(errors, detail = "") {
    const box = this.root.querySelector("#ann-error");
    if (!box) return;
    const names = { attributed_to: "Source", attributed_to_entity: "Entity", entity: "Entity", non_field_errors: "" };
    const lines = Object.entries(errors).flatMap(([field, messages]) =>
      messages.map((m) => `${names[field] ?? field}${names[field] === "" ? "" : ": "}${m}`));
    box.textContent = lines.length ? lines.join(" ") : detail;
  }

  showConflict(message, onReload) {
    const box = this.root.querySelector("#ann-error");
    if (!box) return;
    box.replaceChildren(
      document.createTextNode(`${message} Your change was not saved. `),
      el("button", { type: "button", class: "secondary", text: "Reload the annotation" }),
    );
    box.querySelector("button").addEventListener("click", onReload);
  }

  #keydown(event) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      this.onCancel();
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.#submit();
      return;
    }
    const typing = event.target.tagName === "TEXTAREA" || (event.target.tagName === "INPUT" && event.target.type !== "checkbox");
    if (!typing && /^[1-9]$/.test(event.key) && !event.ctrlKey && !event.altKey && !event.metaKey) {
      const box = this.root.querySelectorAll("input[name=tags]")[Number(event.key) - 1];
      if (box) {
        event.preventDefault();
        box.checked = !box.checked;
        box.focus();
      }
    }
  }
}
