// Enhancements only: every flow works without this file.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });
  // Pay by card / Pay by invoice: show the card field and name the final button accordingly.
  function syncPayment() {
    var card = document.getElementById("method-card");
    var button = document.getElementById("pay-button");
    var cardFields = document.getElementById("card-fields");
    if (!card || !button) { return; }
    button.textContent = card.checked ? "Pay now" : "Place order";
    if (cardFields) { cardFields.hidden = !card.checked; }
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.name === "payment_method") { syncPayment(); }
    // The checkout's order summary follows the country: ask for the price again (the same
    // as pressing Show price, which works without this file).
    var showPrice = document.getElementById("show-price");
    if (event.target && event.target.id === "country" && showPrice && showPrice.form) {
      showPrice.form.requestSubmit(showPrice);
    }
  });
  document.addEventListener("DOMContentLoaded", syncPayment);
  // A page answered with a refusal: the summary at its top takes the focus (read out first).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
  // The final button (data-busy="Paying…") shows that work is under way and cannot be
  // pressed twice. Disabled a moment after the submit, so the form still sends it.
  function busy(button, on) {
    if (on) {
      button.setAttribute("data-label", button.textContent);
      button.textContent = button.getAttribute("data-busy");
      button.setAttribute("aria-busy", "true");
      setTimeout(function () { button.disabled = true; }, 0);
    } else if (button.hasAttribute("data-label")) {
      button.textContent = button.getAttribute("data-label");
      button.removeAttribute("aria-busy");
      button.disabled = false;
    }
  }
  window.licensorBusy = busy;
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (event.defaultPrevented || !button || !button.hasAttribute("data-busy")) { return; }
    if (button.id === "pay-button") {  // its words follow the payment chosen
      var card = document.getElementById("method-card");
      button.setAttribute("data-busy", card && !card.checked ? "Placing order…" : "Paying…");
    }
    busy(button, true);
  });
  // Back to a page kept by the browser: its buttons work again.
  window.addEventListener("pageshow", function () {
    var buttons = document.querySelectorAll("button[data-busy]");
    for (var i = 0; i < buttons.length; i++) { busy(buttons[i], false); }
  });
})();
