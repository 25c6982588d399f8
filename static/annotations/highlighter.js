// Drawing highlights with the CSS Custom Highlight API: Range objects registered in
// CSS.highlights and painted by ::highlight() rules. The article's DOM is never rewritten,
// so 1,000 annotations cost 1,000 Ranges, not 1,000 wrapper elements, and adding or removing
// one never re-renders the text.

import { cpToUtf16, isSingleUnit, utf16ToCp } from "./offsets.js";

/**
 * Code point offsets into the article ⇄ DOM positions. The text is rendered as one <p> per
 * line, each holding one text node, with data-cp = the code point offset of its first
 * character; the "\n" between lines is not drawn.
 */
export class TextIndex {
  constructor(root) {
    this.root = root;
    this.paras = [...root.querySelectorAll("p.para")].map((el) => {
      if (!el.firstChild) el.appendChild(document.createTextNode(""));
      const node = el.firstChild;
      const text = node.data;
      return { el, node, text, start: Number(el.dataset.cp), simple: isSingleUnit(text), length: null };
    });
    for (const para of this.paras) {
      para.length = para.simple ? para.text.length : utf16ToCp(para.text, para.text.length);
    }
    this.byNode = new Map(this.paras.map((p) => [p.node, p]));
    this.byEl = new Map(this.paras.map((p) => [p.el, p]));
  }

  /** The paragraph holding code point `cp` (the last one starting at or before it). */
  paraAt(cp) {
    let lo = 0;
    let hi = this.paras.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.paras[mid].start <= cp) lo = mid;
      else hi = mid - 1;
    }
    return this.paras[lo];
  }

  #position(cp) {
    const para = this.paraAt(cp);
    const local = Math.min(Math.max(cp - para.start, 0), para.length);
    return [para.node, para.simple ? local : cpToUtf16(para.text, local)];
  }

  /** A DOM Range over code points [start, end), or null when out of the text. */
  range(start, end) {
    if (!this.paras.length || end <= start) return null;
    const range = new Range();
    const [startNode, startOffset] = this.#position(start);
    const [endNode, endOffset] = this.#position(end);
    range.setStart(startNode, startOffset);
    range.setEnd(endNode, endOffset);
    return range;
  }

  /** The canonical text between code points [start, end), "\n" between lines included. */
  slice(start, end) {
    let out = "";
    for (const para of this.paras) {
      const paraEnd = para.start + para.length; // where its "\n" stands
      if (paraEnd < start) continue;
      if (para.start >= end) break;
      const from = Math.max(start, para.start) - para.start;
      const to = Math.min(end, paraEnd) - para.start;
      out += para.simple ? para.text.slice(from, to) : [...para.text].slice(from, to).join("");
      if (end > paraEnd) out += "\n";
    }
    return out;
  }

  /** The code point offset of a DOM position inside the article, or null outside it. */
  offsetOf(container, offset) {
    if (!this.root.contains(container)) return null;
    if (container.nodeType === Node.TEXT_NODE) {
      const para = this.byNode.get(container);
      if (!para) return null;
      return para.start + (para.simple ? offset : utf16ToCp(para.text, offset));
    }
    if (container === this.root) {
      if (offset >= this.paras.length) {
        const last = this.paras[this.paras.length - 1];
        return last.start + last.length;
      }
      return this.paras[offset].start;
    }
    const el = container.closest?.("p.para");
    const para = el && this.byEl.get(el);
    if (!para) return null;
    return offset === 0 ? para.start : para.start + para.length;
  }

  /** [start, end) in code points for a DOM Range, or null if it is not in the article. */
  fromRange(range) {
    const start = this.offsetOf(range.startContainer, range.startOffset);
    const end = this.offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    return [start, end];
  }

  /** The code point under the viewport point (x, y), or null. */
  offsetAtPoint(x, y) {
    const caret = document.caretPositionFromPoint?.(x, y);
    if (caret) return this.offsetOf(caret.offsetNode, caret.offset);
    const range = document.caretRangeFromPoint?.(x, y);
    return range ? this.offsetOf(range.startContainer, range.startOffset) : null;
  }
}

/** Named groups of ranges in CSS.highlights, with a generated stylesheet for their colours. */
export class HighlightLayer {
  constructor(prefix) {
    this.prefix = prefix;
    this.groups = new Map(); // name -> Highlight
    this.style = document.createElement("style");
    document.head.appendChild(this.style);
    this.rules = new Map();
  }

  group(name, css, priority = 0) {
    const full = `${this.prefix}-${name}`;
    let highlight = this.groups.get(full);
    if (!highlight) {
      highlight = new Highlight();
      highlight.priority = priority;
      this.groups.set(full, highlight);
      CSS.highlights.set(full, highlight);
    }
    if (css && this.rules.get(full) !== css) {
      this.rules.set(full, css);
      this.style.textContent = [...this.rules].map(([n, rule]) => `::highlight(${n}) { ${rule} }`).join("\n");
    }
    return highlight;
  }

  show(name, visible) {
    const full = `${this.prefix}-${name}`;
    const highlight = this.groups.get(full);
    if (!highlight) return;
    if (visible) CSS.highlights.set(full, highlight);
    else CSS.highlights.delete(full);
  }

  clear(name) {
    this.groups.get(`${this.prefix}-${name}`)?.clear();
  }
}

/** "#rrggbb" -> "rgb(r g b / alpha)", for translucent layers that keep overlaps visible. */
export function translucent(hex, alpha) {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255} ${(n >> 8) & 255} ${n & 255} / ${alpha})`;
}

export function supportsHighlights() {
  return typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight === "function";
}
