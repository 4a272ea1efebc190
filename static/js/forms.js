// Continuum: forms that show only what applies. Without JavaScript every field shows and the server
// still decides; with it, a block marked data-show-when="field=value|other" shows only while the
// field has one of those values (a checkbox counts as "y" when ticked), and its inputs are disabled
// while hidden, so a hidden choice is never sent.
(function () {
  "use strict";
  function current(form, name) {
    var value = null;
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if (input.type === "radio") { if (input.checked) { value = input.value; } }
      else if (input.type === "checkbox") { value = input.checked ? "y" : ""; }
      else { value = input.value; }
    });
    return value;
  }
  function sync(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (block) {
      var rule = block.getAttribute("data-show-when").split("=");
      var show = rule[1].split("|").indexOf(current(form, rule[0])) !== -1;
      block.hidden = !show;
      block.querySelectorAll("input, select, textarea, button").forEach(function (el) { el.disabled = !show; });
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-show-when]") && !form.querySelector('[name="confirm_everyone"]')) { return; }
    sync(form);
    form.addEventListener("change", function (event) {
      sync(form);
      // A confirmed "Everyone" is confirmed for what was shown: any change asks again.
      var confirmed = form.querySelector('[name="confirm_everyone"]');
      if (confirmed && event.target !== confirmed) { confirmed.value = ""; }
    });
  });
})();
// People pickers (templates/_macros.html people_picker): a search box narrows the checkbox list and
// a live line says how many are chosen.
(function () {
  "use strict";
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var search = picker.querySelector("[data-picker-search]");
    var count = picker.querySelector("[data-picker-count]");
    var items = picker.querySelectorAll("[data-picker-item]");
    function update() {
      var n = picker.querySelectorAll("input[type=checkbox]:checked").length;
      count.textContent = n ? n + " chosen" : "";
    }
    if (search && items.length > 6) {
      search.hidden = false;
      search.addEventListener("input", function () {
        var q = search.value.trim().toLowerCase();
        items.forEach(function (item) {
          var checked = item.querySelector("input").checked;
          item.hidden = q !== "" && !checked && item.textContent.toLowerCase().indexOf(q) === -1;
        });
      });
    }
    picker.addEventListener("change", update);
    update();
  });
})();
// New accounts take the browser's time zone (input[data-browser-timezone]).
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
    if (!input.value && zone) { input.value = zone; }
  });
})();
