// The API's field errors shown next to their inputs; the rest above the form.

function describedBy(input, id, add) {
  const ids = new Set((input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean));
  if (add) ids.add(id);
  else ids.delete(id);
  if (ids.size) input.setAttribute("aria-describedby", [...ids].join(" "));
  else input.removeAttribute("aria-describedby");
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) {
    slot.hidden = true;
    slot.textContent = "";
    const input = form.elements.namedItem(slot.dataset.errorFor);
    if (input instanceof Element) {
      input.removeAttribute("aria-invalid");
      describedBy(input, slot.id, false);
    }
  }
  const general = form.querySelector("[data-form-error]");
  if (general) general.textContent = "";
}

/**
 * Show an ApiError on a form. `aliases` maps API field names to input names
 * (e.g. {html: "file"}); `labels` names fields that have no input (e.g. {team: "Team"}).
 */
export function showErrors(form, error, { aliases = {}, labels = {} } = {}) {
  clearErrors(form);
  const general = [];
  let first = null;
  for (const [field, messages] of Object.entries(error.errors || {})) {
    const text = [].concat(messages).join(" ");
    const name = aliases[field] || field.split(".")[0];
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    const input = form.elements.namedItem(name);
    if (slot && input instanceof Element) {
      slot.textContent = text;
      slot.hidden = false;
      input.setAttribute("aria-invalid", "true");
      describedBy(input, slot.id, true);
      first = first || input;
    } else if (field === "non_field_errors") {
      general.push(text);
    } else {
      general.push(`${labels[field] || field}: ${text}`);
    }
  }
  const box = form.querySelector("[data-form-error]");
  if (box) {
    if (general.length) box.textContent = general.join(" ");
    else if (first) box.textContent = "The import was refused: correct the marked field.";
    else box.textContent = error.message;
  }
  (first || box)?.focus?.();
  if (!first && box) box.scrollIntoView({ block: "nearest" });
}
