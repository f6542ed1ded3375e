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
})();
