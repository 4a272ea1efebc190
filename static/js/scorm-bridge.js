// Injected into SCORM pages (sandboxed, opaque origin): the SCO's API is scorm-again's cross-frame
// client, which relays to the player page; its cache starts from the data the player put in window.name
// so a SCO reading its suspend data right after Initialize sees it at once.
(function () {
  "use strict";
  if (typeof CrossFrameAPI === "undefined" || window.parent === window) { return; }
  var api = new CrossFrameAPI("*", window.parent);
  try {
    var seed = JSON.parse(window.name || "{}");
    Object.keys(seed).forEach(function (key) { api._cache.set(key, String(seed[key])); });
  } catch (e) { /* no seed: the cache fills after Initialize */ }
  window.API = api;
  window.API_1484_11 = api;
}());
