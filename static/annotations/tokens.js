// The API tokens page: create a token (its key is shown once) and revoke tokens, through the API.
import { api, ApiError } from "./api.js";

const form = document.getElementById("token-form");
const error = document.getElementById("token-error");
const created = document.getElementById("token-created");
const body = document.querySelector("#token-list tbody");
const empty = document.getElementById("token-empty");

function cell(...children) {
  const td = document.createElement("td");
  td.append(...children);
  return td;
}

function when(iso, withTime) {
  if (!iso) return "never";
  const time = document.createElement("time");
  time.dateTime = iso;
  const date = new Date(iso);
  time.textContent = withTime ? date.toLocaleString() : date.toLocaleDateString();
  return time;
}

function row(token) {
  const tr = document.createElement("tr");
  tr.dataset.id = token.id;
  const code = document.createElement("code");
  code.textContent = `${token.hint}…`;
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.revoke = token.id;
  button.setAttribute("aria-label", `Revoke ${token.name}`);
  button.textContent = "Revoke";
  tr.append(cell(token.name), cell(code), cell(when(token.created_at)), cell(when(token.expires_at)),
    cell(when(token.last_used_at, true)), cell(button));
  return tr;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const days = form.elements.expiry.value;
  const expires_at = days ? new Date(Date.now() + Number(days) * 86400000).toISOString() : null;
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const { data } = await api("POST", "/api/tokens/", { body: { name: form.elements.name.value, expires_at } });
    document.getElementById("token-created-name").textContent = data.name;
    document.getElementById("token-key").textContent = data.key;
    created.hidden = false;
    body.prepend(row(data));
    empty.hidden = true;
    form.reset();
  } catch (e) {
    error.textContent = e instanceof ApiError ? e.describe() : e.message;
    error.focus();
  } finally {
    submit.disabled = false;
  }
});

body.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-revoke]");
  if (!button) return;
  button.disabled = true;
  try {
    await api("DELETE", `/api/tokens/${button.dataset.revoke}/`);
    button.closest("tr").remove();
    empty.hidden = body.rows.length > 0;
  } catch (e) {
    error.textContent = e instanceof ApiError ? e.describe() : e.message;
    button.disabled = false;
  }
});
