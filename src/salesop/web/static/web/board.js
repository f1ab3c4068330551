// The pipeline board: drag a card to another stage; the server runs the stage gate. A refused
// move puts the card back and shows what is missing above the board.
(function () {
  "use strict";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function recount(board) {
    board.querySelectorAll("[data-stage]").forEach(function (zone) {
      var count = zone.closest(".board-column").querySelector("[data-count]");
      if (count) { count.textContent = zone.querySelectorAll("[data-deal]").length; }
    });
  }

  function moveCard(evt, board) {
    var card = evt.item;
    var panel = document.getElementById("gate-panel");
    var body = new URLSearchParams({ to_stage: evt.to.dataset.stage, expected_version: card.dataset.version });
    card.classList.add("opacity-50");
    fetch(card.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      body: body
    }).then(function (response) {
      return response.text().then(function (html) { return { ok: response.ok, html: html }; });
    }).then(function (result) {
      if (result.ok) {
        panel.innerHTML = "";
        card.outerHTML = result.html;
      } else {
        evt.from.insertBefore(card, evt.from.children[evt.oldIndex] || null);
        card.classList.remove("opacity-50");
        panel.innerHTML = result.html;
        if (window.htmx) { window.htmx.process(panel); }
      }
      recount(board);
    }).catch(function () {
      evt.from.insertBefore(card, evt.from.children[evt.oldIndex] || null);
      card.classList.remove("opacity-50");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.querySelector("[data-board]");
    if (!board || !window.Sortable) { return; }
    board.querySelectorAll("[data-stage]").forEach(function (zone) {
      window.Sortable.create(zone, {
        group: "deals",
        sort: false,
        animation: 150,
        draggable: "[data-deal]",
        onEnd: function (evt) { if (evt.from !== evt.to) { moveCard(evt, board); } }
      });
    });
    document.body.addEventListener("htmx:afterRequest", function (evt) {
      if (evt.detail.target && evt.detail.target.id === "gate-panel" && evt.detail.successful) {
        window.location.reload();
      }
    });
  });
})();
