// The team switcher submits on change (was an inline onchange attribute, which the
// Content-Security-Policy forbids). Without scripts, its <noscript> button submits.
const select = document.getElementById("team-switch");
select?.addEventListener("change", () => select.form.requestSubmit());
