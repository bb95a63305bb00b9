"""The PaymentIntents flows: the Payment Element on the course page (`payment_intents`),
and one click with a card saved earlier, confirmed off-session (`saved_card_intent`).

An order has one PaymentIntent, created by the server under the attempt's idempotency key
with the amount of the order (the request committed first). The buyer's browser confirms
it with Stripe.js, which runs 3-D Secure when the bank asks; a decline or a failed
authentication leaves the intent waiting for another card, on the same order. The
server never takes the browser's word: it reads the intent back (the return page,
webhooks, reconcile) and records what Stripe says through the lifecycle. An intent
abandoned for PAYMENT_INTENT_ABANDON_SECONDS is cancelled, which releases its order.
"""

import dataclasses
import logging
from datetime import timedelta

from flask import current_app

from app import card_testing, cards, orders, payments
from app.extensions import db
from app.flows import customer_step
from app.flows.base import PaymentFlow, Started, first_request_in_flight
from app.flows.charges import charge_fields
from app.models import RequestState
from app.models._time import as_utc, utcnow
from app.models._unique import commit_keeping

log = logging.getLogger(__name__)

INTENT_EVENTS = frozenset({
    "payment_intent.succeeded", "payment_intent.payment_failed",
    "payment_intent.canceled", "payment_intent.requires_action",
    "payment_intent.processing"})
#: Charge events of an intent's charges (they carry `payment_intent`).
CHARGE_EVENTS = frozenset({"charge.succeeded", "charge.failed", "charge.refunded",
                           "charge.updated", "charge.captured"})


def saves_card(attempt):
    """Whether the attempt's payment keeps its card on the buyer's customer
    (`setup_future_usage`, on the intent or a Checkout Session's `payment_intent_data`)."""
    request = attempt.request or {}
    intent_data = request.get("payment_intent_data") or {}
    return bool(request.get("setup_future_usage") or intent_data.get("setup_future_usage"))


def keep_saved_card(attempt, result):
    """A paid attempt that saved its card: store what the pages show of the card (when
    the result carries it; otherwise `payment_method.attached` brings it)."""
    if result.succeeded and saves_card(attempt):
        cards.keep_paid_with(result, livemode=attempt.order.livemode)


def record_intent(attempt, result):
    """Turn what Stripe says about the attempt's PaymentIntent into the lifecycle's step."""
    if result.status == payments.results.SUCCEEDED:
        keep_saved_card(attempt, result)
        return orders.payment_succeeded(attempt, result)
    if result.status == payments.results.CANCELED:
        return orders.payment_failed(attempt, dataclasses.replace(
            result, failure_code=result.failure_code or "canceled",
            failure_message=result.failure_message
            or "The payment was cancelled before it was completed."))
    return orders.payment_needs_action(attempt, result)


def _cancel(attempt, *, reason, key, after):
    """Cancel the attempt's intent (`reason`, under the idempotency key's `key` suffix)
    and record it; True when cancelled. When Stripe cannot be asked, a warning names
    what the cancel came `after`, and the attempt stays as it was."""
    try:
        record_intent(attempt, payments.cancel_intent(
            attempt.payment_intent_id, reason=reason,
            idempotency_key=f"{attempt.idempotency_key}-{key}"))
    except payments.PaymentError as exc:
        log.warning("Order %s: could not cancel intent %s after %s: %s",
                    attempt.order.reference, attempt.payment_intent_id, after, exc.detail)
        return False
    return True


def _abandoned(attempt):
    age = timedelta(seconds=current_app.config["PAYMENT_INTENT_ABANDON_SECONDS"])
    return utcnow() - as_utc(attempt.created_at) >= age


class PaymentIntentsFlow(PaymentFlow):
    """The Payment Element: the server creates the intent, the browser confirms it."""

    name = "payment_intents"
    events = INTENT_EVENTS | CHARGE_EVENTS

    def prepare(self, order, *, course, save_for=None):
        """The attempt of the order's PaymentIntent; with `save_for` (a buyer) the card is
        kept on the buyer's customer (made first, under the buyer's key, when there is
        none yet)."""
        attempt = orders.new_attempt(order, flow=self.name)
        fields = charge_fields(order, course)
        customer = save_for.customer_id(order.livemode) if save_for is not None else None
        if save_for is not None and customer is None:
            attempt.setup_request = {
                **customer_step.new_customer_request(save_for, livemode=order.livemode),
                "intent": fields}
        else:
            attempt.request = payments.intent_request(
                **fields, customer=customer, save_card=save_for is not None)
        return attempt

    def start(self, attempt):
        """Create the intent (after the buyer's customer, when one is made); the page gets
        its client secret to confirm it."""
        error, result = self._create(attempt, first=True)
        next_step = {"client_secret": result.client_secret} if result else None
        return Started(error=error, next_step=next_step)

    def _create(self, attempt, *, first):
        """Send (or repeat) the attempt's customer step and intent request; (error,
        result)."""
        if attempt.request is None:
            request = attempt.setup_request
            try:
                customer = customer_step.create_buyers_customer(attempt, request)
            except payments.PaymentError as exc:
                customer_step.record_error(attempt, exc, first=first)
                return exc, None
            attempt.customer_id = customer
            attempt.request = payments.intent_request(
                **request["intent"], customer=customer, save_card=True)
            db.session.commit()
        try:
            result = payments.create_intent(attempt.request,
                                            idempotency_key=attempt.idempotency_key)
        except payments.CardDeclined as exc:  # confirmed off-session and refused
            if exc.intent is not None:
                record_intent(attempt, exc.intent)
            return exc, exc.intent
        except payments.PaymentError as exc:
            if exc.uncertain:
                orders.payment_unanswered(attempt, exc.detail)
            elif first or not isinstance(exc, (payments.PaymentBusy,
                                               payments.PaymentConfigError)):
                orders.payment_failed(attempt, payments.PaymentResult.failure(
                    code=exc.failure_code, message=exc.detail[:500]))
            return exc, None
        record_intent(attempt, result)
        return None, result

    def resume(self, attempt):
        """{"client_secret": …} of the attempt's intent while the buyer can still pay it
        (read from Stripe; never stored), else None."""
        if not attempt.live or not attempt.payment_intent_id:
            return None
        result = payments.retrieve_intent(attempt.payment_intent_id)
        record_intent(attempt, result)
        attempt.checked_at = None  # the buyer pays again: their return reads it at once
        db.session.commit()
        return {"client_secret": result.client_secret} if attempt.live else None

    def settle(self, attempt):
        """Read the intent back and record it; create it if its answer was lost; cancel
        it when the buyer abandoned it."""
        if attempt.payment_intent_id is None:
            if attempt.request_state == RequestState.ANSWERED and not attempt.live:
                return str(attempt.order.status)
            error, _ = self._create(attempt, first=False)
            db.session.commit()
            if error is not None and attempt.live:
                return f"still pending ({type(error).__name__}: {error.detail[:120]})"
            return str(attempt.order.status)
        try:
            result = payments.retrieve_intent(attempt.payment_intent_id)
            record_intent(attempt, result)
            if attempt.live and _abandoned(attempt) and \
                    result.status != payments.results.PROCESSING:
                record_intent(attempt, payments.cancel_intent(
                    attempt.payment_intent_id,
                    idempotency_key=f"{attempt.idempotency_key}-cancel"))
                log.info("Order %s: intent %s abandoned, cancelled",
                         attempt.order.reference, attempt.payment_intent_id)
        except payments.PaymentError as exc:
            db.session.commit()
            return f"still pending ({type(exc).__name__}: {exc.detail[:120]})"
        commit_keeping()  # what was just locked and written: the receipt needs no reload
        return str(attempt.order.status)

    def release(self, attempt):
        """Cancel the intent while it only waits for a card (no confirmation can be under
        way), so the order is free for the buyer's new one; otherwise settle it. An
        attempt whose first request is still under way is left to its own process."""
        if first_request_in_flight(attempt):
            return "still pending (its first request is under way)"
        if attempt.payment_intent_id is None:
            return self.settle(attempt)
        try:
            result = payments.retrieve_intent(attempt.payment_intent_id)
            record_intent(attempt, result)
            if result.status == payments.results.REQUIRES_PAYMENT_METHOD:
                record_intent(attempt, payments.cancel_intent(
                    attempt.payment_intent_id, reason="abandoned",
                    idempotency_key=f"{attempt.idempotency_key}-cancel"))
        except payments.PaymentError as exc:
            log.warning("Order %s: could not release intent %s: %s",
                        attempt.order.reference, attempt.payment_intent_id, exc.detail)
        db.session.commit()
        return str(attempt.order.status)

    def look_up(self, attempt):
        """Read the intent back (read-only) and record what it says."""
        if attempt.payment_intent_id is None:
            return "still pending (no intent yet)"
        try:
            record_intent(attempt, payments.retrieve_intent(attempt.payment_intent_id))
        except payments.PaymentError as exc:
            return f"still pending ({type(exc).__name__}: {exc.detail[:120]})"
        commit_keeping()  # what was just locked and written: the receipt needs no reload
        return str(attempt.order.status)

    def close_for_card_testing(self, attempt):
        """The declines tried on this payment paused its address: cancel the intent, so
        that no further card can be tried on it from the browser (where the store's pause
        cannot stop them). If Stripe cannot be asked, the next decline tries again."""
        # Not the "-cancel" key of the other cancels: other parameters.
        if _cancel(attempt, reason="fraudulent", key="cancel-card-testing",
                   after="card testing"):
            log.warning("Order %s: its address is paused for declined cards; intent %s "
                        "cancelled", attempt.order.reference, attempt.payment_intent_id)

    def record_charge(self, attempt, result):
        """One of the intent's charges: a success pays; a decline leaves the intent
        waiting for another card."""
        if result.succeeded:
            keep_saved_card(attempt, result)
            return orders.payment_succeeded(attempt, result)
        return orders.payment_needs_action(attempt, dataclasses.replace(
            result, status=payments.results.REQUIRES_PAYMENT_METHOD))

    def attempt_for_event(self, event_type, obj):
        """The attempt of an intent event (the intent's id) or of a charge event (its
        `payment_intent`)."""
        intent_id = obj.get("id") if event_type.startswith("payment_intent.") \
            else obj.get("payment_intent")
        if isinstance(intent_id, dict):
            intent_id = intent_id.get("id")
        attempt = orders.attempt_with(payment_intent_id=intent_id) if intent_id else None
        if attempt is not None and attempt.flow not in INTENT_FLOWS:
            return None
        return attempt

    def handle_event(self, event_type, obj, attempt):
        """Record the event's intent or charge snapshot. Each failed confirmation (one
        `payment_intent.payment_failed`, delivered once per event id) counts as a decline
        against the address that started the payment (the card-testing pause)."""
        if event_type.startswith("payment_intent."):
            result = payments.PaymentResult.from_intent(obj)
            counted = event_type == "payment_intent.payment_failed" and attempt.client_ip \
                and result.decline_code != "authentication_required"
            if counted:
                card_testing.count_decline(attempt.client_ip)
            record_intent(attempt, result)
            if counted and attempt.live and card_testing.seconds_paused(attempt.client_ip):
                self.close_for_card_testing(attempt)
        else:
            self.record_charge(attempt, payments.PaymentResult.from_charge(obj))
        return attempt.order


class SavedCardIntentFlow(PaymentIntentsFlow):
    """One click: an off-session PaymentIntent with a card the buyer saved (a
    PaymentMethod, or a legacy `card_…` saved by the token flow). When the bank wants the
    buyer to authenticate, the intent waits and the buyer is brought back on-session."""

    name = "saved_card_intent"

    def prepare(self, order, *, course, customer_id, card_id):
        """The attempt confirming `card_id` of `customer_id` off-session."""
        attempt = orders.new_attempt(order, flow=self.name, customer_id=customer_id,
                                     payment_method_id=card_id, saved_card=True)
        attempt.request = payments.intent_request(
            **charge_fields(order, course), customer=customer_id, payment_method=card_id,
            off_session=True)
        return attempt

    def start(self, attempt):
        """Create and confirm the intent; a card that needs authenticating is not a
        decline: the page takes the buyer through it (the intent's client secret)."""
        error, result = self._create(attempt, first=True)
        cards.forget_lost(error, customer_id=attempt.customer_id,
                          card_id=attempt.payment_method_id, livemode=attempt.order.livemode)
        if isinstance(error, payments.CardDeclined) and error.authentication_required \
                and result is not None:
            return Started(error=None, next_step={"authenticate": True})
        if isinstance(error, payments.CardDeclined) and attempt.live:
            self._give_up(attempt)
        return Started(error=error)

    def _give_up(self, attempt):
        """A declined one-click payment: cancel its intent so the order is released and
        the buyer pays with another card (if Stripe does not answer, reconcile will)."""
        _cancel(attempt, reason="requested_by_customer", key="cancel", after="a decline")
        db.session.commit()


#: The flows whose attempts have a PaymentIntent.
INTENT_FLOWS = (PaymentIntentsFlow.name, SavedCardIntentFlow.name)
