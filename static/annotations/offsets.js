// The one place where offsets change units. The server (and the W3C TextPositionSelector)
// counts Unicode code points; the DOM counts UTF-16 code units. An emoji outside the Basic
// Multilingual Plane is one code point and two units, so the two drift apart after it.

function isHigh(code) { return code >= 0xd800 && code <= 0xdbff; }
function isLow(code) { return code >= 0xdc00 && code <= 0xdfff; }

/** True when every character is one UTF-16 unit, so both offsets are the same. */
export function isSingleUnit(text) {
  for (let i = 0; i < text.length; i++) if (isHigh(text.charCodeAt(i))) return false;
  return true;
}

/** The UTF-16 offset of code point `cp` in `text`. */
export function cpToUtf16(text, cp) {
  let unit = 0;
  for (let seen = 0; seen < cp && unit < text.length; seen++) {
    unit += isHigh(text.charCodeAt(unit)) && isLow(text.charCodeAt(unit + 1)) ? 2 : 1;
  }
  return unit;
}

/** The code point offset of UTF-16 offset `unit` in `text`. */
export function utf16ToCp(text, unit) {
  let cp = 0;
  for (let i = 0; i < unit && i < text.length; cp++) {
    i += isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
  }
  return cp;
}

/** Length in code points. */
export function cpLength(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
