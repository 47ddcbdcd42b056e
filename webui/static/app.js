/* Small enhancements; every page works without them.
 *
 * - "/" focuses the search box (unless you are typing somewhere already).
 * - Submitting the search form leaves out empty and default fields, so the
 *   URL that gets shared or bookmarked holds only what was chosen.
 * - On a document reached from a search, the first match is brought into
 *   view (the link already carries #first-match; this covers a reload or
 *   a link without the fragment).
 */
(function () {
  "use strict";

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    var box = document.getElementById("q");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  var form = document.getElementById("search-form");
  if (form) {
    form.addEventListener("submit", function () {
      var fields = form.elements;
      for (var i = 0; i < fields.length; i++) {
        var field = fields[i];
        if (!field.name || field.disabled) continue;
        var blank = field.value === "" && field.name !== "q";
        var isDefault = field.name === "match" && field.value === "all" && field.checked;
        if (blank || isDefault) field.disabled = true;
      }
      // Re-enable after the browser has read the form (for the back button).
      window.setTimeout(function () {
        for (var j = 0; j < fields.length; j++) fields[j].disabled = false;
      }, 0);
    });
  }

  var first = document.getElementById("first-match");
  if (first && !window.location.hash && /[?&]q=/.test(window.location.search)) {
    first.scrollIntoView({ block: "center" });
  }
})();
