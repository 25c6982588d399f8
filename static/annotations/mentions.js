// @mention autocomplete for a reply box: typing "@" and a few letters lists the teammates whose
// username or display name matches; ↑/↓ choose, Enter or Tab insert "@username ", Esc closes.
// The server notifies whoever is mentioned (services/notifications.py); this only helps typing.

import { el } from "./dom.js";

const MAX_SHOWN = 8;
let lists = 0;

/** The "@partial" right before the caret: [start, partial], or null. */
function mentionAt(text, caret) {
  const match = /(?:^|[^\w@])@([\w.+-]{0,30})$/.exec(text.slice(0, caret));
  return match ? [caret - match[1].length - 1, match[1].toLowerCase()] : null;
}

export function matchTeammates(teammates, partial) {
  const starts = [];
  const contains = [];
  for (const user of teammates) {
    const username = user.username.toLowerCase();
    const name = user.name.toLowerCase();
    if (username.startsWith(partial) || name.split(/\s+/).some((w) => w.startsWith(partial))) starts.push(user);
    else if (username.includes(partial) || name.includes(partial)) contains.push(user);
  }
  return [...starts, ...contains].slice(0, MAX_SHOWN);
}

/** Wire the autocomplete to a textarea; call before other keydown listeners are added. */
export function attachMentions(textarea, teammates) {
  const id = `mentions-${++lists}`;
  const list = el("ul", { class: "mention-list", id, role: "listbox", "aria-label": "Teammates to mention", hidden: true });
  textarea.setAttribute("role", "combobox");
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", id);
  textarea.setAttribute("aria-expanded", "false");
  let found = [];
  let chosen = 0;
  let at = null;

  const close = () => {
    list.hidden = true;
    found = [];
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  };
  const draw = () => {
    list.replaceChildren(...found.map((user, i) => el("li", {
      id: `${id}-${i}`, role: "option", "aria-selected": String(i === chosen), "data-username": user.username,
      onmousedown: (event) => { event.preventDefault(); chosen = i; insert(); },
    }, `@${user.username}`, el("span", { class: "muted", text: user.name }))));
    if (!list.isConnected) textarea.after(list); // the textarea may not have been placed at attach time
    list.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
    textarea.setAttribute("aria-activedescendant", `${id}-${chosen}`);
  };
  const insert = () => {
    const user = found[chosen];
    if (!user || !at) return;
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, at[0]);
    const after = textarea.value.slice(caret);
    const mention = `@${user.username} `;
    textarea.value = before + mention + after;
    const position = before.length + mention.length;
    textarea.setSelectionRange(position, position);
    close();
  };

  textarea.addEventListener("input", () => {
    at = mentionAt(textarea.value, textarea.selectionStart);
    found = at ? matchTeammates(teammates, at[1]) : [];
    chosen = 0;
    if (found.length) draw();
    else close();
  });
  textarea.addEventListener("keydown", (event) => {
    if (list.hidden || !found.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      chosen = (chosen + (event.key === "ArrowDown" ? 1 : -1) + found.length) % found.length;
      draw();
    } else if ((event.key === "Enter" && !event.ctrlKey && !event.metaKey) || event.key === "Tab") {
      insert();
    } else if (event.key === "Escape") {
      close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  });
  textarea.addEventListener("blur", () => setTimeout(close, 150));
}
