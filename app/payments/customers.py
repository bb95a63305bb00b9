"""Stripe Customers with saved cards: legacy cards (`card_…`, the token flow's "saving
cards for later") and card PaymentMethods (`pm_…`, saved by a PaymentIntent).

The store keeps what its pages show of a card (`app.cards`, from the SavedCard these
functions and the card webhooks give); `default_card` reads it from Stripe for the
backfill of cards saved before the store kept them.
"""

from dataclasses import dataclass

from app.payments.calls import call
from app.payments.client import get_client, with_timeout
from app.payments.errors import PaymentRejected
from app.payments.results import _id_of, _plain


@dataclass(frozen=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    funding: str | None = None
    #: The customer the card is saved on (None: not attached to one).
    customer_id: str | None = None

    @classmethod
    def from_payment_method(cls, method):
        """A card PaymentMethod (`pm_…`) as a SavedCard."""
        method = _plain(method)
        card = method.get("card") or {}
        return cls(id=method["id"], brand=(card.get("brand") or "card").title(),
                   last4=card.get("last4") or "", exp_month=card.get("exp_month") or 0,
                   exp_year=card.get("exp_year") or 0, funding=card.get("funding"),
                   customer_id=_id_of(method.get("customer")))

    @classmethod
    def from_stripe(cls, card):
        """A legacy card (`card_…`, a customer's source) as a SavedCard."""
        card = _plain(card)
        return cls(id=card["id"], brand=card.get("brand") or "Card",
                   last4=card.get("last4") or "", exp_month=card.get("exp_month") or 0,
                   exp_year=card.get("exp_year") or 0, funding=card.get("funding"),
                   customer_id=_id_of(card.get("customer")))

    @classmethod
    def from_object(cls, obj):
        """A card event's object (a legacy card or a card PaymentMethod), or None for any
        other kind of source or PaymentMethod."""
        obj = _plain(obj)
        if obj.get("object") == "card" and obj.get("id"):
            return cls.from_stripe(obj)
        if obj.get("object") == "payment_method" and obj.get("id") and \
                obj.get("type") == "card":
            return cls.from_payment_method(obj)
        return None

    @classmethod
    def from_payment(cls, result):
        """The card a succeeded payment (a PaymentResult) was paid with, when the result
        carries its details (a charge, or an intent read with its charge)."""
        if not result.payment_method_id or not result.card_last4:
            return None
        return cls(id=result.payment_method_id,
                   brand=(result.card_brand or "card").title(), last4=result.card_last4,
                   exp_month=result.card_exp_month or 0,
                   exp_year=result.card_exp_year or 0, funding=result.card_funding,
                   customer_id=result.customer_id)


def _send(method, *args, **kwargs):
    return call(lambda t: with_timeout(t, lambda: method(*args, **kwargs)))


#: A customer created under a key that concurrent checkouts share waits this many
#: times for the first request to finish (Stripe answers 409 while it runs).
SHARED_KEY_WAITS = 5


def create_customer(params, *, idempotency_key, shared_key=False):
    """Create a customer (with `source=tok_…` the card is saved as its default).

    Returns (customer id, default card id). Repeating it under the same key returns the
    same customer, so a lost answer never makes two. With `shared_key` (a key other
    requests may be sending at the same moment) a 409 "in progress" is waited out.
    """
    client = get_client()
    customer = call(lambda t: with_timeout(t, lambda: client.v1.customers.create(
        params=params, options={"idempotency_key": idempotency_key})),
        in_progress_waits=SHARED_KEY_WAITS if shared_key else 0)
    return customer.id, customer.default_source


def add_card(customer_id, token, *, idempotency_key):
    """Save the card behind `token` on the customer and make it the default; the card (a
    SavedCard: what the store keeps to show it)."""
    client = get_client()
    card = _send(client.v1.customers.payment_sources.create, customer_id,
                 params={"source": token}, options={"idempotency_key": idempotency_key})
    _send(client.v1.customers.update, customer_id, params={"default_source": card.id},
          options={"idempotency_key": f"{idempotency_key}-default"})
    return SavedCard.from_stripe(card)


def default_card(customer_id):
    """The card a one-click purchase charges, or None (also for a deleted customer): the
    customer's default PaymentMethod, else its newest card PaymentMethod (one saved by a
    PaymentIntent), else its default legacy card (`card_…`, saved by the token flow)."""
    client = get_client()
    customer = _send(client.v1.customers.retrieve, customer_id,
                     params={"expand": ["sources", "invoice_settings.default_payment_method"]}
                     ).to_dict()
    if customer.get("deleted"):
        return None
    chosen = (customer.get("invoice_settings") or {}).get("default_payment_method")
    if not isinstance(chosen, dict):
        methods = _send(client.v1.payment_methods.list,
                        params={"customer": customer_id, "type": "card", "limit": 1})
        chosen = methods.data[0].to_dict() if methods.data else None
    if chosen and chosen.get("object") == "payment_method":
        return SavedCard.from_payment_method(chosen)
    default = customer.get("default_source")
    for card in (customer.get("sources") or {}).get("data") or []:
        if default and card.get("id") == default and card.get("object") == "card":
            return SavedCard.from_stripe(card)
    return None


def delete_card(customer_id, card_id):
    """Remove a saved card from the customer at Stripe (a PaymentMethod is detached).

    A card Stripe no longer has on the customer (deleted, detached, or its customer
    deleted) counts as removed; any other refusal or failure raises a PaymentError.
    """
    client = get_client()
    try:
        if card_id.startswith("pm_"):
            _send(client.v1.payment_methods.detach, card_id)
        else:
            _send(client.v1.customers.payment_sources.delete, customer_id, card_id)
    except PaymentRejected as exc:
        if not _already_gone(exc):
            raise


def _already_gone(exc):
    """Stripe says the card (or its customer) is not there: nothing left to remove."""
    return exc.code == "resource_missing" or exc.detail.startswith("No such") or \
        "not attached to a customer" in exc.detail
