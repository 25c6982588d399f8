// Moving through the article with the keyboard: by paragraph, by sentence, and to the next or
// previous entity mention, annotation or suggestion, from wherever the caret is. A jump puts
// the caret (or, on a mention, the selection) in the text, so Shift+arrows and `a` go on from
// there. Sentences come from the browser's Intl.Segmenter (ICU's sentence rules), not a regex.

import { utf16ToCp } from "./offsets.js";

export class TextNavigator {
  /** index: the page's TextIndex; root: the article text element. */
  constructor(index, root) {
    this.index = index;
    this.root = root;
    this.sentences = null; // code point offsets of sentence starts, computed on first use
  }

  #sentenceStarts() {
    if (this.sentences) return this.sentences;
    const starts = [];
    const segmenter = typeof Intl.Segmenter === "function" ? new Intl.Segmenter("en", { granularity: "sentence" }) : null;
    for (const para of this.index.paras) {
      if (!segmenter) {
        starts.push(para.start);
        continue;
      }
      for (const { index } of segmenter.segment(para.text)) {
        starts.push(para.start + (para.simple ? index : utf16ToCp(para.text, index)));
      }
    }
    this.sentences = [...new Set(starts)].sort((a, b) => a - b);
    return this.sentences;
  }

  /** The caret's code point in the article (a selection's end going forward, its start going
   * back), or null when the selection is elsewhere. */
  caret(delta = 1) {
    const selection = document.getSelection();
    if (!selection || selection.rangeCount === 0 || !this.root.contains(selection.focusNode)) return null;
    const range = selection.getRangeAt(0);
    return delta > 0
      ? this.index.offsetOf(range.endContainer, range.endOffset)
      : this.index.offsetOf(range.startContainer, range.startOffset);
  }

  /** The next (delta 1) or previous (-1) of `points` (sorted code points) from `from`. */
  static step(points, from, delta) {
    if (delta > 0) return points.find((p) => p > from) ?? null;
    for (let i = points.length - 1; i >= 0; i--) if (points[i] < from) return points[i];
    return null;
  }

  paragraph(from, delta) {
    return TextNavigator.step(this.index.paras.map((p) => p.start), from, delta);
  }

  sentence(from, delta) {
    return TextNavigator.step(this.#sentenceStarts(), from, delta);
  }

  /** Put the caret at `start`, or select [start, end); scroll it into view; focus the text. */
  place(start, end = null) {
    const range = this.index.range(start, end ?? start + 1);
    if (!range) return null;
    if (end === null) range.collapse(true);
    this.root.focus({ preventScroll: true });
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    const rect = range.getBoundingClientRect();
    if (rect.top < 80 || rect.bottom > window.innerHeight - 40) {
      window.scrollBy({ top: rect.top - window.innerHeight / 3, behavior: "instant" });
    }
    return range;
  }
}

/** The reader's jumps: each says where it went, or that there is nowhere to go. */
export class Jumps {
  /**
   * nav: a TextNavigator; mentions: the page's [id, start, end, entityId, label] rows;
   * entityName(id); active() -> the current annotation or null; suggestions() -> the pending
   * suggestions shown, in reading order; activate(id); announce(message).
   */
  constructor({ nav, mentions, entityName, active, suggestions, activate, announce }) {
    Object.assign(this, { nav, entityName, active, suggestions, activate, announce });
    this.mentions = [...mentions].sort((a, b) => a[1] - b[1]);
    this.starts = this.mentions.map((m) => m[1]);
  }

  #origin(delta) {
    const caret = this.nav.caret(delta);
    if (caret !== null) return caret;
    const active = this.active();
    if (active) return delta > 0 ? active.start : active.end;
    return delta > 0 ? -1 : Number.MAX_SAFE_INTEGER;
  }

  #nothing(delta, what) {
    this.announce(`No ${delta > 0 ? "next" : "previous"} ${what}.`);
    return true;
  }

  /** unit: "paragraph" or "sentence". */
  move(unit, delta) {
    const from = this.#origin(delta);
    const target = unit === "paragraph" ? this.nav.paragraph(from, delta) : this.nav.sentence(from, delta);
    if (target === null) return this.#nothing(delta, unit);
    this.nav.place(target);
    return true;
  }

  mention(delta) {
    const start = TextNavigator.step(this.starts, this.#origin(delta), delta);
    if (start === null) return this.#nothing(delta, "entity mention");
    const [, , end, entityId] = this.mentions.find((m) => m[1] === start);
    const range = this.nav.place(start, end);
    this.announce(`${this.entityName(entityId) || range?.toString() || "Entity"} (entity).`);
    return true;
  }

  suggestion(delta) {
    const suggestions = this.suggestions();
    if (!suggestions.length) {
      this.announce("No model suggestions shown.");
      return true;
    }
    const from = this.active()?.start ?? this.#origin(delta);
    const list = delta > 0 ? suggestions : [...suggestions].reverse();
    const next = list.find((a) => (delta > 0 ? a.start > from : a.start < from));
    if (!next) return this.#nothing(delta, "suggestion");
    this.activate(next.id);
    return true;
  }
}
