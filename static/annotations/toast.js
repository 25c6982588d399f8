// One status component for every page: a visible toast (bottom of the window) that also speaks
// through an aria-live region for screen readers. toast("Suggestion rejected.", {undo}) offers
// an Undo button; the page's `u` key calls the same undo while the offer stands.

import { el } from "./dom.js";

const SHOW_MS = 6000;
const UNDO_MS = 12000;

let region = null; // the aria-live region
let box = null; // the visible toast
let timer = 0;
let undoOffer = null; // {run, label} while an undo is on offer

function ensure() {
  if (box) return;
  region = document.getElementById("live") || document.body.appendChild(
    el("div", { id: "live", class: "visually-hidden", "aria-live": "polite" }));
  box = el("div", { class: "toast", id: "toast", hidden: true });
  document.body.append(box);
}

function hide() {
  clearTimeout(timer);
  undoOffer = null;
  if (box) box.hidden = true;
}

/** Say what happened: `message` on screen and to screen readers. kind: "info" or "error".
 * `quiet`: to screen readers only, when something else on screen says it already. */
export function toast(message, { undo = null, kind = "info", quiet = false } = {}) {
  ensure();
  if (quiet) {
    region.textContent = "";
    requestAnimationFrame(() => { region.textContent = message; });
    return;
  }
  clearTimeout(timer);
  undoOffer = undo;
  const parts = [el("span", { class: "toast-text", text: message })];
  if (undo) {
    parts.push(el("button", {
      type: "button", class: "toast-undo", text: "Undo", title: "Undo (u)", onclick: () => runUndo(),
    }));
  }
  parts.push(el("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", text: "×", onclick: hide }));
  box.replaceChildren(...parts);
  box.className = `toast toast-${kind}`;
  box.hidden = false;
  region.textContent = "";
  requestAnimationFrame(() => { region.textContent = undo ? `${message} Press u to undo.` : message; });
  timer = setTimeout(hide, undo ? UNDO_MS : SHOW_MS);
}

/** Run the undo on offer (the `u` key); false when there is none. */
export function runUndo() {
  const offer = undoOffer;
  if (!offer) return false;
  hide();
  offer();
  return true;
}
