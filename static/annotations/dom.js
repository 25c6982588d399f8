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

// What sanitisedHtml() keeps: the server's allow-list (annotations/lib/markdown.py).
const SAFE_TAGS = new Set(["P", "BR", "EM", "STRONG", "A", "UL", "OL", "LI", "CODE", "PRE", "BLOCKQUOTE", "S", "HR"]);
const SAFE_ATTRIBUTES = { A: ["href", "title", "rel"], OL: ["start"] };

/**
 * A fragment from HTML that the server rendered from Markdown and sanitised with nh3 (the
 * `*_html` fields: `comment_html`, `text_html`). Never pass user text here. The HTML is parsed
 * in an inert <template> (no script runs, nothing loads), and checked again against the same
 * allow-list: any other element becomes its text, any other attribute goes, links must be
 * http(s) or mailto and open with rel="noopener noreferrer nofollow".
 */
export function sanitisedHtml(html, tag = "div", props = {}) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const walk = (parent) => {
    for (const node of [...parent.childNodes]) {
      if (node.nodeType === Node.TEXT_NODE) continue;
      if (node.nodeType !== Node.ELEMENT_NODE || !SAFE_TAGS.has(node.tagName)) {
        node.replaceWith(document.createTextNode(node.nodeType === Node.ELEMENT_NODE ? node.textContent : ""));
        continue;
      }
      const allowed = SAFE_ATTRIBUTES[node.tagName] || [];
      for (const attribute of [...node.attributes]) {
        if (!allowed.includes(attribute.name)) node.removeAttribute(attribute.name);
      }
      if (node.tagName === "A") {
        if (!/^(https?:|mailto:)/i.test(node.getAttribute("href") || "")) node.removeAttribute("href");
        node.setAttribute("rel", "noopener noreferrer nofollow");
        node.setAttribute("target", "_blank");
      }
      walk(node);
    }
  };
  walk(template.content);
  return el(tag, props, template.content);
}
