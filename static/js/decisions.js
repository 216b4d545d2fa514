// The decision log: focus the error summary when the filters were refused.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".log-filters [data-autofocus]");
  if (summary) summary.focus();
});
