// sopdesk console: the little plain JavaScript the pages need (HTMX does the rest).
// Select-all on the queue, "use this text" for macro previews, drag and drop on the board.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // A refused form (422) still shows its messages in place.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("[data-select-all]")) {
      document.querySelectorAll('input[name="case"]').forEach(function (each) {
        each.checked = box.checked;
      });
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-insert]") : null;
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-insert"));
    var target = document.querySelector(button.getAttribute("data-into"));
    if (source && target) {
      target.value = source.textContent;
      target.focus();
    }
  });

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest("[data-case]") : null;
    if (!card) return;
    event.dataTransfer.setData("text/plain", card.getAttribute("data-case"));
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function (event) {
    var card = event.target.closest ? event.target.closest("[data-case]") : null;
    if (card) card.classList.remove("dragging");
  });

  document.addEventListener("dragover", function (event) {
    var lane = event.target.closest ? event.target.closest("[data-column]") : null;
    if (!lane) return;
    event.preventDefault();
    lane.classList.add("over");
  });

  document.addEventListener("dragleave", function (event) {
    var lane = event.target.closest ? event.target.closest("[data-column]") : null;
    if (lane) lane.classList.remove("over");
  });

  document.addEventListener("drop", function (event) {
    var lane = event.target.closest ? event.target.closest("[data-column]") : null;
    if (!lane) return;
    event.preventDefault();
    lane.classList.remove("over");
    var caseId = event.dataTransfer.getData("text/plain");
    if (!caseId) return;
    htmx.ajax("POST", "/board/move", {
      target: "#board",
      swap: "outerHTML",
      values: { "case": caseId, column: lane.getAttribute("data-column") },
      headers: { "X-CSRF-Token": csrfToken() },
    });
  });
})();
