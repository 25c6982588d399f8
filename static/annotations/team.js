// The team page (owners): the tag vocabulary (create, edit, reorder, delete), blind mode for the
// team and per article, and the members' roles, all through the API, which checks the role
// again. Every change is reported on the status line (a live region). User text is set with
// textContent only.

import { api, ApiError } from "./api.js";
import { wireBlindToggles } from "./blindtoggle.js";

const teamId = JSON.parse(document.getElementById("team-id").textContent);
const status = document.getElementById("team-status");
const tagList = document.getElementById("tag-list");
const tagError = document.getElementById("tag-error");
const memberError = document.getElementById("member-error");

function say(text) {
  status.textContent = text;
}

function describe(err) {
  return err instanceof ApiError ? err.describe() : String(err);
}

wireBlindToggles(say);

// --- the team's blind-mode default ------------------------------------------------------

const blindDefault = document.getElementById("blind-default");
if (blindDefault) {
  const error = document.getElementById("blind-default-error");
  blindDefault.addEventListener("change", async () => {
    const wanted = blindDefault.checked;
    blindDefault.disabled = true;
    error.textContent = "";
    try {
      const { data } = await api("PATCH", `/api/teams/${teamId}/`, { body: { blind_default: wanted } });
      blindDefault.checked = Boolean(data.blind_default);
      say(data.blind_default ? "New articles now start blind." : "New articles no longer start blind.");
    } catch (err) {
      blindDefault.checked = !wanted;
      error.textContent = describe(err);
    } finally {
      blindDefault.disabled = false;
      blindDefault.focus();
    }
  });
}

// --- the team's re-fetch schedule (silent edits) ------------------------------------------

const refetchForm = document.getElementById("refetch-form");
if (refetchForm) {
  const input = document.getElementById("refetch-hours");
  const error = document.getElementById("refetch-error");
  refetchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const words = input.value.split(/[\s,]+/).filter(Boolean);
    const hours = words.map(Number);
    if (hours.some((h) => !Number.isInteger(h))) {
      error.textContent = "Give whole numbers of hours, separated by commas.";
      input.setAttribute("aria-invalid", "true");
      return;
    }
    try {
      const { data } = await api("PATCH", `/api/teams/${teamId}/`, { body: { refetch_hours: hours } });
      input.value = data.refetch_hours.join(", ");
      input.removeAttribute("aria-invalid");
      say(data.refetch_hours.length ? `Articles are now fetched again ${data.refetch_hours.join(", ")} hours after import.` : "Articles are no longer fetched again.");
    } catch (err) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = describe(err);
    }
  });
}

// --- tags ----------------------------------------------------------------------------------

function tagFields(form) {
  return {
    name: form.elements.name.value,
    colour: form.elements.colour.value,
    kind: form.elements.kind.value,
    description: form.elements.description.value,
  };
}

function option(value, label, selected) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = label;
  element.selected = selected;
  return element;
}

function button(text, label, data = {}, type = "button") {
  const element = document.createElement("button");
  element.type = type;
  element.textContent = text;
  if (label) element.setAttribute("aria-label", label);
  Object.assign(element.dataset, data);
  return element;
}

function labelled(hidden, control, grow = false) {
  const label = document.createElement("label");
  if (grow) label.className = "grow";
  const span = document.createElement("span");
  span.className = "visually-hidden";
  span.textContent = hidden;
  label.append(span, control);
  return label;
}

// A new tag's row, built like the server's.
function tagItem(tag, kinds) {
  const li = document.createElement("li");
  li.className = "tag-item";
  li.dataset.tag = tag.id;
  li.dataset.position = tag.position;
  li.style.setProperty("--tag", tag.colour);
  const form = document.createElement("form");
  form.className = "tag-form";
  form.dataset.tagForm = tag.id;
  const colour = Object.assign(document.createElement("input"), { type: "color", name: "colour", value: tag.colour.toLowerCase() });
  const name = Object.assign(document.createElement("input"), { name: "name", value: tag.name, maxLength: 60, required: true });
  const kind = document.createElement("select");
  kind.name = "kind";
  for (const [value, label] of kinds) kind.append(option(value, label, value === tag.kind));
  const description = Object.assign(document.createElement("input"), {
    name: "description", value: tag.description || "", maxLength: 300, placeholder: "Description",
  });
  const actions = document.createElement("span");
  actions.className = "tag-actions";
  actions.append(
    button("↑", `Move ${tag.name} up`, { move: "-1" }),
    button("↓", `Move ${tag.name} down`, { move: "1" }),
    button("Save", "", {}, "submit"),
    button("Delete", `Delete ${tag.name}`, { delete: "" }),
  );
  form.append(
    labelled(`Colour of ${tag.name}`, colour), labelled(`Name of ${tag.name}`, name),
    labelled(`Kind of ${tag.name}`, kind), labelled(`Description of ${tag.name}`, description, true), actions,
  );
  li.append(form);
  return li;
}

function renameLabels(item, name) {
  for (const [selector, text] of [["[data-move='-1']", `Move ${name} up`], ["[data-move='1']", `Move ${name} down`], ["[data-delete]", `Delete ${name}`]]) {
    item.querySelector(selector)?.setAttribute("aria-label", text);
  }
  const hidden = item.querySelectorAll("label > .visually-hidden");
  ["Colour", "Name", "Kind", "Description"].forEach((what, i) => { if (hidden[i]) hidden[i].textContent = `${what} of ${name}`; });
}

if (tagList) {
  tagList.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-tag-form]");
    if (!form) return;
    event.preventDefault();
    tagError.textContent = "";
    const item = form.closest("li");
    try {
      const { data } = await api("PATCH", `/api/tags/${item.dataset.tag}/`, { body: tagFields(form) });
      item.style.setProperty("--tag", data.colour);
      form.elements.name.value = data.name;
      renameLabels(item, data.name);
      say(`Tag “${data.name}” saved.`);
    } catch (err) {
      tagError.textContent = describe(err);
      tagError.focus();
    }
  });

  tagList.addEventListener("click", async (event) => {
    const item = event.target.closest("li.tag-item");
    if (!item) return;
    const name = item.querySelector("input[name=name]")?.value || "";
    if (event.target.closest("[data-delete]")) {
      tagError.textContent = "";
      try {
        await api("DELETE", `/api/tags/${item.dataset.tag}/`);
        item.remove();
        say(`Tag “${name}” deleted.`);
      } catch (err) {
        tagError.textContent = describe(err);
        tagError.focus();
      }
      return;
    }
    const move = event.target.closest("[data-move]");
    if (move) await moveTag(item, Number(move.dataset.move), move);
  });
}

// Moving a tag renumbers the list (0, 10, 20 ...) and saves the positions that changed.
async function moveTag(item, step, control) {
  const items = [...tagList.children];
  const from = items.indexOf(item);
  const to = from + step;
  if (to < 0 || to >= items.length) return;
  tagError.textContent = "";
  items.splice(from, 1);
  items.splice(to, 0, item);
  const changed = items
    .map((li, index) => ({ li, position: index * 10 }))
    .filter(({ li, position }) => Number(li.dataset.position) !== position);
  try {
    for (const { li, position } of changed) {
      await api("PATCH", `/api/tags/${li.dataset.tag}/`, { body: { position } });
      li.dataset.position = position;
    }
    tagList.append(...items);
    control.focus();
    const name = item.querySelector("input[name=name]").value;
    say(`“${name}” moved to place ${to + 1} of ${items.length}.`);
  } catch (err) {
    tagError.textContent = describe(err);
  }
}

const newTag = document.getElementById("new-tag-form");
if (newTag) {
  const kinds = [...newTag.elements.kind.options].map((o) => [o.value, o.textContent]);
  newTag.addEventListener("submit", async (event) => {
    event.preventDefault();
    tagError.textContent = "";
    const last = tagList.lastElementChild;
    const position = last ? Number(last.dataset.position) + 10 : 0;
    try {
      const { data } = await api("POST", "/api/tags/", { body: { team: teamId, position, ...tagFields(newTag) } });
      tagList.append(tagItem(data, kinds));
      newTag.reset();
      say(`Tag “${data.name}” added.`);
    } catch (err) {
      tagError.textContent = describe(err);
      tagError.focus();
    }
  });
}

// --- members -------------------------------------------------------------------------------

const memberList = document.getElementById("member-list");
const memberForm = document.getElementById("member-form");

function memberRow(membership, roles) {
  const tr = document.createElement("tr");
  tr.dataset.membership = membership.id;
  const who = document.createElement("td");
  const sub = document.createElement("span");
  sub.className = "sub";
  sub.textContent = membership.user.username;
  who.append(`${membership.user.name} `, sub);
  const roleCell = document.createElement("td");
  const select = document.createElement("select");
  select.dataset.role = "";
  select.setAttribute("aria-label", `Role of ${membership.user.username}`);
  for (const [value, label] of roles) select.append(option(value, label, value === membership.role));
  roleCell.append(select);
  const action = document.createElement("td");
  action.append(button("Remove", `Remove ${membership.user.username}`, { remove: "" }));
  tr.append(who, roleCell, action);
  return tr;
}

if (memberList && memberForm) {
  const roles = [...memberForm.elements.role.options].map((o) => [o.value, o.textContent]);

  memberList.addEventListener("change", async (event) => {
    const select = event.target.closest("select[data-role]");
    if (!select) return;
    const row = select.closest("tr");
    const username = row.querySelector(".sub").textContent;
    const previous = [...select.options].find((o) => o.defaultSelected)?.value;
    memberError.textContent = "";
    select.disabled = true;
    try {
      const { data } = await api("PATCH", `/api/memberships/${row.dataset.membership}/`, { body: { role: select.value } });
      for (const o of select.options) o.defaultSelected = o.value === data.role;
      say(`${username} is now ${select.selectedOptions[0].textContent.toLowerCase()}.`);
    } catch (err) {
      if (previous) select.value = previous;
      memberError.textContent = describe(err);
    } finally {
      select.disabled = false;
      select.focus();
    }
  });

  memberList.addEventListener("click", async (event) => {
    const remove = event.target.closest("[data-remove]");
    if (!remove) return;
    const row = remove.closest("tr");
    const username = row.querySelector(".sub").textContent;
    memberError.textContent = "";
    try {
      await api("DELETE", `/api/memberships/${row.dataset.membership}/`);
      row.remove();
      say(`${username} was removed from the team.`);
    } catch (err) {
      memberError.textContent = describe(err);
    }
  });

  memberForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    memberError.textContent = "";
    const body = { team: teamId, username: memberForm.elements.username.value.trim(), role: memberForm.elements.role.value };
    try {
      const { data } = await api("POST", "/api/memberships/", { body });
      const existing = memberList.querySelector(`tr[data-membership="${data.id}"]`);
      const row = memberRow(data, roles);
      if (existing) existing.replaceWith(row);
      else memberList.tBodies[0].append(row);
      memberForm.reset();
      say(`${data.user.username} is a member, as ${data.role}.`);
    } catch (err) {
      memberError.textContent = describe(err);
      memberForm.elements.username.focus();
    }
  });
}

// The controls answer from here on (the browser tests wait for it).
document.documentElement.dataset.teamReady = "true";
