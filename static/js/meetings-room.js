// The meeting room: embeds Jitsi with the IFrame API and relays join/leave to Continuum as
// self-reported presence. Data arrives through data-* attributes (the CSP forbids inline script).
(function () {
  "use strict";
  var root = document.getElementById("jitsi-room");
  if (!root) { return; }
  var stateBox = document.getElementById("room-state");
  var stateText = stateBox.querySelector("[data-state-text]");
  var spinner = stateBox.querySelector("[data-state-spinner]");
  var retry = stateBox.querySelector("[data-room-retry]");
  var timeoutMs = parseInt(root.getAttribute("data-timeout-ms"), 10) || 20000;
  var state = "connecting";
  var timer = null;
  var TONES = {connecting: "alert-secondary", ready: "alert-info", connected: "alert-success",
               failed: "alert-danger", offline: "alert-warning", left: "alert-secondary"};

  // The one place that says how the room is doing (connecting, ready, connected, failed, offline).
  function setState(next, text) {
    state = next;
    stateBox.setAttribute("data-state", next);
    Object.keys(TONES).forEach(function (k) { stateBox.classList.remove(TONES[k]); });
    stateBox.classList.add(TONES[next]);
    stateText.textContent = text;
    spinner.hidden = next !== "connecting";
    retry.hidden = next !== "failed" && next !== "offline";
  }
  function fail(reason) {
    if (timer) { window.clearTimeout(timer); timer = null; }
    if (state === "connected") { return; }
    root.hidden = true;
    setState("failed", reason + " Retry, or open the room in a new tab.");
  }
  retry.addEventListener("click", function () { window.location.reload(); });
  window.addEventListener("offline", function () {
    setState("offline", "You are offline. The room reconnects by itself when the network is back.");
  });
  window.addEventListener("online", function () {
    if (state === "offline") { setState(joinedOnce ? "connected" : "connecting", joinedOnce ? "Back online." : "Back online: connecting…"); }
  });
  var joinedOnce = false;
  timer = window.setTimeout(function () {
    fail("The video room did not connect within " + Math.round(timeoutMs / 1000) + " seconds (a slow network or a filter blocking it).");
  }, timeoutMs);

  function start() {
    if (state === "failed") { return; }
    if (typeof window.JitsiMeetExternalAPI !== "function") {
      fail("The video room could not load here (the Jitsi script did not arrive: a network filter or an outage).");
      return;
    }
    connect();
  }
  // The Jitsi script comes after this one: catch its load or error as it happens (capture phase,
  // since those events do not bubble).
  function fromJitsiScript(event) { return event.target && event.target.id === "jitsi-api-script"; }
  document.addEventListener("load", function (event) { if (fromJitsiScript(event)) { start(); } }, true);
  document.addEventListener("error", function (event) {
    if (fromJitsiScript(event)) {
      fail("The video room could not load here (the Jitsi script did not arrive: a network filter or an outage).");
    }
  }, true);

function connect() {
  var options;
  try {
    options = JSON.parse(root.getAttribute("data-options"));
  } catch (e) {
    fail("The room settings could not be read.");
    return;
  }
  options.parentNode = root;
  var presenceUrl = root.getAttribute("data-presence-url");
  var csrf = root.getAttribute("data-csrf");
  var passcode = root.getAttribute("data-passcode");
  var localId = "";
  var joined = false;
  var heartbeat = null;
  var passcodeSent = false;

  function post(event, useBeacon) {
    var body = new URLSearchParams();
    body.set("event", event);
    body.set("participant_id", localId);
    body.set("csrf_token", csrf);
    if (useBeacon && navigator.sendBeacon) {
      navigator.sendBeacon(presenceUrl, body);
      return;
    }
    window.fetch(presenceUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf}
    }).catch(function () { /* presence is best effort; the server has better evidence */ });
  }

  var api;
  try {
    api = new window.JitsiMeetExternalAPI(root.getAttribute("data-domain"), options);
  } catch (e) {
    fail("The video room could not start in this browser.");
    return;
  }
  var frame = api.getIFrame && api.getIFrame();
  function ready() {
    if (state === "connecting") {
      if (timer) { window.clearTimeout(timer); timer = null; }
      setState("ready", "The room is open: join when you are ready.");
    }
  }
  if (frame) { frame.addEventListener("load", ready); } else { ready(); }

  api.addEventListener("videoConferenceJoined", function (payload) {
    localId = (payload && payload.id) || "";
    joined = true;
    joinedOnce = true;
    if (timer) { window.clearTimeout(timer); timer = null; }
    setState("connected", "Connected: you have joined the meeting.");
    post("joined");
    heartbeat = window.setInterval(function () { post("heartbeat"); }, 60000);
  });
  api.addEventListener("videoConferenceLeft", function () {
    if (joined) { post("left"); }
    joined = false;
    if (heartbeat) { window.clearInterval(heartbeat); }
    setState("left", "You have left the meeting.");
  });
  // A passcode is set only once a moderator is present (commands need one); answer prompts with it.
  api.addEventListener("participantRoleChanged", function (payload) {
    if (passcode && !passcodeSent && payload && payload.role === "moderator" && payload.id === localId) {
      api.executeCommand("password", passcode);
      passcodeSent = true;
    }
  });
  api.addEventListener("passwordRequired", function () {
    if (passcode) { api.executeCommand("password", passcode); }
  });
  api.addEventListener("readyToClose", function () {
    api.dispose();
    window.location.assign(root.getAttribute("data-return-url"));
  });
  window.addEventListener("pagehide", function () {
    if (joined) { post("left", true); joined = false; }
  });
}
})();
