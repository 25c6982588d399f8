// The header's disclosure menus (Corpus, the account menu): a button with aria-expanded that
// shows and hides a list of links. Enter/Space on the button opens it (a button's own click),
// ArrowDown/ArrowUp also open it and move between its items, Home/End jump, Escape closes it
// and returns focus to the button, Tab leaving the menu or a click outside closes it.
// Any element with [data-menu] holding a button[aria-controls] works: a new link is one <li>.

const menus = [...document.querySelectorAll("[data-menu]")];

function parts(menu) {
  const button = menu.querySelector("button[aria-controls]");
  const panel = button && document.getElementById(button.getAttribute("aria-controls"));
  return { button, panel };
}

function items(panel) {
  return [...panel.querySelectorAll("a[href], button:not([disabled])")];
}

function close(menu, { focus = false } = {}) {
  const { button, panel } = parts(menu);
  if (!panel || panel.hidden) return;
  panel.hidden = true;
  button.setAttribute("aria-expanded", "false");
  if (focus) button.focus();
}

function open(menu, { focusItem = null } = {}) {
  const { button, panel } = parts(menu);
  if (!panel) return;
  for (const other of menus) if (other !== menu) close(other);
  panel.hidden = false;
  button.setAttribute("aria-expanded", "true");
  const list = items(panel);
  if (focusItem === "first") list[0]?.focus();
  if (focusItem === "last") list.at(-1)?.focus();
}

function move(panel, step) {
  const list = items(panel);
  if (!list.length) return;
  const at = list.indexOf(document.activeElement);
  const next = at === -1 ? (step > 0 ? 0 : list.length - 1) : (at + step + list.length) % list.length;
  list[next].focus();
}

for (const menu of menus) {
  const { button, panel } = parts(menu);
  if (!button || !panel) continue;
  button.addEventListener("click", () => (panel.hidden ? open(menu) : close(menu)));
  menu.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const onButton = event.target === button;
    let handled = true;
    if (event.key === "Escape" && !panel.hidden) close(menu, { focus: true });
    else if (event.key === "ArrowDown") panel.hidden ? open(menu, { focusItem: "first" }) : move(panel, 1);
    else if (event.key === "ArrowUp") panel.hidden ? open(menu, { focusItem: "last" }) : move(panel, -1);
    else if ((event.key === "Home" || event.key === "End") && !panel.hidden && !onButton)
      items(panel)[event.key === "Home" ? 0 : items(panel).length - 1]?.focus();
    else handled = false;
    if (handled) {
      // The page's own shortcuts (keyboard.js) skip a handled key.
      event.preventDefault();
      event.stopPropagation();
    }
  });
  // Tab (or a click) taking focus out of the menu closes it.
  menu.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !menu.contains(event.relatedTarget)) close(menu);
  });
}

document.addEventListener("click", (event) => {
  for (const menu of menus) if (!menu.contains(event.target)) close(menu);
});
