// Course videos: resume where the learner left off and report the position to the server.
// The server decides what counts as watched; this only reports what the player says.
(function () {
  "use strict";
  var HEARTBEAT_MS = 10000;
  document.querySelectorAll("video[data-position-url]").forEach(function (video) {
    var url = video.getAttribute("data-position-url");
    var token = video.getAttribute("data-csrf");
    var start = parseFloat(video.getAttribute("data-start") || "0") || 0;
    var status = document.querySelector("[data-video-status]");
    var lastSent = -1;

    function send(useBeacon) {
      var position = Math.floor(video.currentTime || 0);
      if (position === lastSent && !video.ended) { return; }
      lastSent = position;
      var body = JSON.stringify({ position: position, duration: isFinite(video.duration) ? video.duration : null });
      fetch(url, {
        method: "POST", credentials: "same-origin", keepalive: !!useBeacon,
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: body
      }).then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && data.completed && status) { status.textContent = "Watched."; }
        }).catch(function () { /* offline: the next heartbeat retries */ });
    }

    video.addEventListener("loadedmetadata", function () {
      if (start > 0 && start < video.duration - 1) { video.currentTime = start; }
    });
    video.addEventListener("pause", function () { send(false); });
    video.addEventListener("ended", function () { send(false); });
    window.setInterval(function () { if (!video.paused) { send(false); } }, HEARTBEAT_MS);
    window.addEventListener("pagehide", function () { send(true); });
  });
})();
