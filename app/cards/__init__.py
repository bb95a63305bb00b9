"""The buyer's saved cards as the store keeps them (`saved_cards`): what the course page,
/account and the one-click confirmation show, so that showing a card asks Stripe nothing.

Rows are written where a card is saved — the token checkout's customer step, a
PaymentIntent or Checkout Session paid with `setup_future_usage` — and by the card
webhooks (`EVENTS`), which also bring in cards saved elsewhere (the dashboard) and every
change Stripe makes (a new expiry from the card updater). Each write is idempotent and
independent of the order events arrive in:

- a card is one row (`card_id` is unique; inserting it again changes nothing);
- an event changes a card only if it is not older than the last event applied
  (`stripe_at`, Stripe's `created`);
- a deleted or detached card keeps its row as removed, and nothing brings it back
  (Stripe never re-attaches a deleted card or a detached PaymentMethod);
- a deleted customer's cards are removed and the buyer forgets the customer, so no late
  event of that customer finds a buyer.

Nothing here commits; callers do (the webhook with its event row, checkout with its
order).
"""

import logging
from datetime import UTC, datetime

from flask import g
from sqlalchemy import or_, select, update
from sqlalchemy.orm import aliased

from app import payments
from app.extensions import db
from app.models import Buyer, StoredCard
from app.models._time import utcnow
from app.models._unique import insert_or_skip, insert_or_update

log = logging.getLogger(__name__)

#: The card events the store needs (configure them on the webhook endpoint).
SOURCE_EVENTS = frozenset({"customer.source.created", "customer.source.updated",
                           "customer.source.expiring", "customer.source.deleted"})
PAYMENT_METHOD_EVENTS = frozenset({
    "payment_method.attached", "payment_method.updated",
    "payment_method.automatically_updated", "payment_method.detached"})
EVENTS = SOURCE_EVENTS | PAYMENT_METHOD_EVENTS | {"customer.deleted"}
REMOVING_EVENTS = frozenset({"customer.source.deleted", "payment_method.detached"})


def _column(livemode):
    return Buyer.stripe_customer_id_live if livemode else Buyer.stripe_customer_id_test


def buyer_of_customer(customer_id, *, livemode):
    """The buyer whose customer in this mode is `customer_id`, or None."""
    if not customer_id:
        return None
    return db.session.scalar(select(Buyer).where(_column(livemode) == customer_id))


def current(buyer, *, livemode):
    """The card one click charges (a StoredCard), or None: the newest card saved on the
    buyer's customer in this mode that is not removed. Reads only the database (nothing
    when the buyer's session read it with the buyer, `newest_card_id`)."""
    customer_id = buyer.customer_id(livemode) if buyer is not None else None
    if not customer_id:
        return None
    read = g.get("current_cards", {})
    if (buyer.id, livemode) in read:
        return read[(buyer.id, livemode)]
    return db.session.scalar(
        select(StoredCard)
        .where(StoredCard.customer_id == customer_id, StoredCard.removed_at.is_(None))
        .order_by(StoredCard.saved_at.desc(), StoredCard.id.desc()).limit(1))


def newest_card_id(livemode):
    """The id of the card `current` gives for a Buyer row, as a scalar subquery of a
    statement that reads the buyer (app/account/session.py reads both at once)."""
    card = aliased(StoredCard)
    return (select(card.id)
            .where(card.customer_id == _column(livemode), card.removed_at.is_(None))
            .order_by(card.saved_at.desc(), card.id.desc()).limit(1)
            .correlate(Buyer).scalar_subquery())


def read_with_buyer(buyer, card, *, livemode):
    """`current(buyer)` was read with the buyer on this request: `card` (or None)."""
    g.setdefault("current_cards", {})[(buyer.id, livemode)] = card


def _changed():
    """A card was written on this request: what was read with the buyer is stale."""
    g.pop("current_cards", None)


def owned(buyer, card_id, *, livemode):
    """The buyer's saved card `card_id` on its current customer (not removed), or None."""
    customer_id = buyer.customer_id(livemode) if buyer is not None else None
    if not customer_id or not card_id:
        return None
    return db.session.scalar(
        select(StoredCard).where(StoredCard.card_id == card_id,
                                 StoredCard.customer_id == customer_id,
                                 StoredCard.removed_at.is_(None)))


def _details(card):
    return {"brand": (card.brand or "Card")[:40], "last4": (card.last4 or "")[:4],
            "exp_month": card.exp_month or 0, "exp_year": card.exp_year or 0,
            "funding": card.funding}


def _when(at):
    """When a card was saved, in whole seconds as Stripe counts them: cards saved within
    one second are ordered by when the store learned of them (the row id)."""
    when = datetime.fromtimestamp(at, UTC) if at is not None else utcnow()
    return when.replace(microsecond=0)


def keep(card, *, customer_id, livemode, at=None):
    """Store `card` (a payments.SavedCard) saved on `customer_id`, or bring its row up to
    date. `at` is the event's `created`: an event older than the last one applied
    changes nothing; without it (the store's own save, the backfill) an existing row is
    left as it is. A removed card stays removed. True when a row was written."""
    _changed()
    buyer = buyer_of_customer(customer_id, livemode=livemode)
    if buyer is None:
        return False  # not a customer of ours (any more)
    now = utcnow()
    if insert_or_skip(StoredCard, card_id=card.id, buyer_id=buyer.id,
                      customer_id=customer_id, livemode=livemode, saved_at=_when(at),
                      stripe_at=at, updated_at=now, removed_at=None, **_details(card)):
        return True
    if at is None:
        return False
    changed = db.session.execute(
        update(StoredCard)
        .where(StoredCard.card_id == card.id, StoredCard.removed_at.is_(None),
               or_(StoredCard.stripe_at.is_(None), StoredCard.stripe_at <= at))
        .values(stripe_at=at, updated_at=now, **_details(card))
        .execution_options(synchronize_session=False)).rowcount
    return changed == 1


def remove(card, *, customer_id, livemode, at=None):
    """Mark `card` (a payments.SavedCard) removed, for good. A card the store never had
    gets a removed row, so a late `created` or `attached` event cannot add it. One
    upsert, so that a removal racing the card's first `attached` (another worker's
    insert, not committed yet) waits for it and removes it, instead of finding nothing.
    True when a row was written."""
    _changed()
    now = utcnow()
    values = {"removed_at": now, "updated_at": now}
    if at is not None:
        values["stripe_at"] = at
    buyer = buyer_of_customer(customer_id, livemode=livemode)
    if buyer is None:  # no buyer of ours (any more): only a row we have can change
        return db.session.execute(
            update(StoredCard)
            .where(StoredCard.card_id == card.id, StoredCard.removed_at.is_(None))
            .values(**values).execution_options(synchronize_session=False)).rowcount == 1
    return insert_or_update(
        StoredCard, conflict=("card_id",), update=tuple(values),
        where=StoredCard.removed_at.is_(None), card_id=card.id, buyer_id=buyer.id,
        customer_id=customer_id, livemode=livemode, saved_at=_when(at),
        **{**_details(card), **values})


def mark_removed(row):
    """The buyer removed the card `row` (a StoredCard) and Stripe has deleted it."""
    _changed()
    now = utcnow()
    db.session.execute(
        update(StoredCard).where(StoredCard.id == row.id, StoredCard.removed_at.is_(None))
        .values(removed_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.expire(row)


def forget_customer(customer_id, *, livemode):
    """The customer is gone at Stripe: its cards are removed and its buyer forgets it (the
    generation in the buyer's customer key moves on, so the next saved card makes a new
    customer). Returns the buyer that had it, or None."""
    _changed()
    buyer = buyer_of_customer(customer_id, livemode=livemode)
    now = utcnow()
    db.session.execute(
        update(StoredCard)
        .where(StoredCard.customer_id == customer_id, StoredCard.removed_at.is_(None))
        .values(removed_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    if buyer is None:
        return None
    column = _column(livemode)
    db.session.execute(
        update(Buyer).where(Buyer.id == buyer.id, column == customer_id)
        .values({column.key: None, "customer_generation": Buyer.customer_generation + 1})
        .execution_options(synchronize_session=False))
    db.session.expire(buyer)
    return buyer


def forget_lost(error, *, customer_id, card_id, livemode):
    """A one-click payment Stripe refused because the customer or the card is gone (a
    missed webhook): forget it, so the pages stop offering it. True when forgotten."""
    if not isinstance(error, payments.PaymentRejected):
        return False
    if error.param == "customer" and error.code == "resource_missing":
        forget_customer(customer_id, livemode=livemode)
    elif error.param in ("source", "payment_method"):
        db.session.execute(
            update(StoredCard)
            .where(StoredCard.card_id == card_id, StoredCard.removed_at.is_(None))
            .values(removed_at=utcnow(), updated_at=utcnow())
            .execution_options(synchronize_session=False))
    else:
        return False
    log.warning("Stripe no longer has %s of customer %s: forgotten (%s)", card_id,
                customer_id, error.detail[:200])
    return True


def _previous_customer(event):
    previous = (event.get("data") or {}).get("previous_attributes") or {}
    customer = previous.get("customer") if isinstance(previous, dict) else None
    return customer if isinstance(customer, str) else None


def apply_event(event):
    """Apply one verified card or customer event (a dict); a one-line summary. Nothing is
    committed here."""
    event_type, obj = event["type"], event["data"]["object"]
    livemode = bool(event.get("livemode"))
    at = event.get("created")
    at = at if isinstance(at, int) and not isinstance(at, bool) else None
    if event_type == "customer.deleted":
        buyer = forget_customer(obj.get("id"), livemode=livemode)
        return f"customer {obj.get('id')} deleted" + ("" if buyer else " (not a buyer's)")
    card = payments.SavedCard.from_object(obj)
    if card is None:
        return "not a card: ignored"
    customer_id = card.customer_id or _previous_customer(event)
    if not customer_id:
        customer_id = db.session.scalar(
            select(StoredCard.customer_id).where(StoredCard.card_id == card.id))
    # A PaymentMethod without a customer has been detached, whatever the event says.
    if event_type in REMOVING_EVENTS or card.customer_id is None:
        written = remove(card, customer_id=customer_id, livemode=livemode, at=at)
        return f"card {card.id} removed" if written else f"card {card.id}: nothing to do"
    written = keep(card, customer_id=customer_id, livemode=livemode, at=at)
    return f"card {card.id} stored" if written else f"card {card.id}: unchanged"


def keep_paid_with(result, *, livemode):
    """After a payment that saved its card (`setup_future_usage`): store the card it was
    paid with, when the result carries the card's details (a charge, an intent read with
    its charge); otherwise `payment_method.attached` brings it."""
    card = payments.SavedCard.from_payment(result)
    if card is None or not result.customer_id:
        return False
    return keep(card, customer_id=result.customer_id, livemode=livemode)


def buyers_to_backfill(*, livemode):
    """Buyers with a customer in this mode but no card stored for it (saved before the
    store kept cards)."""
    column = _column(livemode)
    stored = select(StoredCard.id).where(StoredCard.customer_id == column)
    return db.session.scalars(
        select(Buyer).where(column.is_not(None), ~stored.exists()).order_by(Buyer.id)
    ).all()


def backfill(buyer, *, livemode):
    """Read the buyer's default card from Stripe and store it (raises PaymentError).
    Returns the stored card, or None when the customer has none (or is deleted)."""
    customer_id = buyer.customer_id(livemode)
    card = payments.default_card(customer_id)
    if card is None:
        return None
    keep(card, customer_id=customer_id, livemode=livemode)
    return current(buyer, livemode=livemode)
