// Progressive enhancement only: every page works without this file.
// 1. Action forms ask for confirmation (the server also requires the "confirm" box).
// 2. Filter selects submit their form on change.
document.addEventListener("submit", (e) => {
  const form = e.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
});
document.addEventListener("change", (e) => {
  const el = e.target;
  if (el instanceof HTMLSelectElement && el.form && el.form.classList.contains("filters")) el.form.requestSubmit();
});
