// The proposal page: show "your turn" when the round's current speaker is the
// viewer. The round fragment is the same for everyone (it may arrive over the
// WebSocket), so the per-viewer part is decided here from <body data-user>.
(function () {
  "use strict";

  function markTurn() {
    var me = document.body.dataset.user;
    var round = document.getElementById("proposal-round");
    if (!round) return;
    var mine = !!me && round.dataset.speaker === me;
    round.toggleAttribute("data-my-turn", mine);
    var prompt = round.querySelector(".your-turn-prompt");
    if (prompt) prompt.hidden = !mine;
  }

  document.addEventListener("DOMContentLoaded", markTurn);
  document.addEventListener("htmx:afterSettle", markTurn);
  document.addEventListener("htmx:oobAfterSwap", markTurn);
})();
