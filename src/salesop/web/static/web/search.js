// The search box on every page: "/" puts the cursor in it (unless one is typing elsewhere),
// Escape closes its results, the arrow keys walk them.
(function () {
  "use strict";
  function box() { return document.getElementById("global-search"); }
  function results() { return document.getElementById("search-results"); }
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function close() {
    var list = results();
    if (list) { list.classList.remove("show"); }
  }
  document.addEventListener("keydown", function (event) {
    var input = box();
    if (!input) { return; }
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(document.activeElement)) {
      event.preventDefault();
      input.focus();
      input.select();
      return;
    }
    var list = results();
    if (!list || !list.contains(document.activeElement) && document.activeElement !== input) { return; }
    if (event.key === "Escape") {
      // Closes the list and keeps the words (a search box would erase them); Bootstrap's
      // own dropdown keys are not for this list.
      event.preventDefault();
      event.stopPropagation();
      input.focus();  // (focusing shows the list: closed after)
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.stopPropagation();
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      if (!links.length) { return; }
      event.preventDefault();
      var at = links.indexOf(document.activeElement);
      var next = event.key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) { input.focus(); } else { links[Math.min(next, links.length - 1)].focus(); }
    }
  }, true);
  document.addEventListener("focusin", function (event) {
    var list = results();
    if (event.target === box() && list && list.innerHTML.trim() !== "") { list.classList.add("show"); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === results()) {
      results().classList.toggle("show", results().innerHTML.trim() !== "");
    }
  });
  document.addEventListener("click", function (event) {
    var form = box() && box().form;
    if (form && !form.contains(event.target)) { close(); }
  });
})();
