// Certificate design editor: after a change, send the draft (images included) to the preview
// frame, which shows the real PDF of a sample certificate as an image; show the accent colour's
// contrast on white paper as it is picked. No inline script: CSP forbids it.
(function () {
  "use strict";
  var form = document.getElementById("design-form");
  if (!form) { return; }
  var status = document.getElementById("design-preview-status");
  var frame = document.querySelector("iframe[name='" + form.dataset.previewTarget + "']");
  var timer = null;

  function preview() {
    var action = form.getAttribute("action");
    form.setAttribute("action", form.dataset.previewAction);
    form.setAttribute("target", form.dataset.previewTarget);
    if (status) { status.textContent = "Updating the preview…"; }
    HTMLFormElement.prototype.submit.call(form);
    form.setAttribute("action", action);
    form.removeAttribute("target");
  }
  if (frame) {
    frame.addEventListener("load", function () { if (status) { status.textContent = ""; } });
  }
  function later(delay) { clearTimeout(timer); timer = setTimeout(preview, delay); }
  form.addEventListener("input", function (event) { later(event.target.type === "text" ? 900 : 300); });
  form.addEventListener("change", function () { later(200); });
  var button = form.querySelector("[data-design-preview]");
  if (button) { button.addEventListener("click", preview); }

  function luminance(hex) {
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }
  var accent = document.getElementById("accent"), note = document.getElementById("accent-contrast");
  function showContrast() {
    if (!accent || !note || !/^#[0-9a-f]{6}$/i.test(accent.value)) { return; }
    var ratio = 1.05 / (luminance(accent.value) + 0.05);
    note.textContent = "Contrast on white: " + ratio.toFixed(1) + ":1" + (ratio >= 4.5 ? " (readable)" : " (too light: choose a darker shade)");
    note.className = "small " + (ratio >= 4.5 ? "text-success-emphasis" : "text-danger-emphasis fw-semibold");
  }
  if (accent) { accent.addEventListener("input", showContrast); showContrast(); }
  preview();
}());
