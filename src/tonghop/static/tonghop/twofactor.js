// Two-step verification: the Print button of the backup codes page (no inline script: CSP).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
