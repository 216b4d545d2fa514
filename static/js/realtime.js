// The live room: everything per viewer that the shared fragments leave open.
// The server renders one HTML for everyone; this script compares its data-
// attributes with the viewer (body[data-user]) to show "your turn", announces
// changes politely, counts the timer down locally and reloads the viewer's own
// answer form when the round changes (never while they type in the same round).
(function () {
  "use strict";
  var body = document.body;
  var me = body.dataset.user;
  var lastProgress = null;
  var lastRound = null;
  var timerHandle = null;
  var skew = 0;

  // Reconnect soon after a restart or an outage: about 0.2 s, 0.4 s, 0.8 s,
  // 1.5 s, 3 s, then every 2-4 s, each with jitter so that a restarted
  // server is not met by every browser at the same instant (the ws
  // extension's default backoff waits up to a minute). On reconnect the
  // server sends the whole room, so nothing missed meanwhile is lost.
  var RECONNECT_CAP_MS = 4000;
  if (window.htmx) {
    htmx.config.wsReconnectDelay = function (retryCount) {
      var ceiling = Math.min(RECONNECT_CAP_MS, 250 * Math.pow(2, retryCount));
      return ceiling / 2 + Math.random() * ceiling / 2;
    };
  }

  function announce(text) {
    var region = document.getElementById("room-status");
    if (!region || !text) return;
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function syncTurn() {
    var item = document.getElementById("room-item");
    var banner = document.getElementById("your-turn");
    if (!item) return;
    var speaker = item.dataset.currentSpeaker;
    var mine = speaker && me && speaker === me;
    if (banner) {
      var wasHidden = banner.hidden;
      banner.hidden = !mine;
      if (mine && wasHidden) banner.focus && banner.setAttribute("tabindex", "-1");
    }
    var progress = item.dataset.progress || "";
    if (progress && progress !== lastProgress) {
      var parts = progress.split("/");
      announce(parts[0] + " / " + parts[1]);
    }
    lastProgress = progress;
    var round = item.dataset.round || "";
    var step = (item.dataset.item || "") + "|" + (item.dataset.subjectState || "") + "|" + round;
    var mine = document.querySelector("#my-part > [data-item]");
    var mineStep = mine ? (mine.dataset.item || "") + "|" + (mine.dataset.subjectState || "") + "|" + (mine.dataset.round || "") : null;
    if (lastRound !== null && round !== lastRound && round) {
      announce(document.documentElement.lang === "fr" ? "Un tour commence" : "A round started");
    }
    // The viewer's own form follows the step (item, state, round); within the
    // same step it is never replaced, so nothing typed is lost.
    if (mineStep !== null && mineStep !== step) {
      body.dispatchEvent(new CustomEvent("cercle:roundchange"));
    }
    lastRound = round;
  }

  function syncTimer() {
    var el = document.getElementById("room-timer");
    if (timerHandle) { clearInterval(timerHandle); timerHandle = null; }
    if (!el || !el.dataset.ends) return;
    var ends = Date.parse(el.dataset.ends);
    var serverNow = Date.parse(el.dataset.now);
    if (!isNaN(serverNow)) skew = serverNow - Date.now();
    var out = el.querySelector(".timer-value");
    var warned = false;
    function tick() {
      var left = Math.max(0, Math.round((ends - (Date.now() + skew)) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      if (out) out.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (left <= 30 && !warned && left > 0) { warned = true; announce(out ? out.textContent : ""); }
      if (left === 0) { el.classList.add("ended"); clearInterval(timerHandle); timerHandle = null; }
    }
    tick();
    timerHandle = setInterval(tick, 1000);
  }

  // Entering an open meeting marks one present; a meeting that opens while
  // one is in the room does too. A closed meeting sends everyone to its page.
  var joined = false;
  function syncState() {
    var room = document.querySelector("[data-join-url]");
    var state = document.getElementById("room-state");
    if (!room || !state) return;
    if (state.dataset.state === "open" && !joined && window.htmx) {
      joined = true;
      htmx.ajax("POST", room.dataset.joinUrl, { swap: "none" });
    }
    if (state.dataset.state === "closed" && room.dataset.detailUrl) {
      window.location.assign(room.dataset.detailUrl);
    }
  }

  function refresh() { syncTurn(); syncTimer(); syncState(); }

  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:wsAfterMessage", refresh);
  document.addEventListener("htmx:afterSwap", refresh);
  document.addEventListener("htmx:wsOpen", function () {
    var banner = document.getElementById("room-connection");
    if (banner) banner.hidden = true;
    joined = false;  // a reconnect re-affirms presence
  });
  document.addEventListener("htmx:wsClose", function () {
    var banner = document.getElementById("room-connection");
    if (banner) banner.hidden = false;
  });
  // The answer to an action in a pushed fragment (open, go to an item…) carries
  // the room too. When the broadcast arrived first and replaced the form, the
  // room already shows that state or a newer one: skip the answer (htmx could
  // not place its fragments relative to a form that left the page anyway).
  // htmx fires beforeSwap on the target, which no longer bubbles to the
  // document once detached: listen on the target itself, from the request on.
  function skipIfGone(event) {
    if (!document.body.contains(event.target)) event.detail.shouldSwap = false;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target || event.detail.elt;
    if (target && target !== document.body) {
      target.addEventListener("htmx:beforeSwap", skipIfGone, { once: true });
    }
  });
  // A refused room action (4xx) answers with a message for #room-alert:
  // show it (htmx leaves error answers unswapped by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var text = event.detail.serverResponse || "";
    if (status >= 400 && status < 500 && text.indexOf('id="room-alert"') !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Forms inside pushed fragments carry an empty key: give each request one.
  document.addEventListener("htmx:configRequest", function (event) {
    var params = event.detail.parameters;
    if (params && Object.prototype.hasOwnProperty.call(params, "idempotency_key") && !params.idempotency_key) {
      if (params.set) params.set("idempotency_key", newKey()); else params.idempotency_key = newKey();
    }
  });
})();
