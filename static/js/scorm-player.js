// The SCORM player: scorm-again's API in this page, the SCO in a sandboxed frame bridged by postMessage.
// Commits go to the server (batched: autocommit every 10 s, and on Commit/Finish); the stored run-time
// data comes back on the next visit, so a learner who leaves half-way resumes where they were.
(function () {
  "use strict";
  var el = document.getElementById("scorm-player");
  if (!el) { return; }
  var cfg = JSON.parse(el.getAttribute("data-config"));
  var scorm12 = cfg.standard === "scorm12";
  var Api = scorm12 ? window.Scorm12API : window.Scorm2004API;
  var settings = {
    autocommit: true, autocommitSeconds: 10, lmsCommitUrl: cfg.commitUrl, dataCommitFormat: "json",
    alwaysSendTotalTime: true, xhrHeaders: {"X-CSRFToken": cfg.csrf}, logLevel: 4
  };
  var api = new Api(settings);
  api.loadFromJSON(cfg.cmi, "");
  window.API = api;
  window.API_1484_11 = api;
  new window.CrossFrameLMS(api, "*");
  var status = document.getElementById("scorm-status");
  api.on(scorm12 ? "LMSFinish" : "Terminate", function () {
    if (status) { status.textContent = "Saved. You can go back to the course."; }
  });
  var frame = document.getElementById("scorm-frame");
  var seed = {};
  try { seed = api.getFlattenedCMI(); } catch (e) { seed = {}; }
  frame.src = cfg.launchUrl + "#continuum-cmi=" + encodeURIComponent(JSON.stringify(seed));
  window.addEventListener("pagehide", function () {
    try { if (!api.isTerminated()) { api.commit(scorm12 ? "LMSCommit" : "Commit", false); } } catch (e) { /* leaving */ }
  });
}());
