// Live preview of a certificate template: after typing stops, submit the draft to the preview
// frame (the same request the Preview button makes). No inline script: CSP forbids it.
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  var button = form && form.querySelector("[data-preview-button]");
  if (!form || !button) { return; }
  var timer = null;
  function preview() {
    var action = form.getAttribute("action"), target = form.getAttribute("target");
    form.setAttribute("action", button.getAttribute("formaction"));
    form.setAttribute("target", button.getAttribute("formtarget"));
    HTMLFormElement.prototype.submit.call(form);
    form.setAttribute("action", action);
    if (target) { form.setAttribute("target", target); } else { form.removeAttribute("target"); }
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(preview, 1200);
  });
  preview();
}());
