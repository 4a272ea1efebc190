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
  // SCORM 2004 navigation: the SCO's adl.nav.request is acted on after it terminates (the terminate
  // commit is synchronous, so the server sees the final data); the page's own Previous/Next/contents
  // links commit first. The server's sequencing decides where each request lands.
  var navRequest = null, leaving = false;
  function go(url) {
    if (leaving) { return; }
    leaving = true;
    try { if (!api.isTerminated()) { api.commit(scorm12 ? "LMSCommit" : "Commit", false); } } catch (e) { /* leaving */ }
    window.location.assign(url);
  }
  function requestUrl(request) {
    var choice = /^\{target=([^}]+)\}(choice|jump)$/.exec(request || "");
    if (choice) { return cfg.navUrl + "?nav=choice&target=" + encodeURIComponent(choice[1]); }
    if (["continue", "previous"].indexOf(request) >= 0) { return cfg.navUrl + "?nav=" + request + "&from=" + cfg.current; }
    if (["exit", "exitAll", "suspendAll", "abandon", "abandonAll"].indexOf(request) >= 0) { return cfg.navUrl + "?nav=" + request; }
    return null;
  }
  if (!scorm12) {
    try {
      var valid = api.adl.nav.request_valid;
      valid.continue = cfg.navValid.continue ? "true" : "false";
      valid.previous = cfg.navValid.previous ? "true" : "false";
    } catch (e) { /* this scorm-again build keeps them read-only */ }
    api.on("SetValue.adl.nav.request", function (element, value) { navRequest = value; });
    api.on("Terminate", function () {
      var url = requestUrl(navRequest);
      if (url) { window.setTimeout(function () { go(url); }, 0); }
    });
    Array.prototype.forEach.call(document.querySelectorAll(".js-scorm-nav"), function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        go(link.getAttribute("href"));
      });
    });
  }
  window.addEventListener("pagehide", function () {
    try { if (!api.isTerminated()) { api.commit(scorm12 ? "LMSCommit" : "Commit", false); } } catch (e) { /* leaving */ }
  });
}());
