// The watchlists page: create a watchlist (a saved search or an entity), rename, pause or
// resume, opt in or out of the digest, and delete, through /api/watchlists/.
import { api, ApiError } from "./api.js";

const form = document.getElementById("watch-form");
const error = document.getElementById("watch-error");
const body = document.querySelector("#watch-list tbody");
const empty = document.getElementById("watch-empty");
const SINGLE = new Set(["published_from", "published_to"]);

function show(e) {
  error.textContent = e instanceof ApiError ? e.describe() : e.message;
  error.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const payload = {
    name: form.elements.name.value,
    team: form.elements.team.value ? Number(form.elements.team.value) : null,
    email_digest: form.elements.email_digest.checked,
  };
  const entity = form.querySelector("input[name=entity_id]");
  if (entity) {
    payload.entities = [Number(entity.value)];
  } else {
    payload.query = form.elements.query.value;
    const params = {};
    for (const input of form.querySelectorAll("input[data-param]")) {
      const name = input.dataset.param;
      if (SINGLE.has(name)) params[name] = input.value;
      else (params[name] ||= []).push(input.value);
    }
    payload.params = params;
  }
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    await api("POST", "/api/watchlists/", { body: payload });
    window.location.assign("/watchlists/");
  } catch (e) {
    show(e);
    submit.disabled = false;
  }
});

async function patch(row, changes) {
  const { data, etag } = await api("PATCH", `/api/watchlists/${row.dataset.id}/`, {
    body: changes,
    ifMatch: row.dataset.version,
  });
  row.dataset.version = etag ?? data.version;
  return data;
}

function relabel(row) {
  const name = row.querySelector("[data-name]").textContent;
  const pause = row.querySelector("[data-pause]");
  pause?.setAttribute("aria-label", `${pause.textContent} ${name}`);
  row.querySelector("[data-rename]")?.setAttribute("aria-label", `Rename ${name}`);
  row.querySelector("[data-delete]")?.setAttribute("aria-label", `Delete ${name}`);
  row.querySelector("[data-digest]")?.setAttribute("aria-label", `E-mail digest for ${name}`);
}

function setPaused(row, paused) {
  row.dataset.paused = String(paused);
  row.classList.toggle("paused", paused);
  row.querySelector("[data-pause]").textContent = paused ? "Resume" : "Pause";
  relabel(row);
  let badge = row.querySelector("[data-paused-badge]");
  if (paused && !badge) {
    badge = Object.assign(document.createElement("span"), { className: "badge", textContent: "paused" });
    badge.dataset.pausedBadge = "";
    row.querySelector(".watch-name").append(" ", badge);
  } else if (!paused && badge) {
    badge.remove();
  }
}

function startRename(row) {
  const cell = row.querySelector(".watch-name");
  const nameEl = cell.querySelector("[data-name]");
  if (cell.querySelector("input")) return;
  const input = Object.assign(document.createElement("input"), { value: nameEl.textContent, maxLength: 200 });
  input.setAttribute("aria-label", "New name");
  nameEl.hidden = true;
  cell.prepend(input);
  input.focus();
  input.select();
  let finishing = false;
  const finish = async (save) => {
    if (finishing) return; // Enter, then the blur that removing the box causes
    finishing = true;
    if (save && input.value.trim() && input.value !== nameEl.textContent) {
      try {
        const data = await patch(row, { name: input.value });
        nameEl.textContent = data.name;
        relabel(row);
      } catch (e) {
        show(e);
        finishing = false;
        return;
      }
    }
    input.remove();
    nameEl.hidden = false;
    row.querySelector("[data-rename]").focus();
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") finish(true);
    if (event.key === "Escape") {
      event.stopPropagation();
      finish(false);
    }
  });
  input.addEventListener("blur", () => finish(true));
}

body.addEventListener("click", async (event) => {
  const row = event.target.closest("tr[data-id]");
  if (!row) return;
  error.textContent = "";
  if (event.target.closest("[data-rename]")) {
    startRename(row);
    return;
  }
  const pause = event.target.closest("[data-pause]");
  if (pause) {
    pause.disabled = true;
    try {
      const data = await patch(row, { paused: row.dataset.paused !== "true" });
      setPaused(row, data.paused);
    } catch (e) {
      show(e);
    } finally {
      pause.disabled = false;
    }
    return;
  }
  const del = event.target.closest("[data-delete]");
  if (del) {
    if (!del.dataset.confirm) {
      del.dataset.confirm = "1";
      del.textContent = "Confirm delete";
      return;
    }
    del.disabled = true;
    try {
      await api("DELETE", `/api/watchlists/${row.dataset.id}/`, { ifMatch: row.dataset.version });
      row.remove();
      empty.hidden = body.rows.length > 0;
    } catch (e) {
      show(e);
      del.disabled = false;
    }
  }
});

body.addEventListener("change", async (event) => {
  const box = event.target.closest("[data-digest]");
  if (!box) return;
  const row = box.closest("tr[data-id]");
  try {
    await patch(row, { email_digest: box.checked });
  } catch (e) {
    box.checked = !box.checked;
    show(e);
  }
});
