/* Every page: after a refused form the page opens at its error, not at the top. The summary
 * (or else the first field marked with an error) is scrolled into view and focused, so a phone
 * shows it and a screen reader reads it (the summary is role=alert). Without this script the
 * errors are still on the page, next to their fields. */
(function () {
  "use strict";

  function firstError() {
    var summary = document.querySelector("[data-form-alert]");
    if (summary) {
      return summary;
    }
    var marked = document.querySelector(".field-error");
    if (!marked) {
      return null;
    }
    return marked.querySelector("input:not([type=hidden]), textarea, select") || marked;
  }

  function show() {
    var target = firstError();
    if (!target) {
      return;
    }
    if (!target.hasAttribute("tabindex") && !/^(INPUT|TEXTAREA|SELECT|BUTTON|A)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
})();
