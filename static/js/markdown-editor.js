// Continuum: the Markdown editor (EasyMDE, served from static/vendor) on <textarea data-markdown-editor>.
// Without JavaScript the labelled textarea is the editor. The preview is the server's rendering
// (data-preview-url: the same Markdown renderer and sanitiser as the learner's page), never the
// browser's own. "Image" opens the page's image upload form (data-image-form) in a dialog and
// inserts the uploaded image's Markdown at the cursor.
(function () {
  "use strict";
  if (typeof window.EasyMDE === "undefined") { return; }
  var EasyMDE = window.EasyMDE;

  function serverPreview(url, token) {
    var timer = null, asked = null, shown = null;
    return function (text, preview) {
      if (text === shown) { return null; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (text === asked) { return; }
        asked = text;
        var body = new FormData();
        body.append("csrf_token", token);
        body.append("text", text);
        fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
          .then(function (answer) {
            if (asked !== text) { return; }
            shown = text;
            // The server's sanitised HTML (nh3 allow-list), the same fragment the learner's page shows.
            preview.innerHTML = answer.ok ? (answer.json.html || '<p class="text-muted">Nothing to preview yet.</p>')
              : '<p class="text-danger">The preview is not available: ' + String(answer.json.error || "").replace(/[<>&]/g, "") + "</p>";
          })
          .catch(function () {
            asked = null;
            preview.innerHTML = '<p class="text-danger">The preview is not available (no connection).</p>';
          });
      }, preview.classList.contains("editor-preview-side") ? 400 : 0);
      return preview.innerHTML || '<p class="text-muted">Rendering the preview…</p>';
    };
  }

  function imageDialog(formId, editor, status) {
    var form = document.getElementById(formId);
    if (!form) { return null; }
    var home = form.parentNode, next = form.nextSibling;
    var dialog = document.createElement("dialog");
    dialog.className = "image-dialog";
    dialog.setAttribute("aria-labelledby", formId + "-title");
    dialog.innerHTML = '<div class="d-flex justify-content-between align-items-start gap-2 mb-2">' +
      '<h2 class="h5 mb-0" id="' + formId + '-title">Insert an image</h2>' +
      '<button type="button" class="btn-close" aria-label="Close"></button></div>';
    document.body.appendChild(dialog);
    dialog.querySelector(".btn-close").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      home.insertBefore(form, next);
      editor.codemirror.focus();
    });
    form.addEventListener("upload:done", function (event) {
      if (!event.detail.markdown) { return; }
      event.preventDefault();  // stay on the page: the image goes into the text instead
      var cm = editor.codemirror;
      var cursor = cm.getCursor();
      var before = cursor.ch ? "\n\n" : (cursor.line && cm.getLine(cursor.line - 1).trim() ? "\n" : "");
      cm.replaceSelection(before + event.detail.markdown + "\n");
      status.textContent = "Image “" + event.detail.alt + "” inserted into the text.";
      if (dialog.open) { dialog.close(); }
    });
    var touched = false;  // until the author has been in the text, an image goes at its end
    editor.codemirror.on("focus", function () { touched = true; });
    return function () {
      if (!touched) { editor.codemirror.setCursor(editor.codemirror.lineCount(), 0); }
      dialog.appendChild(form);
      dialog.showModal();
      var input = form.querySelector("input[type=file]");
      if (input) { input.focus(); }
    };
  }

  document.querySelectorAll("textarea[data-markdown-editor]").forEach(function (textarea) {
    var form = textarea.form;
    var tokenInput = form && form.querySelector('input[name="csrf_token"]');
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    textarea.parentNode.appendChild(status);
    var openImage = null;
    var toolbar = [
      // EasyMDE's stylesheet adds the small "2" and "3" after these buttons' "H".
      { name: "heading-2", action: EasyMDE.toggleHeading2, text: "H", title: "Heading" },
      { name: "heading-3", action: EasyMDE.toggleHeading3, text: "H", title: "Heading, smaller" },
      { name: "bold", action: EasyMDE.toggleBold, text: "B", title: "Bold" },
      { name: "italic", action: EasyMDE.toggleItalic, text: "I", title: "Italic" },
      "|",
      { name: "unordered-list", action: EasyMDE.toggleUnorderedList, text: "• List", title: "Bulleted list" },
      { name: "ordered-list", action: EasyMDE.toggleOrderedList, text: "1. List", title: "Numbered list" },
      { name: "quote", action: EasyMDE.toggleBlockquote, text: "Quote", title: "Quote" },
      { name: "link", action: EasyMDE.drawLink, text: "Link", title: "Link" },
      { name: "table", action: EasyMDE.drawTable, text: "Table", title: "Table", noMobile: true }
    ];
    if (textarea.getAttribute("data-image-form")) {
      toolbar.push({ name: "image", text: "Image", title: "Insert image", action: function () { if (openImage) { openImage(); } } });
    }
    toolbar.push("|",
      { name: "preview", action: EasyMDE.togglePreview, text: "Preview", title: "Preview", noDisable: true },
      { name: "side-by-side", action: EasyMDE.toggleSideBySide, text: "Split", title: "Split: text and preview side by side",
        noDisable: true, noMobile: true });
    var editor = new EasyMDE({
      element: textarea,
      autoDownloadFontAwesome: false,  // icons would come from a CDN: the buttons are text instead
      spellChecker: false,             // its dictionaries too; the browser's own spell check is used
      nativeSpellcheck: true,
      forceSync: true,
      autofocus: false,
      minHeight: "18rem",
      sideBySideFullscreen: false,     // side by side stays in the page, beside its Save button
      status: ["words"],
      toolbar: toolbar,
      previewClass: ["editor-preview", "markdown", "lesson-body"],
      previewRender: tokenInput ? serverPreview(textarea.getAttribute("data-preview-url"), tokenInput.value) : undefined,
      shortcuts: { toggleHeadingSmaller: null, drawImage: null, toggleFullScreen: null }
    });
    // The editing surface keeps the textarea's label, description and error; the toolbar is a
    // labelled toolbar of ordinary tab stops.
    var input = editor.codemirror.getInputField();
    if (label) {
      label.id = label.id || textarea.id + "-label";
      input.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { editor.codemirror.focus(); });
    }
    if (textarea.getAttribute("aria-describedby")) { input.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby")); }
    if (textarea.getAttribute("aria-invalid")) { input.setAttribute("aria-invalid", "true"); }
    if (input.getAttribute("contenteditable")) { input.setAttribute("role", "textbox"); input.setAttribute("aria-multiline", "true"); }
    var bar = editor.toolbar_div || editor.gui.toolbar;
    if (bar) {
      bar.setAttribute("role", "toolbar");
      bar.setAttribute("aria-label", "Formatting" + (label ? ": " + label.textContent.trim() : ""));
      bar.querySelectorAll("button").forEach(function (b) { b.tabIndex = 0; b.setAttribute("type", "button"); });
      bar.querySelectorAll(".separator").forEach(function (s) { s.setAttribute("aria-hidden", "true"); });
    }
    if (textarea.disabled || (textarea.closest("fieldset") && textarea.closest("fieldset").disabled)) {
      editor.codemirror.setOption("readOnly", true);
    }
    if (textarea.getAttribute("data-image-form")) {
      openImage = imageDialog(textarea.getAttribute("data-image-form"), editor, status);
    }
  });
})();
