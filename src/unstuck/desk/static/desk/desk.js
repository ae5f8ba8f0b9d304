// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // A changed filter <select> applies at once (the Filter button stays for keyboards and no-JS).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.form && target.form.matches("form.filters")) {
      target.form.requestSubmit();
    }
  });
  // "/" jumps to the item search, as in many tools; not while typing in a field.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
    var search = document.getElementById("id_q");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  });
})();
