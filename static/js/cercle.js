// Cercle's small page script (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  // Focus the error summary when a form comes back with errors (GOV.UK pattern).
  function focusErrors(root) {
    var summary = (root || document).querySelector("[data-autofocus]");
    if (summary) summary.focus();
  }

  // Fill every idempotency-key field that is empty, and give a form a fresh key
  // once its request has finished, so a retry of the same click is deduplicated
  // but the next deliberate action is not.
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { focusErrors(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusErrors(event.target); });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    if (!form || !event.detail.successful) return;
    var key = form.querySelector("input[name=idempotency_key]");
    if (key) key.value = newKey();
  });

  // Ctrl/Cmd+Enter submits the form of a textarea.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });

  // Two-step confirmation: a button with data-confirm-twice asks once more
  // ("Click again to confirm") and submits on a second click within 6 seconds.
  // With data-confirm-missing (a selector of the people who have not answered,
  // each with data-name), it asks only when someone is missing and names them
  // in place of {names}; the question is also said in a status region beside
  // the button, so a screen reader hears it.
  function missingNames(selector) {
    var names = [];
    document.querySelectorAll(selector).forEach(function (el) {
      var name = el.dataset.name || el.textContent.trim();
      if (name && names.indexOf(name) === -1) names.push(name);
    });
    return names;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm-twice]");
    if (!button) return;
    if (button.dataset.armed === "1") return;
    var question = button.dataset.confirmTwice;
    if (button.dataset.confirmMissing) {
      var names = missingNames(button.dataset.confirmMissing);
      if (!names.length) return;
      question = question.replace("{names}", names.join(", "));
    }
    event.preventDefault();
    event.stopPropagation();
    button.dataset.armed = "1";
    var note = document.createElement("span");
    note.className = "visually-hidden confirm-note";
    note.setAttribute("role", "status");
    note.textContent = question;
    button.insertAdjacentElement("afterend", note);
    var label = button.textContent;
    button.textContent = question;
    setTimeout(function () {
      button.dataset.armed = "";
      button.textContent = label;
      note.remove();
    }, 6000);
  }, true);
})();
