// The entity page: the entity card's corrections, for the entity ("Correct this entity…":
// kind, merge) and for each mention listed ("Correct…": reject, link, split, kind, merge).
// After a correction the page is read again (or, after a merge, the surviving entity's page).

import { EntityCard } from "./entitycard.js";

const data = JSON.parse(document.getElementById("entity-data").textContent);

const card = new EntityCard(document.getElementById("entity-card"), {
  onChanged: ({ action, into }) => {
    if (action === "merge") window.location.assign(`/entities/${into.id}/`);
    else window.location.reload();
  },
});

document.querySelector("[data-correct-entity]")?.addEventListener("click", (event) => {
  const button = event.currentTarget;
  card.open({ entityId: data.id, passage: button, returnFocus: button });
});

for (const button of document.querySelectorAll("[data-correct-mention]")) {
  button.addEventListener("click", () => {
    card.open({
      entityId: data.id,
      mention: { id: Number(button.dataset.correctMention), text: button.dataset.text },
      passage: button,
      returnFocus: button,
    });
  });
}

document.documentElement.dataset.ready = "true";
