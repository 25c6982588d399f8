// "Already assessed": when an analyst saves or accepts a claim that joins a claim cluster the
// team has assessed before, the popover says so, shows that assessment and offers to adopt it
// in one action (POST /api/annotations/<id>/claim/adopt/). Claims only; nothing when the new
// claim is already assessed, or when the cluster has no assessment yet.

import { api, ApiError } from "./api.js";
import { el } from "./dom.js";
import { truncate } from "./sidebar.js";

const LABELS = {
  unverified: "Unverified", supported: "Supported", disputed: "Disputed", false: "False", misleading: "Misleading",
};
const STRENGTHS = { asserted: "asserted", attributed: "attributed", hedged: "hedged", unverified: "an unverified report" };

const isClaim = (annotation) => annotation.tags.some((t) => t.kind === "claim");

/**
 * After `annotation` was created or accepted: look up its cluster; when the team assessed it
 * before, show the notice in the form's popover next to `rect`. `onAdopted(updated)` receives
 * the annotation after adoption; `say(message)` reports.
 */
export async function offerAssessment({ form, annotation, rect, onAdopted, say }) {
  if (!isClaim(annotation) || annotation.assessment !== "unverified") return;
  let info;
  try {
    ({ data: info } = await api("GET", `/api/annotations/${annotation.id}/claim/`));
  } catch {
    return; // not clustered (yet): nothing to say
  }
  const earlier = info.assessed;
  if (!earlier || form.isOpen) return;
  const label = LABELS[earlier.assessment] || earlier.assessment;
  const seen = Math.max(1, info.appearances - 1); // the other appearances
  const adopt = el("button", { type: "button", class: "primary", text: `Adopt “${label}”`, "data-adopt-assessment": "" });
  const dismiss = el("button", { type: "button", class: "secondary", text: "Keep unverified" });
  const error = el("p", { class: "error", role: "alert" });
  const where = [earlier.outlet, earlier.article_title && `“${truncate(earlier.article_title, 60)}”`].filter(Boolean).join(", ");
  const box = el("section", { class: "already-assessed", "data-already-assessed": "" },
    el("h2", { id: "popover-title", text: "Already assessed" }),
    el("p", { text: `This claim joins one your team has seen ${seen} time${seen === 1 ? "" : "s"} before: “${truncate(info.canonical, 140)}”.` }),
    el("p", {}, "Earlier assessment: ", el("span", { class: `badge assess-${earlier.assessment}`, text: label }), where ? ` in ${where}` : ""),
    earlier.comment ? el("blockquote", { class: "quote", text: truncate(earlier.comment, 240) }) : "",
    el("p", { class: "hint", text: `Here it is ${STRENGTHS[info.strength] || info.strength}.` }),
    error,
    el("div", { class: "actions" }, adopt, dismiss, el("a", { href: `/claims/${info.cluster}/`, text: "Open the claim" })));
  form.root.replaceChildren(box);
  form.root.hidden = false;
  form.place(rect);
  adopt.focus();
  dismiss.addEventListener("click", () => form.close());
  adopt.addEventListener("click", async () => {
    adopt.disabled = true;
    try {
      const { data: updated } = await api("POST", `/api/annotations/${annotation.id}/claim/adopt/`);
      form.close();
      onAdopted(updated);
      say(`Assessment adopted: ${label}.`);
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.describe() : e.message;
      adopt.disabled = false;
    }
  });
}
