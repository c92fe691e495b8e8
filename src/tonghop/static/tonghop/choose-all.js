// "Choose all" for a table of checkboxes: the box with data-choose-all="NAME" ticks or clears
// every checkbox called NAME in its form, and shows a mixed state when only some are ticked.
// Without script the box stays hidden and each unit is chosen by hand.
document.addEventListener("DOMContentLoaded", () => {
  for (const all of document.querySelectorAll("input[data-choose-all]")) {
    const boxes = () =>
      all.form.querySelectorAll(`input[type=checkbox][name="${all.dataset.chooseAll}"]`);
    const sync = () => {
      const ticked = [...boxes()].filter((b) => b.checked).length;
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    };
    all.addEventListener("change", () => {
      for (const box of boxes()) box.checked = all.checked;
      all.indeterminate = false;
    });
    for (const box of boxes()) box.addEventListener("change", sync);
    all.closest("[hidden]")?.removeAttribute("hidden");
  }
});
