// The upload page: send the form with XMLHttpRequest so that the transfer shows its
// progress (percent and bytes, announced to screen readers every quarter), ask the server
// to answer as soon as the file is stored (Prefer: respond-async: 202 and the batch page as
// Location), then open the batch page, which follows the load. Without this script (or
// without XMLHttpRequest uploads) the form posts as usual.
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData || !window.DOMParser) return;

  function size(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
    if (n < 1024 * 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + " MB";
    return (n / 1024 / 1024 / 1024).toFixed(2) + " GB";
  }

  function setup() {
    var form = document.getElementById("upload-form");
    var box = document.getElementById("upload-progress");
    if (!form || !box) return;
    var bar = document.getElementById("upload-bar");
    var text = document.getElementById("upload-progress-text");
    var status = document.getElementById("upload-progress-status");
    var button = document.getElementById("upload-submit");
    var file = document.getElementById("upload-file");

    form.addEventListener("submit", function (ev) {
      // No file chosen: let the server say so with the form again.
      if (!file || !file.files || file.files.length === 0) return;
      ev.preventDefault();
      var xhr = new XMLHttpRequest();
      var announced = -1;
      box.hidden = false;
      bar.value = 0;
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
      function show(sent, total) {
        var pct = total > 0 ? Math.min(100, Math.floor((100 * sent) / total)) : 0;
        bar.value = pct;
        var line = box.getAttribute("data-sent")
          .replace("{p}", String(pct)).replace("{s}", size(sent)).replace("{t}", size(total));
        text.textContent = line;
        var quarter = Math.floor(pct / 25);
        if (quarter !== announced) {
          announced = quarter;
          status.textContent = line;
        }
      }
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) show(e.loaded, e.total);
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        text.textContent = status.textContent = box.getAttribute("data-done");
      });
      xhr.addEventListener("load", function () {
        var loc = xhr.getResponseHeader("Location");
        if (xhr.status === 202 && loc) {
          window.location.assign(loc);
          return;
        }
        // The form again with its problems (400), or an error page: show it.
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        if (doc.title) document.title = doc.title;
        document.body.innerHTML = doc.body.innerHTML;
        setup();
        var first = document.querySelector(".form-errors, [aria-invalid=true], h1");
        if (first) {
          if (!first.hasAttribute("tabindex")) first.setAttribute("tabindex", "-1");
          first.focus();
        }
      });
      xhr.addEventListener("error", function () {
        text.textContent = status.textContent = box.getAttribute("data-failed");
        button.disabled = false;
        button.removeAttribute("aria-disabled");
      });
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Prefer", "respond-async");
      xhr.send(new FormData(form));
    });
  }
  setup();
})();
