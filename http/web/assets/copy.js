// Copy buttons: <button data-copy="<id of an input>" data-copied="<text to announce>">.
// The value is copied to the clipboard (or selected, where the clipboard is not available)
// and the status next to it announces the result to screen readers.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) { return; }
      var section = button.closest("section");
      var status = section && section.querySelector("[role=status]");
      var done = function () { if (status) { status.textContent = button.getAttribute("data-copied"); } };
      input.focus();
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
})();
