// Continuum: uploads with a progress bar. A <form data-upload> is sent with XMLHttpRequest so the
// page can show how much has gone (a <progress> element and a polite live line), offer Cancel, and
// show the server's refusal beside the form with the chosen file still in place. The server answers
// such requests in JSON ({ok, message, redirect} or {error}); without JavaScript the form posts as
// usual and the answer is a page.
(function () {
  "use strict";
  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0) + " MB";
  }
  function build(form) {
    var box = document.createElement("div");
    box.className = "upload-progress mt-2";
    box.hidden = true;
    var id = "upload-" + Math.random().toString(36).slice(2);
    box.innerHTML =
      '<label class="form-label small mb-1" for="' + id + '">Upload progress</label>' +
      '<div class="d-flex align-items-center gap-2">' +
      '<progress id="' + id + '" class="flex-grow-1" max="100" value="0"></progress>' +
      '<button type="button" class="btn btn-sm btn-outline-secondary" data-upload-cancel>Cancel upload</button>' +
      "</div>" +
      '<p class="small mb-0 mt-1" aria-live="polite" data-upload-status></p>';
    var error = document.createElement("div");
    error.className = "alert alert-danger mt-2 mb-0";
    error.setAttribute("role", "alert");
    error.hidden = true;
    form.appendChild(box);
    form.appendChild(error);
    return {
      box: box, error: error, bar: box.querySelector("progress"),
      status: box.querySelector("[data-upload-status]"), cancel: box.querySelector("[data-upload-cancel]")
    };
  }
  function enhance(form) {
    var ui = build(form);
    var xhr = null;
    var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
    function busy(on) {
      buttons.forEach(function (b) { b.disabled = on; });
      ui.box.hidden = !on && !ui.status.textContent;
      ui.cancel.hidden = !on;
    }
    function fail(message) {
      ui.error.textContent = message;
      ui.error.hidden = false;
      ui.box.hidden = true;
      ui.status.textContent = "";
      busy(false);
      var input = form.querySelector("input[type=file]");
      if (input) { input.focus(); }
    }
    ui.cancel.addEventListener("click", function () { if (xhr) { xhr.abort(); } });
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented || !window.FormData) { return; }
      event.preventDefault();
      ui.error.hidden = true;
      var input = form.querySelector("input[type=file]");
      var file = input && input.files && input.files[0];
      var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
      if (!file) { fail("Choose a file to upload."); return; }
      if (max && file.size > max) {
        fail("The file is " + megabytes(file.size) + ", larger than the " + megabytes(max) + " allowed.");
        return;
      }
      xhr = new XMLHttpRequest();
      var announced = -1;
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var pct = Math.floor(e.loaded / e.total * 100);
        ui.bar.value = pct;
        ui.bar.setAttribute("aria-valuetext", pct + "%");
        var step = Math.floor(pct / 25) * 25;  // the live line speaks at 0, 25, 50, 75 and 100%
        if (step !== announced) {
          announced = step;
          ui.status.textContent = "Uploading " + file.name + ": " + pct + "% of " + megabytes(e.total);
        }
      });
      xhr.upload.addEventListener("load", function () {
        ui.bar.value = 100;
        ui.status.textContent = "Uploaded; checking the file…";
      });
      xhr.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        xhr = null;
        if (answer && answer.ok) {
          var done = new CustomEvent("upload:done", { detail: answer, cancelable: true });
          if (form.dispatchEvent(done) && answer.redirect) {
            ui.status.textContent = answer.message || "Uploaded.";
            var next = new URL(answer.redirect, window.location.href);
            if (next.pathname === window.location.pathname && next.search === window.location.search) {
              window.location.hash = next.hash;  // the same page: only a new hash would not reload it
              window.location.reload();
            } else {
              window.location.assign(next.href);
            }
            return;
          }
          ui.status.textContent = answer.message || "Uploaded.";
          ui.cancel.hidden = true;
          buttons.forEach(function (b) { b.disabled = false; });
          form.reset();
          return;
        }
        if (answer && answer.error) { fail(answer.error); return; }
        if (this.status === 413) { fail("The file is larger than this upload allows."); return; }
        if (this.status === 403 || this.status === 400) { fail("The upload was refused (" + this.status + "). Reload the page and try again."); return; }
        fail("The upload failed (error " + this.status + "). Try again.");
      });
      xhr.addEventListener("error", function () { xhr = null; fail("The upload failed: the connection was lost. Try again."); });
      xhr.addEventListener("abort", function () { xhr = null; fail("Upload cancelled. Nothing was saved."); });
      ui.bar.value = 0;
      ui.status.textContent = "Uploading " + file.name + "…";
      busy(true);
      xhr.send(new FormData(form));
    });
  }
  document.querySelectorAll("form[data-upload]").forEach(enhance);
})();
