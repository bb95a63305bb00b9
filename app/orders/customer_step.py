"""Saving the card at checkout: the Stripe customer step that comes before the charge.

When the buyer ticks "Save this card", the order first stores its `customer_request` —
`Customer.create(source=tok_…, email, metadata)` under `order-<public_id>-customer`, or, when
the buyer already has a customer in this mode, adding the card to it (it becomes the
default) under `order-<public_id>-card` — and commits (write-before-call). Only once Stripe
has answered does the order get its `charge_request` (`customer=cus_…, source=card_…`),
committed before the charge is sent.

So an order with a customer request and no charge request has never sent a charge: if the
customer step's outcome is unknown, repeating it under the same key returns the same
customer and card (never a second customer for one order), and a customer step that
surely failed leaves the order failed with nothing charged.
"""

import logging

from sqlalchemy import update

from app import payments
from app.access.services import ensure_buyer
from app.extensions import db
from app.models import Buyer
from app.orders.actions import record_failure

log = logging.getLogger(__name__)

END_OF_LIFE_MESSAGE = (
    "We could not save your card: our payment provider no longer accepts saving cards "
    "this way for this store. You have not been charged. Please pay without saving the "
    "card."
)


def customer_request(order, *, buyer, livemode, charge):
    """The customer step for `order` (whose token is `order.stripe_token`).

    `charge` holds the charge parameters other than customer and card. Creates a customer
    unless `buyer` already has one in this mode, in which case the card is added to it.
    """
    existing = buyer.customer_id(livemode) if buyer is not None else None
    request = {"livemode": livemode, "charge": charge}
    if existing:
        request.update(kind="add_card", customer=existing,
                       params={"source": order.stripe_token},
                       idempotency_key=f"order-{order.public_id}-card")
    else:
        request.update(kind="create", idempotency_key=f"order-{order.public_id}-customer",
                       params={"source": order.stripe_token, "email": order.email,
                               "description": f"Buyer {order.email}",
                               "metadata": {"buyer_id": str(buyer.id) if buyer else "",
                                            "order_id": order.reference}})
    return request


def remember_customer(email, customer_id, *, livemode):
    """Store the customer id on the buyer, unless the buyer already has one in this mode."""
    buyer = ensure_buyer(email)
    column = Buyer.stripe_customer_id_live if livemode else Buyer.stripe_customer_id_test
    db.session.execute(update(Buyer).where(Buyer.id == buyer.id, column.is_(None))
                       .values({column.key: customer_id}))
    db.session.expire(buyer)
    kept = buyer.customer_id(livemode)
    if kept != customer_id:
        # Two first checkouts of one new buyer saved cards at the same time: the buyer
        # keeps the first customer; this order's card stays on its own customer.
        log.warning("Buyer %s keeps customer %s; customer %s (this order's card) is not "
                    "used for one-click purchases", buyer.id, kept, customer_id)


def run(order, *, first):
    """Perform (or repeat) the order's customer step; on success set its charge request.

    Commits the charge request before returning None. Returns the PaymentError otherwise:
    the order is then failed (nothing was charged: no charge request was ever sent) or
    still pending (the outcome is unknown and the step is repeated later).
    """
    request = order.customer_request
    key = request["idempotency_key"]
    try:
        if request["kind"] == "add_card":
            customer_id = request["customer"]
            card_id = payments.add_card(customer_id, request["params"]["source"],
                                        idempotency_key=key)
        else:
            customer_id, card_id = payments.create_customer(request["params"],
                                                            idempotency_key=key)
    except payments.CardDeclined as exc:  # the card was refused when attaching it
        order.decline_code = exc.decline_code
        record_failure(order, code=exc.code or "card_declined", message=exc.user_message)
        return exc
    except payments.PaymentError as exc:
        if _customer_gone(request, exc):
            return _start_over_with_a_new_customer(order, first=first)
        _record_error(order, exc, first=first)
        return exc
    order.stripe_customer_id = customer_id
    remember_customer(order.email, customer_id, livemode=request["livemode"])
    order.charge_request = payments.customer_charge_request(
        customer=customer_id, card=card_id, **request["charge"])
    db.session.commit()
    log.info("Order %s saved its card %s on customer %s", order.reference, card_id,
             customer_id)
    return None


def _customer_gone(request, exc):
    """Stripe no longer knows the buyer's customer (deleted in the dashboard)."""
    return (request["kind"] == "add_card" and isinstance(exc, payments.PaymentRejected)
            and exc.detail.startswith("No such customer"))


def _start_over_with_a_new_customer(order, *, first):
    """Forget the buyer's deleted customer and save the card on a new one instead.

    The refused request performed nothing (the token is unspent), so the order's stored
    customer step may be replaced before anything else is sent.
    """
    request = order.customer_request
    buyer = ensure_buyer(order.email)
    column = Buyer.stripe_customer_id_live if request["livemode"] else \
        Buyer.stripe_customer_id_test
    db.session.execute(update(Buyer).where(Buyer.id == buyer.id,
                                           column == request["customer"])
                       .values({column.key: None}))
    db.session.expire(buyer)
    log.warning("Customer %s of buyer %s is gone at Stripe; order %s creates a new one",
                request["customer"], buyer.id, order.reference)
    order.customer_request = customer_request(order, buyer=None, livemode=request["livemode"],
                                              charge=request["charge"])
    order.customer_request["params"]["metadata"]["buyer_id"] = str(buyer.id)
    db.session.commit()
    return run(order, first=first)


def _record_error(order, exc, *, first):
    if exc.uncertain and not exc.replayed:
        # The customer may exist: the step is repeated under the same key later.
        order.failure_message = f"Stripe unavailable: {exc.detail}"[:500]
        return
    if not first and isinstance(exc, (payments.PaymentBusy, payments.PaymentConfigError)):
        return  # this repeat was not performed; the first attempt's outcome is unknown
    if getattr(exc, "end_of_life", False):
        record_failure(order, code="card_tokens_end_of_life", message=END_OF_LIFE_MESSAGE)
        return
    # A definite refusal (or a stored server error): no charge request was ever sent.
    record_failure(order, code=exc.failure_code, message=exc.detail[:500])
