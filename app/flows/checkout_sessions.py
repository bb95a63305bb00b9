"""Stripe's hosted Checkout (`checkout`): the buyer pays on Stripe's page.

The course page asks for the email (and "save this card"); the server writes the order
and its attempt, creates the order's Checkout Session under the attempt's key and sends
the buyer to its `url`. Stripe's page takes the card (3-D Secure and declines included)
and sends the buyer to the store's success page, which reads the Session itself; the
`checkout.session.completed` webhook does the same, whichever comes first, through the
same lifecycle step. An expired Session (`checkout.session.expired`, or reconcile past
its `expires_at`) releases its order. A Session whose answer was lost (the buyer never
got its page) is expired by reconcile: nobody can pay it.
"""

import logging
import time

from flask import current_app, url_for

from app import orders, payments
from app.extensions import db
from app.flows import customer_step
from app.flows.base import Started, first_request_in_flight
from app.flows.charges import charge_fields
from app.flows.payment_intents import (
    CHARGE_EVENTS,
    INTENT_EVENTS,
    PaymentIntentsFlow,
    keep_saved_card,
)
from app.models import RequestState
from app.models._unique import commit_keeping

log = logging.getLogger(__name__)

SESSION_EVENTS = frozenset({"checkout.session.completed", "checkout.session.expired",
                            "checkout.session.async_payment_succeeded",
                            "checkout.session.async_payment_failed"})


def record_session(attempt, result):
    """Turn what Stripe says about the attempt's Session into the lifecycle's step."""
    if result.status == payments.results.SUCCEEDED:
        keep_saved_card(attempt, result)
        return orders.payment_succeeded(attempt, result)
    if result.status == payments.results.CANCELED:
        return orders.payment_failed(attempt, result)
    return orders.payment_needs_action(attempt, result)


def _pages(order):
    """The Session's success and cancel pages (absolute, on the address the buyer uses)."""
    success = url_for("checkout.session_return", public_id=order.public_id, _external=True)
    cancel = url_for("checkout.session_cancel", public_id=order.public_id, _external=True)
    # Stripe puts the Session's id where the literal {CHECKOUT_SESSION_ID} stands.
    return f"{success}?session_id={{CHECKOUT_SESSION_ID}}", cancel


def _tax():
    """What Stripe Tax needs to tax the Session on its page (TAX_MODE on), or None."""
    config = current_app.config
    mode = config.get("TAX_MODE", "off")
    if mode == "off":
        return None
    return {"behavior": mode, "code": config["TAX_CODE_ELEARNING"]}


def _taxed_on_page(attempt):
    """Whether the attempt's Session is taxed by Stripe (its total known once paid)."""
    request = attempt.request or (attempt.setup_request or {}).get("session") or {}
    return bool((request.get("automatic_tax") or {}).get("enabled") or request.get("tax"))


def _own_session(attempt, session):
    """Whether a Session Stripe tells of (an event's object) is the attempt's own: the
    one its create answered with; while that answer is unknown (lost), one naming the
    order in its metadata for the order's amount and currency, as the store asks.

    `client_reference_id` alone proves nothing: other integrations of the same account
    set it (a Payment Link takes any value from its URL), and the buyer knows the order's
    reference, so a $1 Session naming a $69 order must not pay it.
    """
    if attempt.checkout_session_id:
        return session.get("id") == attempt.checkout_session_id
    request = attempt.request or {}
    price = ((request.get("line_items") or [{}])[0] or {}).get("price_data") or {}
    metadata = session.get("metadata") or {}
    return bool(price) and metadata.get("order_id") == attempt.order.reference and \
        session.get("currency") == price.get("currency") and \
        session.get("amount_subtotal") == price.get("unit_amount")


class CheckoutSessionsFlow(PaymentIntentsFlow):
    """A Checkout Session per order, paid on Stripe's hosted page."""

    name = "checkout"
    events = SESSION_EVENTS | INTENT_EVENTS | CHARGE_EVENTS

    def prepare(self, order, *, course, save_for=None, customer=None):
        """The attempt of the order's Session. `customer` is the signed-in buyer's Stripe
        customer; with `save_for` the card is kept on the buyer's customer (made first,
        under the buyer's key, when there is none)."""
        attempt = orders.new_attempt(order, flow=self.name)
        fields = charge_fields(order, course)
        success, cancel = _pages(order)
        minutes = current_app.config["CHECKOUT_SESSION_MINUTES"]
        session = {**fields, "title": course.title, "reference": order.reference,
                   "success_url": success, "cancel_url": cancel,
                   "expires_at": int(time.time()) + 60 * minutes, "tax": _tax()}
        if save_for is not None:
            customer = save_for.customer_id(order.livemode)
        if save_for is not None and customer is None:
            attempt.setup_request = {
                **customer_step.new_customer_request(save_for, livemode=order.livemode),
                "session": session}
        else:
            attempt.request = payments.session_request(
                **session, customer=customer, save_card=save_for is not None)
        return attempt

    def start(self, attempt):
        """Create the Session (after the buyer's customer, when one is made); the buyer is
        sent to its page."""
        error, result = self._create(attempt, first=True)
        url = result.url if result is not None else None
        return Started(error=error, next_step={"url": url} if url else None)

    def _create(self, attempt, *, first):
        """Send (or repeat) the customer step and the Session request; (error, result)."""
        if attempt.request is None:
            request = attempt.setup_request
            try:
                customer = customer_step.create_buyers_customer(attempt, request)
            except payments.PaymentError as exc:
                customer_step.record_error(attempt, exc, first=first)
                return exc, None
            attempt.customer_id = customer
            attempt.request = payments.session_request(
                **request["session"], customer=customer, save_card=True)
            db.session.commit()
        try:
            result = payments.create_session(attempt.request,
                                             idempotency_key=attempt.idempotency_key)
        except payments.PaymentError as exc:
            if exc.uncertain:
                orders.payment_unanswered(attempt, exc.detail)
            elif first or not isinstance(exc, (payments.PaymentBusy,
                                               payments.PaymentConfigError)):
                orders.payment_failed(attempt, payments.PaymentResult.failure(
                    code=exc.failure_code, message=exc.detail[:500]))
            return exc, None
        record_session(attempt, result)
        return None, result

    def resume(self, attempt):
        """{"url": …} of the Session's hosted page while the buyer can still pay there
        (read from Stripe), else None."""
        if not attempt.live or not attempt.checkout_session_id:
            return None
        result = payments.retrieve_session(attempt.checkout_session_id)
        record_session(attempt, result)
        attempt.checked_at = None  # the buyer pays again: their return reads it at once
        db.session.commit()
        return {"url": result.url} if attempt.live and result.url else None

    def _expire(self, attempt):
        record_session(attempt, payments.expire_session(
            attempt.checkout_session_id,
            idempotency_key=f"{attempt.idempotency_key}-expire"))

    def close_for_card_testing(self, attempt):
        """The declines tried on Stripe's page paused the address: expire the Session (its
        intent cannot be cancelled directly), so that no further card is tried on it."""
        try:
            self._expire(attempt)
        except payments.PaymentError as exc:
            log.warning("Order %s: could not expire session %s after card testing: %s",
                        attempt.order.reference, attempt.checkout_session_id, exc.detail)
            return
        log.warning("Order %s: its address is paused for declined cards; session %s "
                    "expired", attempt.order.reference, attempt.checkout_session_id)

    def settle(self, attempt):
        """Read the Session back and record it. A Session whose creation was never
        answered is made (under its key) and expired at once: its buyer never got its
        page. One past its `expires_at` is expired."""
        try:
            if attempt.checkout_session_id is None:
                if attempt.request_state == RequestState.ANSWERED and not attempt.live:
                    return str(attempt.order.status)
                error, result = self._create(attempt, first=False)
                if error is None and attempt.live:
                    self._expire(attempt)
            else:
                result = payments.retrieve_session(attempt.checkout_session_id)
                record_session(attempt, result)
                expires = (attempt.request or {}).get("expires_at") or 0
                if attempt.live and time.time() >= expires:
                    self._expire(attempt)
        except payments.PaymentError as exc:
            db.session.commit()
            return f"still pending ({type(exc).__name__}: {exc.detail[:120]})"
        commit_keeping()  # what was just locked and written: the receipt needs no reload
        return str(attempt.order.status)

    def release(self, attempt):
        """Expire the Session (nobody can pay it after), so the order is free for the
        buyer's new one; a Session already paid is recorded as such. An attempt whose
        first request is still under way is left to its own process."""
        if first_request_in_flight(attempt):
            return "still pending (its first request is under way)"
        if attempt.checkout_session_id is None:
            return self.settle(attempt)
        try:
            record_session(attempt, payments.retrieve_session(attempt.checkout_session_id))
            if attempt.live:
                self._expire(attempt)
        except payments.PaymentError as exc:
            log.warning("Order %s: could not expire session %s: %s",
                        attempt.order.reference, attempt.checkout_session_id, exc.detail)
        db.session.commit()
        return str(attempt.order.status)

    def look_up(self, attempt):
        """Read the Session back (read-only) and record what it says."""
        if attempt.checkout_session_id is None:
            return "still pending (no session yet)"
        try:
            record_session(attempt, payments.retrieve_session(attempt.checkout_session_id))
        except payments.PaymentError as exc:
            return f"still pending ({type(exc).__name__}: {exc.detail[:120]})"
        commit_keeping()  # what was just locked and written: the receipt needs no reload
        return str(attempt.order.status)

    def attempt_for_event(self, event_type, obj):
        """The attempt of a Session event (its id or `client_reference_id`), or of its
        PaymentIntent's and charge's events (the intent's id, or the order's reference
        in their metadata)."""
        if event_type.startswith("checkout.session."):
            attempt = (orders.attempt_with(checkout_session_id=obj.get("id"))
                       or orders.current_attempt_of(obj.get("client_reference_id")))
            if attempt is not None and not _own_session(attempt, obj):
                log.warning("Session %s names order %s but is not its Session: ignored",
                            obj.get("id"), attempt.order.reference)
                return None
        else:
            intent = obj.get("id") if event_type.startswith("payment_intent.") \
                else obj.get("payment_intent")
            if isinstance(intent, dict):
                intent = intent.get("id")
            if not isinstance(intent, str) or not intent:
                return None  # a charge of no intent: not a Session's
            attempt = orders.attempt_with(payment_intent_id=intent)
            if attempt is None:
                # An intent the store has not heard of yet: its order's own Session says
                # whether it is that Session's (handle_event reads it), never the metadata.
                attempt = orders.current_attempt_of(
                    (obj.get("metadata") or {}).get("order_id"))
                if attempt is not None and (attempt.payment_intent_id
                                            or not attempt.checkout_session_id):
                    return None  # the order's intent is another one, or none is known
        return attempt if attempt is not None and attempt.flow == self.name else None

    def handle_event(self, event_type, obj, attempt):
        """Record the Session, intent or charge snapshot. A completed Session is read
        back with its intent and charge (the event has neither), and if Stripe cannot
        answer the webhook answers 503 so that Stripe delivers it again."""
        if event_type.startswith("checkout.session."):
            result = payments.PaymentResult.from_session(obj)
            if result.status == payments.results.SUCCEEDED:
                result = payments.retrieve_session(obj["id"])
            record_session(attempt, result)
            return attempt.order
        intent = obj.get("id") if event_type.startswith("payment_intent.") \
            else obj.get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        if intent != attempt.payment_intent_id:
            # Found by the order in its metadata: the intent is the order's only if the
            # order's own Session, read back, says so (another Session's is ignored).
            own = payments.retrieve_session(attempt.checkout_session_id)
            if own.payment_intent_id != intent:
                log.warning("Intent %s names order %s but is not its Session's: ignored",
                            intent, attempt.order.reference)
                return attempt.order
            record_session(attempt, own)
        if obj.get("status") == "succeeded" and attempt.live and \
                attempt.checkout_session_id and _taxed_on_page(attempt):
            # The intent's and charge's news lacks the tax Stripe added on its page: the
            # order is paid from its Session (the total, the tax and its rate).
            record_session(attempt, payments.retrieve_session(attempt.checkout_session_id))
            return attempt.order
        return super().handle_event(event_type, obj, attempt)
