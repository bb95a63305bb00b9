"""The EU/EEA and UK rules for digital content sold at a distance, as the store applies
them (README, "Withdrawal and consent").

A consumer may withdraw from a distance contract within 14 days (Directive 2011/83/EU art.
9; UK Consumer Contracts Regulations 2013 reg. 29-31). For digital content the right ends
only once the consumer has expressly asked for the content to begin during that period and
acknowledged losing the right (art. 16(m); reg. 37), and the confirmation must say so on a
durable medium (art. 8(7)). The seller offers a withdrawal function while the right lasts
(art. 11a, inserted by Directive (EU) 2023/2673).

Buyers who declare a country of CONSENT_COUNTRIES see the CONSENT_TEXT box at checkout.
Ticked: access begins at payment. Not ticked: access begins when the withdrawal period
(WITHDRAWAL_DAYS from the purchase) is over, the buyer may start earlier by giving the same
consent in My account, and may withdraw until then. Outside those countries nothing changes.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from app.models import Consent, OrderStatus
from app.models._time import as_utc, utcnow

#: What a buyer in one of the countries reads when the store requires the tick to pay.
CONSENT_REQUIRED = ("To buy this course you need to tick the box: access starts at once, "
                    "so you lose your right to withdraw. Nothing has been charged.")
#: Orders that may be withdrawn from (paid, maybe partly refunded).
WITHDRAWABLE = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


@dataclass(frozen=True)
class ConsentChoice:
    """What the checkout form said: the declared country (None when the form carried
    none), whether the consent box was shown for it, whether it was ticked."""

    country: str | None
    applies: bool
    given: bool
    text: str
    version: str
    ip: str | None = None


def applies_to(country):
    """Whether buyers declaring `country` are asked for consent (and may withdraw)."""
    return bool(country) and country.upper() in current_app.config["CONSENT_COUNTRIES"]


def required_to_pay(country):
    """Whether a buyer of `country` must tick the box to pay ("start later" not offered)."""
    return applies_to(country) and not current_app.config["CONSENT_OFFER_START_LATER"]


def wording():
    """(the text shown next to the box, its version)."""
    config = current_app.config
    return config["CONSENT_TEXT"], config["CONSENT_TEXT_VERSION"]


def choice(*, country, given, ip=None):
    """The ConsentChoice of a checkout for `country` with the box ticked or not."""
    text, version = wording()
    country = country.upper() if country else None
    applies = applies_to(country)
    return ConsentChoice(country=country, applies=applies, given=bool(given) and applies,
                         text=text, version=version, ip=ip)


def applies_to_order(order, chosen):
    """Whether the rules apply to `order` with the checkout's answer `chosen`: a buyer of
    those countries, and a sale. An order that costs nothing (a 100 % code) has nothing
    to withdraw from or refund, so its access starts at once, as a free enrolment's."""
    return chosen.applies and order.amount > 0


def record_at_checkout(order, chosen):
    """Write the checkout's answer on a new order (its consent row when the rules apply
    to it); the caller adds and commits the order."""
    if chosen is None:
        return order
    applies = applies_to_order(order, chosen)
    order.buyer_country = chosen.country
    order.consent_applies = applies
    if applies:
        now = utcnow()
        order.consents.append(Consent(source="checkout", country=chosen.country,
                                      text=chosen.text, text_version=chosen.version,
                                      given=chosen.given, ip=chosen.ip, created_at=now))
        order.immediate_access_at = now if chosen.given else None
    else:
        order.immediate_access_at = None
    return order


def same_answer(order, chosen):
    """Whether `chosen` says what the order already records."""
    return (order.buyer_country == chosen.country
            and order.consent_applies == applies_to_order(order, chosen)
            and (order.immediate_access_at is not None)
            == (chosen.given and applies_to_order(order, chosen)))


def record_early_start(order, *, ip):
    """The buyer gives the consent from My account: the row, and the order's time of it."""
    text, version = wording()
    now = utcnow()
    order.consents.append(Consent(source="account", country=order.buyer_country or "",
                                  text=text, text_version=version, given=True, ip=ip,
                                  created_at=now))
    order.immediate_access_at = now
    return order


def purchased_at(order):
    """When the contract was made: the payment (the order's creation before that)."""
    return as_utc(order.paid_at or order.created_at)


def window_ends_at(order):
    """When the order's withdrawal period is over (and access without consent starts)."""
    return purchased_at(order) + timedelta(days=current_app.config["WITHDRAWAL_DAYS"])


def access_starts_at(order):
    """When the order's access begins: None (at payment), or the end of the withdrawal
    period for a buyer of those countries who did not ask for immediate access."""
    if not order.consent_applies or order.immediate_access_at is not None:
        return None
    return window_ends_at(order)


def _in_window(order, now=None):
    return (now or utcnow()) < window_ends_at(order)


def waiting_to_start(order, now=None):
    """Whether the order's access has not begun yet and may be started early."""
    return (order.consent_applies and order.immediate_access_at is None
            and not order.withdrawn and not order.is_duplicate
            and order.status in WITHDRAWABLE and _in_window(order, now))


def may_withdraw(order, now=None):
    """Whether the buyer still has the right to withdraw from `order` here: a buyer of
    those countries, within the period, no consent given, paid and not refunded fully."""
    return waiting_to_start(order, now) and order.remaining_refundable > 0


def note_card_country(order, card_country):
    """Record whether the card's country (once Stripe says it) differs from the declared
    one; it never blocks anything, the admin sees it."""
    if order.buyer_country and card_country:
        order.country_mismatch = card_country.upper() != order.buyer_country.upper()
    return order.country_mismatch
