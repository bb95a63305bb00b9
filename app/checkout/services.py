"""Placing an order from the course page: price it, write it, start its payment once.

The checkout's own rules live here — the card-testing limit per address, one open order
per buyer and course, who may save a card — and what the buyer is told. How the money is
taken is the payment flow's (`app.flows`), and how the order changes is the lifecycle's
(`app.orders`).
"""

import logging
import time
from dataclasses import dataclass

from flask import current_app

from app import card_testing, cards, code_guessing, flows, orders, payments, pricing, throttle
from app.checkout import evidence
from app.extensions import db
from app.models import Order, OrderStatus
from app.models._unique import commit_keeping

log = logging.getLogger(__name__)


@dataclass
class CheckoutOutcome:
    """What the buyer should see: the order (None if none was placed) and a message."""

    order: Order | None
    message: str | None = None
    #: What the buyer's browser does next when the payment waits for them (the flow's
    #: Started.next_step: a client secret, or {"authenticate": True}).
    next_step: dict | None = None
    #: Why nothing was placed, when the pricing step refused: "code" (the coupon code
    #: cannot be used), "tax" (Stripe Tax could not answer) or "country" (the card's
    #: country contradicts the declared one: the buyer confirms it first).
    refused_by: str | None = None

    @property
    def retry_on_course_page(self):
        """Nothing was charged and the buyer should try again from the course page."""
        return self.order is None or (
            self.message is not None and self.order.status == OrderStatus.FAILED
        )


def livemode():
    """Whether the store takes real money (live keys)."""
    return not payments.is_test_mode(current_app.config)


_livemode = livemode


def one_click_flow():
    """The flow a one-click purchase takes under PAYMENT_FLOW: a Charge of a saved card,
    or an off-session PaymentIntent."""
    return flows.registry.checkout_flows(current_app.config)[1]


def may_save_card(email, signed_in):
    """Whether a checkout for `email` may save its card (see the README, Saved cards).

    Saving makes the card the default that one-click purchases charge, so only a browser
    signed in as that email with an emailed link may do it (`signed_in` is
    `current_buyer()`, never a session opened by paying): paying proves the card, not the
    email, and anyone who knows an address could otherwise put a card on its account or
    replace its owner's default card.
    """
    return signed_in is not None and signed_in.email == email.strip().lower()


# --- Card-testing protection (app/card_testing.py) -----------------------------------

decline_key = card_testing.key
_record_decline = card_testing.declined
_release = card_testing.release


# --- Placing -------------------------------------------------------------------------

#: "Check again now" presses of one order that ask Stripe, per CHECK_AGAIN_WINDOW seconds;
#: more show the receipt as it stands. Each press may send requests to Stripe, and the
#: form needs only some session's CSRF token: pressed in a loop by anyone holding the
#: order's address, it spent the store's Stripe rate limit (every buyer's checkout).
CHECK_AGAIN_LIMIT = 10
CHECK_AGAIN_WINDOW = 60


def may_check_again(order):
    """Whether a "Check again now" press on `order` may ask Stripe now (counted)."""
    return not throttle.try_acquire([f"check-again:{order.public_id}"],
                                    limit=CHECK_AGAIN_LIMIT, window=CHECK_AGAIN_WINDOW)


def already_open_message(order):
    """What a buyer who tries to pay again for an open order is told; nothing is charged."""
    state = ("is still being confirmed" if order.status == OrderStatus.PENDING
             else "was already paid")
    return (f"An order for this course with this email {state}, so we did not charge "
            "you again. Check your email for the receipt, or contact us if you need help.")


def _already_open(order):
    return CheckoutOutcome(None, already_open_message(order))


def _paused(wait, ip):
    """What a buyer at a paused address is told (many declines: card testing)."""
    log.warning("Checkout from %s refused: too many declined cards", ip)
    return CheckoutOutcome(
        None,
        "Too many declined payments came from your connection. Please wait "
        f"{max(1, round(wait / 60))} minute(s) before trying again, or contact us.",
    )


def price(course, code=None, email=None, *, ip=None):
    """The quote for `course` with the coupon `code` the buyer gave (for `email`), from
    the address `ip`: what every flow charges, read from the database now.

    A typed code goes through the code-guessing limit of the address
    (app/code_guessing.py): refused without being looked up while the address is
    refused, and counted when it cannot be used."""
    if not pricing.looked_up(course, code):
        return pricing.quote_for(course, code, email=email)
    if (refused := code_guessing.refusal(ip)) is not None:
        return pricing.refused_quote(course, code, refused)
    quote = pricing.quote_for(course, code, email=email)
    if quote.code_error is not None and (refused := code_guessing.wrong_code(ip)):
        return pricing.refused_quote(course, code, refused)
    return quote


def preview_price(course, code, email, signed_in, *, ip):
    """The quote the course page shows (Apply, `?code=`) before anything is placed.

    A code's per-buyer limit is checked only for the email of the buyer signed in on
    this browser with an emailed link (`signed_in` is `current_buyer()`): for any other
    typed email the answer would tell a stranger whether that email has bought with the
    code. The limit is enforced when the order is placed (`charged_price`, then
    app/orders/redemptions.py), answered to someone about to pay with that email.
    """
    own = (signed_in is not None and isinstance(email, str)
           and signed_in.email == email.strip().lower())
    return price(course, code, signed_in.email if own else None, ip=ip)


def place_pending(course, email, *, flow, find_existing, ip=None, quote=None, consent=None,
                  policies=None, before_commit=None, browser_key=None, **inputs):
    """Commit a pending order at `quote` (the list price by default), with the
    checkout's consent answer, and its first attempt by `flow` (with whatever the
    transaction already holds); (order, created). `policies`: the order columns of the
    policy versions the checkout showed (app.policies.shown_versions).

    An order that costs nothing goes to the `free` flow, whatever `flow` was asked: it
    needs no payment. Raises orders.CodeRefused when the quote's code was just used up.
    """
    quote = quote or price(course)
    if quote.free:
        flow, inputs = "free", {}
    order = orders.new_order(quote, course=course, email=email, livemode=livemode(),
                             consent=consent, policies=policies, browser_key=browser_key)
    flows.get(flow).prepare(order, course=course, **inputs).client_ip = ip
    return orders.place(order, find_existing=find_existing, quote=quote,
                        before_commit=before_commit)


def _place(course, email, *, flow, ip, quote, token=None, **inputs):
    """Commit the new order with one reserved attempt of the address (card-testing
    protection), in one transaction. Returns (order, outcome): the new order, or what
    the buyer is told instead (nothing is reserved then).

    The database decides races without reading first: the card token is unique (a double
    click finds its order) and so is a buyer's open order of a course (two tabs). A buyer
    paying again while their first order waits for Stripe's answer settles it first (a
    POST), then, if it failed, gets a new order. While the address's attempts in flight
    fill its limit, the placing waits its turn (without holding a transaction) for at
    most card_testing.PATIENCE_SECONDS.
    """
    deadline = time.monotonic() + card_testing.PATIENCE_SECONDS
    pause, settled_first = 0.05, False
    if token is not None and not quote.free:
        inputs["token"] = token
    while True:
        try:
            order, created = place_pending(
                course, email, flow=flow, ip=ip, quote=quote, find_existing=lambda: None,
                before_commit=lambda: card_testing.reserve_now(ip), **inputs)
        except orders.CodeRefused as refused:  # nothing placed, nothing reserved
            return None, CheckoutOutcome(None, refused.message)
        except card_testing.Full as full:  # rolled back: nothing placed or reserved
            paused = card_testing.seconds_paused(ip)
            if paused or time.monotonic() + pause > deadline:
                return None, _paused(paused or full.wait, ip)
            db.session.rollback()
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
            continue
        if created:
            return order, None
        # The insert was refused (and rolled back): why?
        replayed = orders.attempt_with(stripe_token=token) if token else None
        if replayed is not None and replayed.order.email == email \
                and replayed.order.course_id == course.id:
            log.info("Token %s replayed; showing order %s", token,
                     replayed.order.reference)
            return None, CheckoutOutcome(replayed.order)  # a double click, a resubmit
        if replayed is not None:  # someone else's order: never shown, nothing charged
            log.warning("Token of order %s posted again for another course or email: "
                        "refused", replayed.order.reference)
            return None, _refusal(ip) or CheckoutOutcome(None, TOKEN_USED)
        open_order = orders.open_order_for(course.id, email)
        if open_order is not None and open_order.status == OrderStatus.PENDING \
                and not settled_first:
            settled_first = True
            flows.settle(open_order.payment, force=True)  # paying again after a lost answer
            continue
        if open_order is not None:
            log.info("Refused a second order of %s for order %s's email", course.slug,
                     open_order.reference)
            # (not counted: a buyer's own tabs racing one another end here)
            return None, _refusal(ip, count=False) or _already_open(open_order)
        if settled_first:
            return None, CheckoutOutcome(None, NOT_STARTED)
        settled_first = True  # the order in the way was settled meanwhile: once more


def _refusal(ip, *, count=True):
    """A checkout refused before Stripe because of what it names (an email that already
    bought the course, a token of another order): the pause message when the address is
    paused (then nothing about the email or the token is revealed to it), else None,
    with the refusal counted against the address like a decline when `count`."""
    paused = card_testing.seconds_paused(ip)
    if paused:
        return _paused(paused, ip)
    if count:
        card_testing.count_decline(ip)
        db.session.commit()
    return None


def _start(order, ip):
    """Send the new order's first request(s), settle the address's reservation in the
    same transaction as the answer, commit; the outcome."""
    started = flows.Started()
    try:
        started = flows.for_attempt(order.payment).start(order.payment)
    except BaseException:
        db.session.rollback()
        _release(ip)
        raise
    if isinstance(started.error, payments.CardDeclined) or \
            getattr(started.error, "refused_input", False):
        _record_decline(ip, commit=False)  # a decline keeps its reservation
    else:
        _release(ip, commit=False)
    commit_keeping()
    if started.error is None and started.next_step:
        return CheckoutOutcome(order, next_step=started.next_step)
    return _outcome(order, started.error)


NOT_SAVED = ("Your card was not saved: saving a card needs you signed in as {email} with "
             "the link we email you. Open the link in your confirmation, then tick the box "
             "on your next purchase.")
NOT_STARTED = "Your payment could not be started. Please try again."
TOKEN_USED = ("Those card details were already used for another payment, so you have not "
              "been charged. Please enter your card again.")
CARD_REFUSED = ("We could not use the card details your browser sent, so you have not "
                "been charged (order {reference}). Please enter your card again.")
CARD_CHANGED = ("That saved card is no longer on your account, so you have not been "
                "charged. Please check your card on the course page and pay again.")


TAX_UNAVAILABLE = ("We could not work out the tax for your order just now, so nothing "
                   "was charged. Please try again in a moment.")


def code_refused(quote):
    """What a buyer who pays with a code that cannot be used is told (nothing is
    charged: they saw a price the code no longer gives), or None."""
    if quote.code_error is None:
        return None
    return CheckoutOutcome(None, f"{quote.code_error} Nothing was charged; the price "
                                 "without the code is shown below.", refused_by="code")


def charged_price(course, code, email, country, state=None, *, ip, tax=True, vat=None):
    """(quote, None): what a checkout charges for `course` — the coupon `code` applied
    for `email`, then the tax for the buyer's `country` — or (None, what the buyer is
    told) when the code cannot be used or Stripe Tax cannot answer (nothing is written
    or charged then). Free orders carry no tax. Every flow prices through this step
    (the token checkout, one click, the Payment Element, hosted Checkout); `tax` False
    leaves the tax to Stripe's own page (hosted Checkout's `automatic_tax`); `vat` is a
    business buyer's VAT number (app.pricing.vat_numbers), which Stripe Tax may reverse
    charge. `ip`: the buyer's address (the code-guessing limit)."""
    quote = price(course, code, email, ip=ip)
    if (refused := code_refused(quote)) is not None:
        return None, refused
    if quote.free or not tax:
        return quote, None
    try:
        return pricing.with_tax(quote, country=country, state=state, vat=vat), None
    except payments.PaymentError as error:
        log.warning("Tax calculation for %s failed: %s", course.slug, error)
        return None, CheckoutOutcome(None, TAX_UNAVAILABLE, refused_by="tax")


def record_tax_if_paid(outcome):
    """A taxed order the checkout has just paid: its Tax Transaction now (else the
    worker's pass records it)."""
    order = outcome.order
    if order is not None and order.tax_calculation_id and \
            order.tax_transaction_id is None and order.status == OrderStatus.PAID:
        orders.record_tax(order)


def place_order(*, course, email, token, ip=None, save_card=False, signed_in=None,
                code=None, consent=None, policies=None, country=None, state=None,
                vat=None, country_confirmed=None):
    """Charge `token` for `course` exactly once and return the outcome.

    With `save_card`, the card is first saved on the buyer's Stripe customer (when
    `may_save_card` allows it; `signed_in` is the buyer signed in on this browser).
    With a coupon `code`, the order is placed at its price (a use of the code taken);
    a code that cannot be used places nothing. An order that costs nothing is enrolled
    without charging the token (the `free` flow). With TAX_MODE on, the tax for the
    buyer's country (`country`, else the one declared with the consent answer) is asked
    of Stripe Tax first, before anything is written.
    """
    email = email.strip().lower()  # stored lower-case: one buyer, one open order
    declared = country or getattr(consent, "country", None)
    question = evidence.confirmation_needed(token, declared, country_confirmed)
    if question is not None:  # the card says another country: the buyer confirms first
        return CheckoutOutcome(None, question, refused_by="country")
    quote, refused = charged_price(course, code, email, declared, state, ip=ip, vat=vat)
    if refused is not None:
        return refused
    save_for = note = None
    if save_card and may_save_card(email, signed_in):
        save_for = signed_in
    elif save_card:
        note = NOT_SAVED.format(email=email)
    order, refused = _place(course, email, flow="charges", ip=ip, quote=quote,
                            token=token, save_for=save_for, consent=consent,
                            policies=policies)
    if refused is not None:
        return refused
    outcome = _start(order, ip)
    record_tax_if_paid(outcome)
    if note and outcome.message is None:
        outcome.message = note
    return outcome


def enrol_free(*, course, email, ip=None, code=None):
    """Enrol `email` in `course` when its quote (with `code`) comes to nothing: an order
    and its `free` attempt, paid at once with no Stripe call. Anything that costs money
    is refused (the buyer pays on the course page)."""
    email = email.strip().lower()
    quote = price(course, code, email, ip=ip)
    if (refused := code_refused(quote)) is not None:
        return refused
    if not quote.free:
        return CheckoutOutcome(None, "This course is not free: please pay below.")
    order, refused = _place(course, email, flow="free", ip=ip, quote=quote)
    if refused is not None:
        return refused
    return _start(order, ip)


def place_saved_card_order(*, course, buyer, card_id, ip=None, code=None, consent=None,
                           policies=None, state=None, vat=None):
    """One click: charge the signed-in buyer's saved card `card_id` for `course`, once.

    The same rules as a token checkout: the throttle, one open order per course and
    email, the charge request (customer + card) committed before the call under the
    attempt's idempotency key. The card must be one the store has saved for the buyer
    (the row the confirmation page showed): anything else is refused before Stripe.
    """
    customer_id = buyer.customer_id(livemode())
    if not customer_id:
        return CheckoutOutcome(None, "You have no saved card. Please pay with your card.")
    card = cards.owned(buyer, card_id, livemode=livemode())
    if card is None:  # removed or replaced since the page was shown, or not the buyer's
        return CheckoutOutcome(None, CARD_CHANGED)
    quote, refused = charged_price(course, code, buyer.email,
                                   getattr(consent, "country", None), state, ip=ip,
                                   vat=vat)
    if refused is not None:
        return refused
    order, refused = _place(course, buyer.email, flow=one_click_flow(), ip=ip,
                            quote=quote, customer_id=card.customer_id, card_id=card.card_id,
                            consent=consent, policies=policies)
    if refused is not None:
        return refused
    outcome = _start(order, ip)
    record_tax_if_paid(outcome)
    return outcome


def _outcome(order, error):
    """Log the result of the first request and choose what the buyer is told."""
    reference = order.reference
    if error is None:
        log.info("Order %s paid by charge %s", reference,
                 order.charge_id or "(free, none)")
        return CheckoutOutcome(order)
    if isinstance(error, payments.CardDeclined):
        log.info("Order %s declined: %s/%s", reference, error.code, error.decline_code)
        return CheckoutOutcome(order, error.user_message)
    if order.status == OrderStatus.PENDING:
        # The charge may or may not exist: never charge it again here. The webhook, the
        # background worker, reconcile or the buyer's "Check again" settles it.
        log.warning("Order %s left pending: %s", reference, error.detail)
        return CheckoutOutcome(
            order,
            f"We could not confirm your payment yet (order {reference}). "
            "Please do not pay again: if the charge went through, your order "
            "completes automatically and you will get a receipt by email.",
        )
    if order.status == OrderStatus.PAID:  # settled by a lookup after a stored error
        return CheckoutOutcome(order)
    if getattr(error, "end_of_life", False) and order.payment.setup_request:
        return CheckoutOutcome(order, flows.END_OF_LIFE_MESSAGE)
    if getattr(error, "refused_input", False) and order.status == OrderStatus.FAILED:
        log.info("Order %s failed: Stripe refused the card sent (%s)", reference,
                 order.payment.failure_code)
        return CheckoutOutcome(order, CARD_REFUSED.format(reference=reference))
    log.error("Order %s failed (%s): %s", reference, order.payment.failure_code,
              error.detail)
    if isinstance(error, payments.PaymentBusy):
        return CheckoutOutcome(
            order,
            f"Our payment provider is busy right now and you have not been charged "
            f"(order {reference}). Please try again in a moment.",
        )
    return CheckoutOutcome(
        order,
        f"We could not process your payment and you have not been charged "
        f"(order {reference}). Please try again later or contact us.",
    )
