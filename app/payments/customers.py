"""Stripe Customers with saved cards: legacy cards (`card_…`, the token flow's "saving
cards for later") and card PaymentMethods (`pm_…`, saved by a PaymentIntent).

The store keeps only the customer id; what the card is (brand, last 4, expiry) is always
read from Stripe.
"""

from dataclasses import dataclass

from app.payments.calls import call
from app.payments.client import get_client, with_timeout


@dataclass(frozen=True)
class SavedCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int

    @classmethod
    def from_payment_method(cls, method):
        """A card PaymentMethod (`pm_…`) as a SavedCard."""
        card = method.get("card") or {}
        return cls(id=method["id"], brand=(card.get("brand") or "card").title(),
                   last4=card.get("last4") or "", exp_month=card.get("exp_month") or 0,
                   exp_year=card.get("exp_year") or 0)

    @classmethod
    def from_stripe(cls, card):
        card = card.to_dict() if hasattr(card, "to_dict") else card
        return cls(id=card["id"], brand=card.get("brand") or "Card",
                   last4=card.get("last4") or "", exp_month=card.get("exp_month") or 0,
                   exp_year=card.get("exp_year") or 0)


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
    """Save the card behind `token` on the customer and make it the default; its id."""
    client = get_client()
    card = _send(client.v1.customers.payment_sources.create, customer_id,
                 params={"source": token}, options={"idempotency_key": idempotency_key})
    _send(client.v1.customers.update, customer_id, params={"default_source": card.id},
          options={"idempotency_key": f"{idempotency_key}-default"})
    return card.id


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
    """Remove a saved card from the customer at Stripe (a PaymentMethod is detached)."""
    client = get_client()
    if card_id.startswith("pm_"):
        _send(client.v1.payment_methods.detach, card_id)
    else:
        _send(client.v1.customers.payment_sources.delete, customer_id, card_id)
