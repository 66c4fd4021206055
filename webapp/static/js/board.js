// The applications board: drag a card to another column where the browser can. Dropping does
// what the card's own button or link for that stage does, so the board works without it.
(function () {
  "use strict";
  var board = document.querySelector(".board");
  if (!board || !("draggable" in document.createElement("li"))) return;
  var dragged = null;

  function target(card, stage) {
    return card.querySelector('button[name="stage"][value="' + stage + '"], a[data-stage="' + stage + '"]');
  }

  board.querySelectorAll("[data-application]").forEach(function (card) {
    card.draggable = true;
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.id);
      card.classList.add("dragging");
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("dragging");
      dragged = null;
    });
  });

  board.querySelectorAll(".column").forEach(function (column) {
    var stage = column.getAttribute("data-stage");
    column.addEventListener("dragover", function (event) {
      if (dragged && target(dragged, stage)) {
        event.preventDefault();
        column.classList.add("drop-here");
      }
    });
    column.addEventListener("dragleave", function () {
      column.classList.remove("drop-here");
    });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("drop-here");
      var control = dragged && target(dragged, stage);
      if (!control) return;
      if (control.tagName === "A") {
        window.location.assign(control.href);
      } else {
        control.form.requestSubmit(control);
      }
    });
  });
})();
