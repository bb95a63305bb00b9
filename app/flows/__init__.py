"""Payment flows: adapters between Stripe (`app.payments`) and the order lifecycle
(`app.orders`), one module per way of taking money, behind one interface
(`app.flows.base.PaymentFlow`) and looked up by name in `app.flows.registry.FLOWS`.

- `charges`: a Stripe.js card token charged with `Charge.create` (the seed's flow), with
  an optional customer step that saves the card first (`customer_step`);
- `saved_card`: one click, a card saved earlier on the buyer's Stripe customer;
- `payment_intents`: the Payment Element and a PaymentIntent the browser confirms (3-D
  Secure), saving the card with `setup_future_usage`;
- `saved_card_intent`: one click through an off-session PaymentIntent, the buyer brought
  back to authenticate when the bank asks;
- `checkout`: a Checkout Session, paid on Stripe's hosted page;
- `free`: nothing to pay (a course priced 0, a 100 % code): enrolled with no Stripe call.

The checkout prepares and starts an attempt through its flow; webhooks (`handle_event`),
`flask orders reconcile` (`reconcile_pending`), the background worker (`settle_due`) and
pages (`look_up`, read-only) ask the registry, never a flow by name. A new flow is one
module with a `PaymentFlow` subclass, registered in `FLOWS`.
"""

from app.flows.base import PaymentFlow, Started
from app.flows.charges import CHARGE_EVENTS
from app.flows.customer_step import END_OF_LIFE_MESSAGE
from app.flows.events import handle as handle_event
from app.flows.payment_intents import INTENT_FLOWS
from app.flows.registry import (
    FLOWS,
    RETURN_INTERVAL,
    for_attempt,
    get,
    look_up,
    reconcile_pending,
    settle,
    settle_due,
)

__all__ = [
    "CHARGE_EVENTS",
    "END_OF_LIFE_MESSAGE",
    "FLOWS",
    "INTENT_FLOWS",
    "RETURN_INTERVAL",
    "PaymentFlow",
    "Started",
    "for_attempt",
    "get",
    "handle_event",
    "look_up",
    "reconcile_pending",
    "settle",
    "settle_due",
]
