"""Saving the card at checkout: the Stripe customer step that comes before the charge.

When the buyer ticks "Save this card", the attempt first stores its `setup_request` and
commits it with the order (write-before-call); only once Stripe has answered does the
attempt get its charge `request` (`customer=cus_…, source=card_…`), committed before the
charge is sent. So an attempt with a setup request and no charge request has never sent
a charge, and repeating a step under its key returns what the first try made.

The step, by its `kind`:

- `new_customer`: the buyer has no customer in this mode yet. `Customer.create(email,
  description, metadata={buyer_id})` is sent under a key of the *buyer*
  (`buyer-<id>-customer-<mode>-<generation>`), with the same parameters from every order,
  so two first saving checkouts at the same moment (two tabs, two courses) get the same
  customer from Stripe; the id is stored on the buyer, and the step becomes `add_card`.
- `add_card`: the card behind the token is added to the customer
  (`POST /v1/customers/cus_…/sources`, key `order-<public_id>-card`) and made its default
  (`default_source`, key `…-card-default`), so the newest saved card is what one click
  charges.
- `create`: the single `Customer.create(source=tok_…)` call of orders placed before the
  per-buyer key existed; kept so that those requests can still be repeated.
"""

import logging

from sqlalchemy import update

from app import cards, orders, payments
from app.access import ensure_buyer
from app.extensions import db
from app.models import Buyer

log = logging.getLogger(__name__)

END_OF_LIFE_MESSAGE = (
    "We could not save your card: our payment provider no longer accepts saving cards "
    "this way for this store. You have not been charged. Please pay without saving the "
    "card."
)


def _mode(livemode):
    return "live" if livemode else "test"


def _column(livemode):
    return Buyer.stripe_customer_id_live if livemode else Buyer.stripe_customer_id_test


def setup_request(order, *, buyer, token, livemode, charge):
    """The customer step of `order` for the card behind `token`.

    `charge` holds the charge parameters other than customer and card. The card is added
    to the buyer's customer in this mode, which is created first when there is none.
    """
    generation = buyer.customer_generation or 1
    # A card added to a customer that turns out to be gone is added again, to the new
    # customer, under a key of its own.
    suffix = "" if generation == 1 else f"-{generation}"
    request = {"livemode": livemode, "charge": charge, "token": token,
               "card_key": f"order-{order.public_id}-card{suffix}"}
    existing = buyer.customer_id(livemode)
    if existing:
        request.update(kind="add_card", customer=existing)
    else:
        request.update(new_customer_request(buyer, livemode=livemode))
    return request


def remember_customer(email, customer_id, *, livemode):
    """Store the customer id on the buyer unless it has one in this mode; the one kept."""
    buyer = ensure_buyer(email)
    column = _column(livemode)
    db.session.execute(update(Buyer).where(Buyer.id == buyer.id, column.is_(None))
                       .values({column.key: customer_id}))
    db.session.expire(buyer)
    kept = buyer.customer_id(livemode)
    if kept != customer_id:
        log.warning("Buyer %s keeps customer %s; customer %s is not used for one-click "
                    "purchases", buyer.id, kept, customer_id)
    return kept


def new_customer_request(buyer, *, livemode):
    """Creating the buyer's customer in this mode under the buyer's own key (see the
    module docstring): the same request from every order of the buyer."""
    generation = buyer.customer_generation or 1
    return {"kind": "new_customer", "livemode": livemode,
            "idempotency_key": f"buyer-{buyer.id}-customer-{_mode(livemode)}-{generation}",
            "params": {"email": buyer.email, "description": f"Buyer {buyer.email}",
                       "metadata": {"buyer_id": str(buyer.id)}}}


def create_buyers_customer(attempt, request):
    """Send a `new_customer` step; the customer the buyer keeps (raises PaymentError)."""
    customer_id, _ = payments.create_customer(
        request["params"], idempotency_key=request["idempotency_key"], shared_key=True)
    return remember_customer(attempt.order.email, customer_id,
                             livemode=request["livemode"])


def run(attempt, *, first):
    """Perform (or repeat) the attempt's customer step; on success set its charge request.

    Commits the charge request before returning None. Returns the PaymentError otherwise:
    the attempt is then failed (nothing was charged: no charge request was ever sent) or
    still pending (the outcome is unknown and the step is repeated later).
    """
    request = dict(attempt.setup_request)
    try:
        if request["kind"] == "new_customer":
            customer_id = create_buyers_customer(attempt, request)
            request.update(kind="add_card", customer=customer_id)
            attempt.setup_request = request
            db.session.commit()
        if request["kind"] == "add_card":
            customer_id = request["customer"]
            card = payments.add_card(customer_id, request["token"],
                                     idempotency_key=request["card_key"])
            card_id = card.id
            # What the pages show of it, kept with the charge request it goes with.
            cards.keep(card, customer_id=customer_id, livemode=request["livemode"])
        else:  # "create", placed before the per-buyer key (see the module docstring)
            # The card's details come with its `customer.source.created` event (or the
            # backfill): this old request is repeated exactly as it was first sent.
            customer_id, card_id = payments.create_customer(
                request["params"], idempotency_key=request["idempotency_key"])
            remember_customer(attempt.order.email, customer_id,
                              livemode=request["livemode"])
    except payments.CardDeclined as exc:  # the card was refused when attaching it
        orders.payment_failed(attempt, payments.PaymentResult.failure(
            code=exc.code or "card_declined", message=exc.user_message,
            decline_code=exc.decline_code))
        return exc
    except payments.PaymentError as exc:
        if _customer_gone(request, exc):
            return _start_over_with_a_new_customer(attempt, first=first)
        record_error(attempt, exc, first=first)
        return exc
    attempt.customer_id = customer_id
    attempt.request = payments.customer_charge_request(
        customer=customer_id, card=card_id, **request["charge"])
    db.session.commit()
    log.info("Order %s saved its card %s on customer %s", attempt.order.reference,
             card_id, customer_id)
    return None


def _customer_gone(request, exc):
    """Stripe no longer knows the buyer's customer (deleted in the dashboard)."""
    return (request["kind"] == "add_card" and isinstance(exc, payments.PaymentRejected)
            and exc.detail.startswith("No such customer"))


def _start_over_with_a_new_customer(attempt, *, first):
    """Forget the buyer's deleted customer and save the card on a new one instead.

    The refused request performed nothing (the token is unspent), so the attempt's
    stored step may be replaced before anything else is sent. The buyer's generation is
    bumped with the customer id it replaces, once, so concurrent orders that find the
    customer gone agree on the new key.
    """
    request = attempt.setup_request
    cards.forget_customer(request["customer"], livemode=request["livemode"])
    buyer = ensure_buyer(attempt.order.email)
    db.session.refresh(buyer)
    log.warning("Customer %s of buyer %s is gone at Stripe; order %s creates a new one",
                request["customer"], buyer.id, attempt.order.reference)
    attempt.setup_request = setup_request(
        attempt.order, buyer=buyer, token=request["token"], livemode=request["livemode"],
        charge=request["charge"])
    db.session.commit()
    return run(attempt, first=first)


def record_error(attempt, exc, *, first):
    """Record a PaymentError from a customer step: fail the attempt only when it proves
    that nothing was charged (no charge request was ever sent)."""
    if exc.uncertain and not exc.replayed:
        # The customer or card may exist: the step is repeated under its key later.
        orders.payment_unanswered(attempt, exc.detail)
        return
    if not first and isinstance(exc, (payments.PaymentBusy, payments.PaymentConfigError)):
        return  # this repeat was not performed; the first try's outcome is unknown
    if getattr(exc, "end_of_life", False):
        orders.payment_failed(attempt, payments.PaymentResult.failure(
            code="card_tokens_end_of_life", message=END_OF_LIFE_MESSAGE))
        return
    # A definite refusal (or a stored server error): no charge request was ever sent.
    orders.payment_failed(attempt, payments.PaymentResult.failure(
        code=exc.failure_code, message=exc.detail[:500]))
