// One figure as the reader's sidebar and the figures page list it: its value, what it counts
// and about whom, the words of the article, and for a malformed number ("315,00") its readings
// with a Resolve button (an analyst picks one; POST /api/figures/<id>/resolve/) or, once
// resolved, who picked which and an Undo.
import { api, ApiError } from "./api.js";
import { el } from "./dom.js";

const KINDS = {
  troops: "troops", casualties: "casualties", killed: "killed", wounded: "wounded",
  missiles: "missiles", shells: "shells", drones: "drones", money: "money", tonnes: "tonnes",
  percent: "percent", other: "number",
};

function resolveForm(figure, onChange, status) {
  const name = `reading-${figure.id}`;
  const choices = figure.readings.map((value, i) =>
    el("label", { class: "reading" },
      el("input", { type: "radio", name, value: String(value), checked: i === 0 }),
      ` ${figure.reading_labels[i]}`));
  const button = el("button", { type: "submit", class: "secondary small", text: "Resolve" });
  return el("form", {
    class: "resolve", "aria-label": `Resolve ${figure.text}`,
    onsubmit: async (event) => {
      event.preventDefault();
      const picked = event.currentTarget.querySelector("input:checked");
      if (!picked) return;
      await send(figure, Number(picked.value), button, onChange, status);
    },
  }, el("fieldset", {}, el("legend", { text: "Which number was meant?" }), ...choices), button);
}

async function send(figure, value, button, onChange, status) {
  button.disabled = true;
  status.textContent = "";
  try {
    const { data } = await api("POST", `/api/figures/${figure.id}/resolve/`, { body: { value } });
    onChange(data);
  } catch (e) {
    status.textContent = e instanceof ApiError ? e.describe() : e.message;
    button.disabled = false;
  }
}

/**
 * The <li> of a figure; `onChange(newFigure)` is called after a resolution or an undo;
 * `showArticle` adds the article's title (lists across articles).
 */
export function figureItem(figure, { canResolve, onChange, showArticle = false }) {
  const status = el("p", { class: "field-error", role: "status" });
  const what = [KINDS[figure.kind] || figure.kind, figure.subject_name].filter(Boolean).join(" · ");
  const item = el("li", {
    class: `figure-item${figure.flagged ? " flagged" : ""}${figure.resolved_value !== null ? " resolved" : ""}`,
    dataset: { figure: figure.id },
  },
  el("div", { class: "figure-value" },
    el("strong", { text: figure.value_label }),
    el("span", { class: "figure-kind", text: what }),
    figure.flagged ? el("span", {
      class: "badge flag",
      title: figure.problem === "decimal" ? "A dot where English groups thousands with a comma" : "A misplaced group separator",
      text: figure.resolved_value !== null ? "Resolved" : "Malformed number",
    }) : null),
  el("p", { class: "figure-text" },
    el("a", { href: figure.url, text: `“${figure.text}”`, title: figure.claim ? "Open the claim" : "Open the article" }),
    showArticle ? el("span", { class: "sub", text: ` ${figure.article_title}` }) : null));
  if (figure.flagged && figure.resolved_value === null && canResolve) {
    item.append(resolveForm(figure, onChange, status));
  } else if (figure.flagged && figure.resolved_value !== null) {
    const undo = el("button", {
      type: "button", class: "secondary small", text: "Undo",
      onclick: () => send(figure, null, undo, onChange, status),
    });
    const by = figure.resolved_by ? ` by ${figure.resolved_by.name}` : "";
    item.append(el("p", { class: "resolved-by" },
      `Read as ${figure.value_label}${by} (could be ${figure.reading_labels.join(" or ")}). `,
      canResolve ? undo : null));
  } else if (figure.flagged) {
    item.append(el("p", { class: "small", text: `Could be ${figure.reading_labels.join(" or ")}.` }));
  }
  item.append(status);
  return item;
}
