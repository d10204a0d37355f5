// The staff screens' one script (a static file: the Content-Security-Policy allows no inline
// script). Loaded with `defer` by jinja2/base.html.
//
// - An error summary (`.error-summary`, the error_summary macro of jinja2/_forms.html) takes the
//   focus when the page shows it, so that a screen reader reads it and the keyboard starts there;
//   its links move the focus to their field (not only scroll to it).
// - A button or form carrying data-confirm="…" asks that question before it sends the form.
(function () {
  "use strict";

  function focusSummary(root) {
    var summary = (root || document).querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      // A group of radios or checkboxes: its first control.
      var control = field.matches("input, select, textarea, button") ? field : field.querySelector("input, select, textarea");
      (control || field).focus();
    }
  });

  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusSummary(document); });
  } else {
    focusSummary(document);
  }
  // A form replaced by htmx shows its new summary the same way.
  document.addEventListener("htmx:afterSwap", function (event) { focusSummary(event.target); });
})();
