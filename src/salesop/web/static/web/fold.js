// On a phone, the long pages' secondary cards (marked data-fold) start folded to their
// header, which opens and closes them; a link to one (#quotes) opens it. Wider screens
// show every card as it is.
(function () {
  "use strict";
  var phone = window.matchMedia("(max-width: 767.98px)");

  function toggle(card, open) {
    card.classList.toggle("folded", !open);
    var header = card.querySelector(".card-header");
    if (header) { header.setAttribute("aria-expanded", open ? "true" : "false"); }
  }

  function prepare(card, folded) {
    if (card.dataset.foldReady) { return; }
    card.dataset.foldReady = "1";
    var header = card.querySelector(".card-header");
    if (!header) { return; }
    header.setAttribute("role", "button");
    header.setAttribute("tabindex", "0");
    header.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, select, textarea, form")) { return; }
      toggle(card, card.classList.contains("folded"));
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        toggle(card, card.classList.contains("folded"));
      }
    });
    toggle(card, !folded);
  }

  function openTarget() {
    if (!location.hash) { return; }
    var target = document.getElementById(location.hash.slice(1));
    var card = target && target.closest("[data-fold]");
    if (card) { toggle(card, true); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!phone.matches) { return; }
    document.querySelectorAll("[data-fold]").forEach(function (card) { prepare(card, true); });
    openTarget();
  });
  // A card htmx puts back after an action stays open: it is the one being worked on.
  document.addEventListener("htmx:load", function (event) {
    if (!phone.matches) { return; }
    var root = event.detail.elt;
    var cards = root.matches && root.matches("[data-fold]") ? [root] : root.querySelectorAll("[data-fold]");
    Array.prototype.forEach.call(cards, function (card) { prepare(card, false); });
  });
  window.addEventListener("hashchange", openTarget);
})();
