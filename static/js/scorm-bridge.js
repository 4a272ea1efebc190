// Injected into SCORM pages (sandboxed, opaque origin): the SCO's API is scorm-again's cross-frame
// client, which relays to the player page; its cache starts from the data the player put in the URL's
// fragment (removed at once), so a SCO reading its suspend data right after Initialize sees it.
(function () {
  "use strict";
  if (typeof CrossFrameAPI === "undefined" || window.parent === window) { return; }
  var api = new CrossFrameAPI("*", window.parent);
  var marker = "#continuum-cmi=";
  if (location.hash.indexOf(marker) === 0) {
    try {
      var seed = JSON.parse(decodeURIComponent(location.hash.slice(marker.length)));
      Object.keys(seed).forEach(function (key) {
        if (typeof seed[key] !== "object") { api._cache.set(key, String(seed[key])); }
      });
    } catch (e) { /* no seed: the cache fills after Initialize */ }
    try { history.replaceState(null, "", location.pathname + location.search); } catch (e) { /* kept */ }
  }
  window.API = api;
  window.API_1484_11 = api;
}());
