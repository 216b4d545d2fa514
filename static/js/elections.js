// Selections: show "It's your turn" to the current speaker of a consent round.
// The fragment is the same for everyone; the page compares its data-speaker
// with the viewer's id on <body>. The server still checks every answer.
(function () {
  "use strict";

  function update() {
    var me = document.body.getAttribute("data-user");
    var round = document.getElementById("election-round");
    var speaker = round ? round.getAttribute("data-speaker") : null;
    var mine = Boolean(me) && speaker === me;
    document.querySelectorAll(".your-turn").forEach(function (el) {
      el.hidden = !mine;
    });
    // Choosing an objection moves focus to the reason, which is required.
    document.querySelectorAll(".action-answer input[name=kind]").forEach(function (input) {
      if (input.dataset.bound) return;
      input.dataset.bound = "1";
      input.addEventListener("change", function () {
        var reason = input.form.querySelector("textarea[name=text]");
        if (input.value === "object" && reason) {
          reason.required = true;
          reason.focus();
        } else if (reason) {
          reason.required = false;
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:afterSettle", update);
})();
