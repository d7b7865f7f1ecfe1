// The batch page: while a batch runs, poll GET /api/v1/batches/{id} (with the session
// cookie) every second (every 5 s after the first minute), show its progress, and reload
// the page when it ends. Polling is bounded: after two hours it stops and shows the
// refresh link.
(function () {
  "use strict";
  var section = document.getElementById("batch-progress");
  if (!section || !window.fetch) return;
  var api = section.getAttribute("data-api");
  var bar = document.getElementById("batch-bar");
  var started = Date.now();
  var bound = 2 * 60 * 60 * 1000;
  function later(ms) {
    var spent = Date.now() - started;
    if (spent > bound) {
      var link = document.getElementById("batch-refresh");
      if (link) link.hidden = false;
      return;
    }
    setTimeout(tick, spent > 60000 ? Math.max(ms, 5000) : ms);
  }
  function set(name, text) {
    var el = section.querySelector('[data-field="' + name + '"]');
    if (el) el.textContent = text;
  }
  function tick() {
    fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (b) {
        if (b.status !== "running") {
          window.location.reload();
          return;
        }
        var p = b.progress || { rows: b.rows_in, rows_per_sec: 0, percent: -1 };
        set("rows", String(p.rows));
        set("rate", String(Math.round(p.rows_per_sec)));
        if (p.percent >= 0) {
          var pct = Math.min(100, Math.floor(p.percent));
          bar.value = pct;
          set("percent", pct + "%");
        } else {
          bar.removeAttribute("value");
          set("percent", "—");
        }
        later(1000);
      })
      .catch(function () {
        later(5000);
      });
  }
  setTimeout(tick, 1000);
})();
