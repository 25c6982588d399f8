// GET filter forms: leave empty fields out of the URL, so links stay short and shareable.

for (const form of document.querySelectorAll("form[data-filter-form]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (typeof value === "string" && value.trim() !== "") params.append(name, value.trim());
    }
    const query = params.toString();
    window.location.assign(form.action.split("?")[0] + (query ? `?${query}` : ""));
  });
}
