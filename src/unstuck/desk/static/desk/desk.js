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

  // Live regions (data-poll-visible) poll only while the tab is visible. A listener rather than an
  // hx-trigger filter: HTMX evaluates filters as code, which the Content-Security-Policy forbids.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (document.visibilityState !== "visible" && elt instanceof Element && elt.hasAttribute("data-poll-visible")) {
      event.preventDefault();
    }
  });

  // ---- Countdowns: remaining business time, ticking each second while the calendar is open. ----
  // The server renders the same text; the page only keeps it moving between HTMX refreshes.
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function formatCountdown(seconds, formats) {
    var total = Math.abs(seconds);
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var secs = total % 60;
    var text = days
      ? formats.day.replace("{days}", days).replace("{hh}", pad(hours)).replace("{mm}", pad(minutes))
      : hours + ":" + pad(minutes) + ":" + pad(secs);
    return seconds < 0 ? formats.overdue.replace("{time}", text) : text;
  }
  function tick() {
    document.querySelectorAll(".countdown[data-ticking][data-remaining]").forEach(function (el) {
      var holder = el.closest("[data-countdown-formats]");
      if (!holder) return;
      var formats = JSON.parse(holder.getAttribute("data-countdown-formats"));
      var left = parseInt(el.getAttribute("data-remaining"), 10) - 1;
      el.setAttribute("data-remaining", String(left));
      el.textContent = formatCountdown(left, formats);
      if (left <= 0) { el.classList.remove("countdown-calm", "countdown-amber"); el.classList.add("countdown-red"); }
    });
  }
  setInterval(tick, 1000);

  // ---- Keyboard shortcuts ----
  function typing() {
    var active = document.activeElement;
    return active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); }
  var selectedId = null; // survives the queue's HTMX refresh (rows keep their ids)
  function select(row) {
    rows().forEach(function (r) { r.classList.remove("is-selected"); r.removeAttribute("aria-selected"); });
    if (!row) return;
    row.classList.add("is-selected");
    row.setAttribute("aria-selected", "true");
    selectedId = row.id;
    var link = row.querySelector("[data-row-link]");
    if (link) link.focus();
  }
  function current() {
    var list = rows();
    for (var i = 0; i < list.length; i++) if (list[i].id === selectedId) return i;
    return -1;
  }
  document.addEventListener("htmx:afterSwap", function () {
    var row = selectedId && document.getElementById(selectedId);
    if (row) { row.classList.add("is-selected"); row.setAttribute("aria-selected", "true"); }
  });
  function trigger(key) {
    var el = document.querySelector('[data-shortcut="' + key + '"]');
    if (!el) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "INPUT") { el.focus(); } else { el.click(); }
    return true;
  }
  function helpDialog() { return document.getElementById("shortcut-help"); }
  document.addEventListener("click", function (event) {
    var opener = event.target instanceof Element && event.target.closest("[data-shortcut-help]");
    var dialog = helpDialog();
    if (opener && dialog) dialog.showModal();
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing()) return;
    var dialog = helpDialog();
    if (dialog && dialog.open) return; // Esc closes it natively
    var key = event.key;
    var list = rows();
    if (key === "/") {
      var search = document.getElementById("id_q");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (key === "?") {
      if (dialog) { event.preventDefault(); dialog.showModal(); }
    } else if ((key === "j" || key === "k") && list.length) {
      event.preventDefault();
      var index = current();
      index = key === "j" ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0);
      select(list[index]);
    } else if ((key === "j" || key === "k") && trigger(key)) {
      event.preventDefault(); // on a case page: the next / previous case
    } else if (key === "Enter" && list.length && current() >= 0 && document.activeElement === document.body) {
      var link = list[current()].querySelector("[data-row-link]");
      if (link) { event.preventDefault(); link.click(); }
    } else if (key === "a" || key === "r" || key === "n") {
      if (trigger(key)) event.preventDefault();
    }
  });
})();
