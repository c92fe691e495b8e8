// Personal links: the "copy" button of the page that shows a newly issued link once.
// A static file, since the Content Security Policy allows no inline script.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field) continue;
    field.addEventListener("focus", () => field.select());
    button.addEventListener("click", async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
      } catch {
        // No clipboard API (plain http, old phone): the text stays selected to copy by hand.
        return;
      }
      button.textContent = button.dataset.copied;
    });
  }
});
