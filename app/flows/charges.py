"""The Charges API flows: a card token (`charges`, the seed's flow, optionally saving the
card first) and a card saved earlier on the buyer's Stripe customer (`saved_card`, one
click). Both send `Charge.create` under the attempt's idempotency key and settle the same
way (see `charge_replay`)."""

from flask import current_app

from app import cards, orders, payments
from app.extensions import db
from app.flows import charge_replay, customer_step
from app.flows.base import PaymentFlow, Started
from app.models import AttemptStatus

#: Charge events; `charge.dispute.*` are handled for every flow in `app.flows.events`.
CHARGE_EVENTS = frozenset({"charge.succeeded", "charge.failed", "charge.refunded",
                           "charge.updated", "charge.captured"})


def charge_fields(order, course):
    """The charge parameters every order of `course` shares, whatever pays it."""
    store = current_app.config["STORE_NAME"]
    description = f"{order.course_title} — {store}"
    metadata = {"order_id": order.reference, "course": course.slug}
    if order.coupon_code:  # the price the pricing step decided, and why it is lower
        description += f" (code {order.coupon_code})"
        metadata.update(coupon=order.coupon_code, list_price=str(order.list_price),
                        discount=str(order.discount_amount))
    return {
        "amount": order.amount,
        "currency": order.currency,
        "description": description,
        "metadata": metadata,
        "receipt_email": order.email,
    }


class ChargesFlow(PaymentFlow):
    """A Stripe.js card token charged with `Charge.create(source=tok_…)`."""

    name = "charges"
    events = CHARGE_EVENTS

    def prepare(self, order, *, course, token, save_for=None):
        """The attempt charging `token`; with `save_for` (a buyer) the card is saved on
        the buyer's customer first, and the charge request is written after that step."""
        attempt = orders.new_attempt(order, flow=self.name, stripe_token=token)
        charge = charge_fields(order, course)
        if save_for is not None:
            attempt.setup_request = customer_step.setup_request(
                order, buyer=save_for, token=token, livemode=order.livemode,
                charge=charge)
        else:
            attempt.request = payments.charge_request(token=token, **charge)
        return attempt

    def start(self, attempt):
        """Send the first request(s); the reservation of the card-testing limit is the
        checkout's, settled in the same transaction (the caller commits)."""
        return Started(error=charge_replay.send_charge_request(attempt, first=True))

    def settle(self, attempt):
        """Repeat the attempt's request under its key (or look its charge up when the key
        has expired)."""
        return charge_replay.settle(attempt)

    def look_up(self, attempt):
        """Find the attempt's charge by the order's metadata; nothing is sent."""
        if attempt.status != AttemptStatus.PENDING:
            return str(attempt.order.status)
        summary = charge_replay.look_up(attempt)
        db.session.commit()
        return summary

    def attempt_for_event(self, event_type, obj):
        """The attempt of a charge event: by charge id, else by `metadata.order_id`."""
        result = payments.PaymentResult.from_charge(obj)
        attempt = orders.attempt_with(charge_id=result.charge_id)
        if attempt is None and not result.payment_intent_id:
            attempt = orders.current_attempt_of(result.metadata.get("order_id"))
        if attempt is not None and attempt.flow != self.name:
            return None
        return attempt

    def record_charge(self, attempt, result):
        """The attempt's one charge: succeeded, failed, or still processing."""
        return charge_replay.record_charge(attempt, result)

    def handle_event(self, event_type, obj, attempt):
        """A charge event is a snapshot of the attempt's charge."""
        self.record_charge(attempt, payments.PaymentResult.from_charge(obj))
        return attempt.order


class SavedCardFlow(ChargesFlow):
    """One click: `Charge.create(customer=cus_…, source=card_…)` with a card the buyer
    saved earlier."""

    name = "saved_card"

    def prepare(self, order, *, course, customer_id, card_id):
        """The attempt charging the buyer's saved card `card_id` of `customer_id`."""
        attempt = orders.new_attempt(order, flow=self.name, customer_id=customer_id,
                                     saved_card=True)
        attempt.request = payments.customer_charge_request(
            customer=customer_id, card=card_id, **charge_fields(order, course))
        return attempt

    def start(self, attempt):
        """Charge the saved card; a card or customer Stripe no longer has is forgotten."""
        started = super().start(attempt)
        cards.forget_lost(started.error, customer_id=attempt.customer_id,
                          card_id=attempt.request["source"], livemode=attempt.order.livemode)
        return started
