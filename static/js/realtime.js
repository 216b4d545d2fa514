// The live room: everything per viewer that the shared fragments leave open.
// The server renders one HTML for everyone; this script compares its data-
// attributes with the viewer (body[data-user]) to show "your turn", announces
// changes politely, counts the timer down locally and reloads the viewer's own
// answer form when the round changes (never while they type in the same round),
// keeping what they typed as a draft; a failed action is said in the room.
(function () {
  "use strict";
  var body = document.body;
  var me = body.dataset.user;
  var lastProgress = null;
  var lastRound = null;
  var lastVersion = null;
  var wasMyTurn = false;
  var focusedTurn = "";
  var pendingInPart = 0;  // the viewer's own requests from their part, on their way
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

  // The words this script shows, translated by the page (#room-words).
  function word(name) {
    var words = document.getElementById("room-words");
    return (words && words.dataset[name]) || "";
  }

  function myPart() { return document.getElementById("my-part"); }

  function typing() {
    var el = document.activeElement;
    return !!el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "radio"
      && el.type !== "checkbox" && el.type !== "submit" && el.type !== "hidden"));
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

  // The turn: a banner (an alert) at the top and a focusable prompt at the
  // top of the viewer's own part, where their form is; focus moves to the
  // prompt when the turn comes (unless they are typing somewhere).
  function showTurnPrompt(mine) {
    var part = myPart();
    var prompt = document.getElementById("my-turn-prompt");
    if (!mine) { if (prompt) prompt.remove(); return null; }
    if (!part || !part.firstElementChild) return null;
    if (!prompt) {
      prompt = document.createElement("p");
      prompt.id = "my-turn-prompt";
      prompt.className = "my-turn-prompt";
      prompt.tabIndex = -1;
      prompt.textContent = word("yourTurn");
    }
    var holder = part.firstElementChild;
    if (prompt.parentNode !== holder) holder.insertBefore(prompt, holder.firstChild);
    return prompt;
  }

  function syncTurn() {
    var item = document.getElementById("room-item");
    var banner = document.getElementById("your-turn");
    if (!item) return;
    var speaker = item.dataset.currentSpeaker;
    var myTurn = !!(speaker && me && speaker === me);
    if (banner) {
      banner.hidden = !myTurn;
      if (myTurn && !wasMyTurn) {
        // Re-written so the alert is spoken, once per turn.
        var text = banner.innerHTML;
        banner.innerHTML = "";
        banner.innerHTML = text;
      }
    }
    var prompt = showTurnPrompt(myTurn);
    // Focus goes to the prompt once per turn, as soon as the viewer's part
    // holds it (the part may load after the turn came).
    var turn = myTurn ? (item.dataset.round || "") + ":" + speaker : "";
    if (myTurn && prompt && turn !== focusedTurn && !typing()) {
      focusedTurn = turn;
      prompt.focus();
    }
    wasMyTurn = myTurn;
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
      announce(word("roundStarted"));
    }
    // The viewer's own form follows the step (item, state, round) and the
    // version of the process its face publishes (data-version: a new revision,
    // an objection resolved by someone else). Within the same step and version
    // it is never replaced; when it is, what the viewer typed is put back
    // (drafts, below), so nothing typed is lost.
    var shared = item.querySelector("[data-version]");
    var own = mine && mine.querySelector("[data-version]");
    var version = shared ? shared.dataset.version : null;
    // Only a version that a push changed counts: after the viewer's own
    // action their part is newer than the room until the push arrives.
    // While the viewer's own action is on its way, its answer brings the part.
    var stale = version !== null && lastVersion !== null && version !== lastVersion
      && !!own && own.dataset.version !== version && !pendingInPart;
    lastVersion = version;
    if (mineStep !== null && (mineStep !== step || stale)) {
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

  // Drafts: what a person types in their part is kept in the browser
  // (sessionStorage, per room) until the server has taken it. When their part
  // is reloaded (the step moved on, a round closed, a reload of the page) it is
  // put back into the same form, marked "not sent"; when that form is gone,
  // it is shown in a "not sent" box to copy. The server never sees a draft.
  var DRAFTS = "cercle-drafts:" + location.pathname;

  function readDrafts() {
    try { return JSON.parse(sessionStorage.getItem(DRAFTS) || "{}"); } catch (e) { return {}; }
  }
  function writeDrafts(drafts) {
    try { sessionStorage.setItem(DRAFTS, JSON.stringify(drafts)); } catch (e) { /* full or off */ }
  }
  function formKey(form) { return form.getAttribute("action") || ""; }
  function draftable(el) {
    if (!el.name || !el.form || el.name === "idempotency_key" || el.name === "csrfmiddlewaretoken") return false;
    return el.tagName === "TEXTAREA" || el.tagName === "SELECT" || (el.tagName === "INPUT"
      && ["hidden", "submit", "button", "checkbox"].indexOf(el.type) === -1);
  }

  function keepDraft(event) {
    var el = event.target;
    var part = myPart();
    if (!part || !part.contains(el) || !draftable(el)) return;
    var drafts = readDrafts();
    var key = formKey(el.form);
    drafts[key] = drafts[key] || {};
    if (el.type === "radio") {
      if (el.checked) drafts[key][el.name] = { value: el.value, choice: true };
    } else {
      var label = el.labels && el.labels[0] ? el.labels[0].textContent.trim() : el.name;
      drafts[key][el.name] = { value: el.value, label: label };
    }
    writeDrafts(drafts);
  }
  document.addEventListener("input", keepDraft);
  document.addEventListener("change", keepDraft);

  function forgetDraft(form) {
    var drafts = readDrafts();
    if (drafts[formKey(form)]) { delete drafts[formKey(form)]; writeDrafts(drafts); }
  }

  function markNotSent(form) {
    if (form.querySelector(".draft-note")) return;
    var note = document.createElement("p");
    note.className = "draft-note";
    note.textContent = word("notSent");
    form.insertBefore(note, form.firstChild);
  }

  function restoreDrafts() {
    var part = myPart();
    if (!part) return;
    var drafts = readDrafts();
    var orphans = [];
    Object.keys(drafts).forEach(function (key) {
      var form = null;
      part.querySelectorAll("form").forEach(function (f) { if (formKey(f) === key) form = f; });
      var fields = drafts[key];
      Object.keys(fields).forEach(function (name) {
        var draft = fields[name];
        var field = form && form.elements.namedItem(name);
        if (!field) {
          if (!draft.choice && draft.value) orphans.push(draft);
          return;
        }
        if (draft.choice) {
          var choices = field.length !== undefined ? Array.prototype.slice.call(field) : [field];
          choices.forEach(function (c) {
            if (c.value === draft.value && !c.checked) { c.checked = true; markNotSent(form); }
          });
        } else if (field.value !== draft.value) {
          field.value = draft.value;
          markNotSent(form);
        }
      });
      var details = form && form.closest("details");
      if (details && form.querySelector(".draft-note")) details.open = true;
    });
    var box = document.getElementById("my-drafts");
    if (box) box.remove();
    if (!orphans.length) return;
    box = document.createElement("section");
    box.id = "my-drafts";
    box.className = "draft-box";
    var title = document.createElement("h2");
    title.textContent = word("notSentTitle");
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = word("notSentHint");
    box.appendChild(title);
    box.appendChild(hint);
    orphans.forEach(function (draft, i) {
      var label = document.createElement("label");
      label.setAttribute("for", "my-draft-" + i);
      label.textContent = draft.label || "";
      var text = document.createElement("textarea");
      text.id = "my-draft-" + i;
      text.readOnly = true;
      text.rows = 3;
      text.value = draft.value;
      box.appendChild(label);
      box.appendChild(text);
    });
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button small";
    discard.textContent = word("discard");
    discard.addEventListener("click", function () {
      var kept = readDrafts();
      Object.keys(kept).forEach(function (key) {
        var found = false;
        part.querySelectorAll("form").forEach(function (f) { if (formKey(f) === key) found = true; });
        if (!found) delete kept[key];
      });
      writeDrafts(kept);
      box.remove();
    });
    box.appendChild(discard);
    part.appendChild(box);
  }

  // A request from the viewer's part: remember it to forget its draft once
  // the server took it, and to put focus back in the part after the answer.
  var actedInPart = false;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var part = myPart();
    if (part && elt && elt !== part && part.contains(elt)) {
      actedInPart = true;
      pendingInPart += 1;
      // Listened to on the element itself: when a push reloads the part while
      // the request is on its way, the form leaves the page and its events no
      // longer reach the document; the draft it sent must be forgotten all the
      // same, or it would come back into the next round's form (same action).
      elt.addEventListener("htmx:afterRequest", afterPartRequest, { once: true });
    }
    clearFailure();
  });
  function afterPartRequest(event) {
    if (pendingInPart) pendingInPart -= 1;
    var elt = event.detail.elt;
    var form = elt && (elt.tagName === "FORM" ? elt : elt.closest && elt.closest("form"));
    var xhr = event.detail.xhr;
    if (!form || !event.detail.successful || !xhr) return;
    // A refused step comes back with its error summary: the draft stays.
    if ((xhr.responseText || "").indexOf("error-summary") === -1) forgetDraft(form);
  }

  // After one's own action, focus goes to what answered it (an error summary
  // takes it itself, cercle.js), not to the top of the page.
  function refocus() {
    if (!actedInPart) return;
    actedInPart = false;
    var active = document.activeElement;
    if (active && active !== document.body && document.body.contains(active)) return;
    var part = myPart();
    if (!part) return;
    var target = part.querySelector("[data-autofocus], .message, #my-turn-prompt, h2");
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }

  // A failed action (the server answered an error htmx does not show, or the
  // network failed): say so in the room and near the form; what was typed
  // stays in the form (htmx swaps nothing) and in the drafts.
  function clearFailure() {
    document.querySelectorAll(".action-failed").forEach(function (el) { el.remove(); });
  }
  function failed(event, text) {
    var alertBox = document.getElementById("room-alert");
    if (alertBox) alertBox.textContent = text;
    var elt = event.detail.elt;
    var form = elt && (elt.tagName === "FORM" ? elt : elt.closest && elt.closest("form"));
    if (form && document.body.contains(form)) {
      var note = document.createElement("p");
      note.className = "action-failed field-error";
      note.textContent = text;
      form.appendChild(note);
    }
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    // A refused room action shows its own message (see htmx:beforeSwap above).
    if (status >= 400 && status < 500 && (event.detail.xhr.responseText || "").indexOf('id="room-alert"') !== -1) return;
    failed(event, word("failed"));
  });
  document.addEventListener("htmx:sendError", function (event) { failed(event, word("offline")); });

  // The sticky bar never hides a focused control: the page scrolls with room
  // for it (scroll-padding, measured since the bar's height varies).
  // On a phone the viewer's step controls dock above the bar (realtime.css):
  // the bar's height places them, and both together pad the page.
  function fixedHeight(el) {
    if (!el || !el.getClientRects().length) return 0;
    var style = getComputedStyle(el);
    return style.position === "fixed" || style.position === "sticky" ? el.getBoundingClientRect().height : 0;
  }
  function padForBar() {
    var root = document.documentElement;
    var bar = fixedHeight(document.getElementById("room-controls"));
    root.style.setProperty("--room-bar", Math.ceil(bar) + "px");
    var dock = document.querySelector("#my-part [data-step-controls]");
    var total = bar + fixedHeight(dock);
    root.style.setProperty("--room-dock", Math.ceil(total) + "px");
    root.style.scrollPaddingBottom = total ? Math.ceil(total + 8) + "px" : "";
  }
  // Browsers leave a focused control where it is when part of it shows, even
  // if the bar covers the rest: it is scrolled above the bar (its top kept on
  // screen). Controls in the bar or the docked controls are never under it.
  document.addEventListener("focusin", function (event) {
    var pad = parseFloat(document.documentElement.style.scrollPaddingBottom) || 0;
    var el = event.target;
    if (!pad || !el.closest) return;
    if (fixedHeight(el.closest("#room-controls, #my-part [data-step-controls]"))) return;
    var box = el.getBoundingClientRect();
    var over = Math.min(box.bottom - (window.innerHeight - pad), box.top);
    if (over > 0) window.scrollBy(0, over);
  });
  window.addEventListener("resize", padForBar);
  document.addEventListener("toggle", padForBar, true);

  document.addEventListener("htmx:afterSettle", function (event) {
    var part = myPart();
    if (part && (event.target === part || part.contains(event.target))) restoreDrafts();
    padForBar();
    refocus();
  });
  document.addEventListener("DOMContentLoaded", padForBar);
})();
