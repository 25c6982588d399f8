// Placing a floating box (the annotation form, the preview card, the entity card) next to a
// passage of the text so that it lies inside the viewport and does not cover the passage:
// below it if it fits, else above, else beside it (over the margin or the sidebar), else on
// the side with more room, shortened to that room (the box scrolls inside). Boxes are position: absolute, in page coordinates.

const MARGIN = 8; // between the box and the viewport's edges
const MIN_HEIGHT = 160; // a box shortened below this would be useless: cover the passage instead

/** The bounding rectangle of a Range or DOMRect-like value, in viewport coordinates. */
export function rectOf(target) {
  return typeof target?.getBoundingClientRect === "function" ? target.getBoundingClientRect() : target;
}

/**
 * Put `box` next to `rect` (viewport coordinates of the passage) inside the viewport.
 * Returns "below", "above", "right", "left" or "over" (when no side had room and the box
 * covers part of the passage).
 */
export function placeBeside(box, rect, { gap = 8 } = {}) {
  box.style.maxHeight = "";
  const viewWidth = document.documentElement.clientWidth;
  const viewHeight = window.innerHeight;
  const width = Math.min(box.offsetWidth, viewWidth - 2 * MARGIN);
  const natural = box.offsetHeight;
  const tallest = viewHeight - 2 * MARGIN;
  const top = Math.max(rect.top, 0);
  const bottom = Math.min(rect.bottom, viewHeight);
  const below = viewHeight - bottom - gap - MARGIN;
  const above = top - gap - MARGIN;
  const right = viewWidth - rect.right - gap - MARGIN;
  const left = rect.left - gap - MARGIN;
  let x = rect.left;
  let y;
  let side;
  let room = null;
  if (natural <= below) {
    [y, side] = [bottom + gap, "below"];
  } else if (natural <= above) {
    [y, side] = [top - gap - natural, "above"];
  } else if (width <= right || width <= left) {
    // No room above or below (a tall box, a long passage): beside it, over the margin or the
    // sidebar, as tall as the window allows.
    side = width <= right ? "right" : "left";
    x = side === "right" ? rect.right + gap : rect.left - gap - width;
    room = tallest;
    y = Math.min(Math.max(MARGIN, top), viewHeight - MARGIN - Math.min(natural, room));
  } else if (Math.max(below, above) >= MIN_HEIGHT) {
    side = below >= above ? "below" : "above";
    room = side === "below" ? below : above;
    y = side === "below" ? bottom + gap : MARGIN;
  } else {
    // The passage fills the screen: keep the whole box in view, over the text.
    side = "over";
    room = tallest;
    y = Math.max(MARGIN, viewHeight - MARGIN - Math.min(natural, room));
  }
  if (room !== null && natural > room) box.style.maxHeight = `${Math.floor(room)}px`;
  x = Math.max(MARGIN, Math.min(x, viewWidth - width - MARGIN));
  box.style.left = `${x + window.scrollX}px`;
  box.style.top = `${y + window.scrollY}px`;
  return side;
}
