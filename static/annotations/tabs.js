// WAI-ARIA tabs: arrow keys, Home and End move between tabs (and select them); the URL's hash
// remembers the selected one. Without this script every panel shows, each under its heading.

export function setupTabs(root) {
  const tabs = [...root.querySelectorAll('[role="tab"]')];
  const panelOf = (tab) => document.getElementById(tab.getAttribute("aria-controls"));

  function select(tab, { focus = false, remember = true } = {}) {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      panelOf(other).hidden = !selected;
    }
    if (focus) tab.focus();
    if (remember) history.replaceState(null, "", `#${panelOf(tab).dataset.hash}`);
  }

  root.addEventListener("click", (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (tab && tabs.includes(tab)) select(tab);
  });
  root.querySelector('[role="tablist"]').addEventListener("keydown", (event) => {
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    const moves = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: tabs.length - 1,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    select(tabs[(moves[event.key] + tabs.length) % tabs.length], { focus: true });
  });

  const fromHash = () => tabs.find((tab) => `#${panelOf(tab).dataset.hash}` === window.location.hash);
  window.addEventListener("hashchange", () => {
    const tab = fromHash();
    if (tab) select(tab, { remember: false });
  });
  select(fromHash() || tabs[0], { remember: false });
  root.classList.add("tabs-ready");
}
