// el(): the pages' one DOM builder. Text goes in as text nodes, never parsed as HTML, so user
// data is safe in `text` and in string children.

// Content attributes whose property has another name or cannot be written.
const ATTRIBUTES = new Set(["for", "form", "list", "role", "style", "tabindex"]);

/**
 * el("button", {type: "button", class: "primary", text: "Save", onclick}, ...children)
 *
 * Props (null and undefined are left out):
 * - `text`: the text content; `class`: the class attribute; `dataset`: {key: value} as data-*;
 * - `on<event>` with a function: an event listener;
 * - `aria-*`: an attribute, false included (`"aria-pressed": false` writes "false");
 * - any other name with a dash (`data-*`), and for, form, list, role, style, tabindex: an
 *   attribute; true writes it empty, false leaves it out;
 * - anything else is a property (id, type, value, href, title, checked, selected, disabled,
 *   rows, maxLength, ...); false leaves it at its default.
 * Children: nodes, or strings and numbers as text; null, undefined and false are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key.startsWith("aria-")) node.setAttribute(key, String(value));
    else if (value === false) continue;
    else if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key.includes("-") || ATTRIBUTES.has(key)) node.setAttribute(key, value === true ? "" : String(value));
    else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/**
 * "1 version", "2 versions", "0 articles": a count with its noun. English only; give the
 * plural when adding "s" is wrong: plural(n, "reply", "replies").
 */
export function plural(count, one, many = `${one}s`) {
  return `${count.toLocaleString("en")} ${count === 1 ? one : many}`;
}
