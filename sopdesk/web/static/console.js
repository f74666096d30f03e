// sopdesk console: the little plain JavaScript the pages need (HTMX does the rest).
// Select-all on the queue, "use this text" for macro previews, drag and drop on the board,
// keys on the queue (j/k move, x tick, Enter open, e reply) and on the case page (e reply).
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

  // A print button (the print-ready proof): no inline script under the CSP.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) window.print();
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
    var board = document.getElementById("board");
    htmx.ajax("POST", "/board/move", {
      target: "#board",
      swap: "outerHTML",
      values: {
        "case": caseId,
        column: lane.getAttribute("data-column"),
        level: board ? board.getAttribute("data-level") : "",
        assignee: board ? board.getAttribute("data-assignee") : "",
      },
      headers: { "X-CSRF-Token": csrfToken() },
    });
  });

  // --- keyboard: j/k move the cursor row, x ticks it, Enter opens it, e opens its reply ---
  function typing(target) {
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-keyboard-list] [data-row]"));
  }

  function moveTo(list, index) {
    list.forEach(function (row) {
      row.classList.remove("cursor");
      row.removeAttribute("aria-selected");
    });
    var row = list[index];
    if (!row) return;
    row.classList.add("cursor");
    row.setAttribute("aria-selected", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  function focusReply() {
    var reply = document.getElementById("reply-body");
    if (reply) {
      reply.focus();
      reply.scrollIntoView({ block: "center" });
    }
    return !!reply;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var list = rows();
    if (!list.length) {
      if (event.key === "e" && focusReply()) event.preventDefault();
      return;
    }
    var current = list.findIndex(function (row) { return row.classList.contains("cursor"); });
    if (event.key === "j" || event.key === "k") {
      var step = event.key === "j" ? 1 : -1;
      var next = current < 0 ? 0 : Math.min(list.length - 1, Math.max(0, current + step));
      moveTo(list, next);
      event.preventDefault();
    } else if (current >= 0 && event.key === "x") {
      var box = list[current].querySelector('input[name="case"]');
      if (box) box.checked = !box.checked;
      event.preventDefault();
    } else if (current >= 0 && (event.key === "Enter" || event.key === "o")) {
      window.location.assign(list[current].getAttribute("data-href"));
      event.preventDefault();
    } else if (current >= 0 && event.key === "e") {
      window.location.assign(list[current].getAttribute("data-href") + "#reply-body");
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (window.location.hash === "#reply-body") focusReply();
  });
})();
