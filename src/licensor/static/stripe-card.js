// Stripe's card element, on the pages that take a card when Stripe is configured: the card
// number goes from the browser to Stripe, and only the PaymentMethod id (pm_...) comes back to
// us, in the same card_token field the Card token input fills, so the server flow is the same.
(function () {
  "use strict";
  var box = document.getElementById("stripe-card");
  if (!box) { return; }
  var status = document.getElementById("card-element-status");
  var field = document.getElementById("card_token");
  var form = box.closest("form");
  function say(text) {
    status.textContent = text;
    status.hidden = !text;
  }
  if (typeof window.Stripe !== "function") {
    say("Stripe's card form could not be loaded, so no card can be taken here now. " +
        "Reload the page, or choose Pay by invoice where it is offered.");
    return;
  }
  var stripe = window.Stripe(box.getAttribute("data-stripe-key"));
  // The bank held the payment for the customer's confirmation (3-D Secure): Stripe.js shows
  // the bank's step; once confirmed, Stripe's webhook completes what was paid for.
  var held = box.getAttribute("data-client-secret");
  if (held) {
    say("Your bank asks you to confirm this payment…");
    stripe.handleNextAction({ clientSecret: held }).then(function (result) {
      if (result.error) { say(result.error.message + " Nothing was charged; try again."); return; }
      window.location.assign(box.getAttribute("data-return-url") +
                             "?payment_intent=" + encodeURIComponent(result.paymentIntent.id));
    });
  }
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  card.on("change", function (event) { say(event.error ? event.error.message : ""); });
  var busy = false;
  form.addEventListener("submit", function (event) {
    var method = form.querySelector("input[name=payment_method]:checked");
    if (method && method.value !== "card") { return; }  // Pay by invoice: no card
    if (field.value) { return; }  // tokenised already: this is the real submit
    event.preventDefault();
    if (busy) { return; }
    busy = true;
    // form.submit() sends no button: carry the one that was pressed (e.g. action=subscribe).
    var pressed = event.submitter;
    stripe.createPaymentMethod({ type: "card", card: card }).then(function (result) {
      busy = false;
      if (result.error) { say(result.error.message); return; }
      field.value = result.paymentMethod.id;
      if (pressed && pressed.name) {
        var carry = document.createElement("input");
        carry.type = "hidden";
        carry.name = pressed.name;
        carry.value = pressed.value;
        form.appendChild(carry);
      }
      if (pressed && window.licensorBusy && pressed.hasAttribute("data-busy")) {
        window.licensorBusy(pressed, true);
      }
      form.submit();
    });
  });
})();
