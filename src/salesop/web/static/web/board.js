// The pipeline board: drag a card to another stage; the server runs the stage gate. A refused
// move puts the card back and shows what is missing above the board.
(function () {
  "use strict";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
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
      if (!result.ok) {
        evt.from.insertBefore(card, evt.from.children[evt.oldIndex] || null);
        card.classList.remove("opacity-50");
        panel.innerHTML = result.html;
        if (window.htmx) { window.htmx.process(panel); }
        return;
      }
      // The moved card, and each column's count and amounts as the server counts them (a
      // column shows only its newest cards, so counting cards here would be wrong).
      panel.innerHTML = "";
      var answer = document.createElement("template");
      answer.innerHTML = result.html;
      answer.content.querySelectorAll("template[data-totals-of]").forEach(function (totals) {
        var header = board.querySelector('[data-totals="' + totals.dataset.totalsOf + '"]');
        if (header) { header.innerHTML = totals.innerHTML; }
        totals.remove();
      });
      card.replaceWith(answer.content);
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
