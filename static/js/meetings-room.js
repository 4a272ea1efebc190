// The meeting room: embeds Jitsi with the IFrame API and relays join/leave to Continuum as
// self-reported presence. Data arrives through data-* attributes (the CSP forbids inline script).
(function () {
  "use strict";
  var root = document.getElementById("jitsi-room");
  if (!root) { return; }
  var fallback = document.getElementById("jitsi-fallback");
  var status = document.getElementById("jitsi-status");

  function showFallback() {
    if (fallback) { fallback.hidden = false; }
    root.hidden = true;
  }

  if (typeof window.JitsiMeetExternalAPI !== "function") {
    showFallback();
    return;
  }

  var options;
  try {
    options = JSON.parse(root.getAttribute("data-options"));
  } catch (e) {
    showFallback();
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
    showFallback();
    return;
  }

  api.addEventListener("videoConferenceJoined", function (payload) {
    localId = (payload && payload.id) || "";
    joined = true;
    if (status) { status.textContent = "You have joined the meeting."; }
    post("joined");
    heartbeat = window.setInterval(function () { post("heartbeat"); }, 60000);
  });
  api.addEventListener("videoConferenceLeft", function () {
    if (joined) { post("left"); }
    joined = false;
    if (heartbeat) { window.clearInterval(heartbeat); }
    if (status) { status.textContent = "You have left the meeting."; }
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
})();
