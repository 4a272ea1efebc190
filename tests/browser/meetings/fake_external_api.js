// A stand-in for Jitsi's external_api.js (JITSI.md §6): records what it is given, builds the
// iframe URL the real one would, and lets tests fire the IFrame API's events with __emit.
(function () {
  "use strict";
  var record = window.__jitsi = {instances: [], commands: []};

  function JitsiMeetExternalAPI(domain, options) {
    options = options || {};
    this.domain = domain;
    this.options = options;
    this.listeners = {};
    this.disposed = false;
    var hash = ["jitsi_meet_external_api_id=0"];
    Object.keys(options.configOverwrite || {}).forEach(function (k) {
      hash.push("config." + k + "=" + encodeURIComponent(JSON.stringify(options.configOverwrite[k])));
    });
    var query = [];
    if (options.jwt) { query.push("jwt=" + options.jwt); }
    if (options.lang) { query.push("lang=" + options.lang); }
    this.url = "https://" + domain + "/" + options.roomName + (query.length ? "?" + query.join("&") : "") + "#" + hash.join("&");
    var frame = document.createElement("iframe");
    frame.src = "about:blank";
    frame.title = "Jitsi Meet (stand-in)";
    frame.setAttribute("data-room", options.roomName || "");
    frame.setAttribute("data-jwt", options.jwt || "");
    frame.setAttribute("data-url", this.url);
    frame.style.width = "100%";
    frame.style.height = (typeof options.height === "number" ? options.height + "px" : options.height) || "400px";
    (options.parentNode || document.body).appendChild(frame);
    this.frame = frame;
    record.instances.push(this);
    record.api = this;
  }
  var proto = JitsiMeetExternalAPI.prototype;
  proto.addListener = proto.addEventListener = proto.on = function (name, fn) {
    (this.listeners[name] = this.listeners[name] || []).push(fn);
    return this;
  };
  proto.removeListener = proto.off = function (name, fn) {
    this.listeners[name] = (this.listeners[name] || []).filter(function (f) { return f !== fn; });
    return this;
  };
  proto.executeCommand = function (name) {
    record.commands.push({name: name, args: Array.prototype.slice.call(arguments, 1)});
  };
  proto.executeCommands = function (map) {
    var self = this;
    Object.keys(map).forEach(function (k) { self.executeCommand.apply(self, [k].concat(map[k])); });
  };
  proto.getRoomsInfo = function () { return Promise.resolve({rooms: [{isMainRoom: true, participants: []}]}); };
  proto.getNumberOfParticipants = function () { return 1; };
  proto.dispose = function () {
    this.disposed = true;
    if (this.frame && this.frame.parentNode) { this.frame.parentNode.removeChild(this.frame); }
  };
  proto.__emit = function (name, payload) {
    (this.listeners[name] || []).forEach(function (fn) { fn(payload); });
  };
  window.JitsiMeetExternalAPI = JitsiMeetExternalAPI;
})();
