"""The INSERT … ON CONFLICT helpers compile each statement shape once (app/models/_unique.py):
what they write must be exactly what the uncached statement would write, on SQLite and
PostgreSQL, whatever order the shapes are first seen in."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Buyer, OutboxMessage, StoredCard
from app.models._unique import _COMPILED, insert_or_skip, insert_or_update, insert_returning_id


def _shapes():
    return {key for key in _COMPILED if key[0] == db.session.get_bind().dialect.name}


def test_a_returning_insert_fills_the_python_defaults_each_time(app_ctx):
    first = insert_returning_id(Buyer, update="email", email="one@example.com")
    second = insert_returning_id(Buyer, update="email", email="two@example.com")
    again = insert_returning_id(Buyer, update="email", email="one@example.com")
    db.session.commit()
    assert again == first != second
    one, two = (db.session.get(Buyer, id_) for id_ in (first, second))
    assert (one.session_version, one.customer_generation) == (1, 1)  # scalar defaults
    assert one.created_at is not None and two.created_at >= one.created_at  # utcnow, per call


def test_the_same_shape_is_compiled_once_and_other_columns_make_another(app_ctx):
    insert_returning_id(Buyer, update="email", email="a@example.com")
    before = _shapes()
    insert_returning_id(Buyer, update="email", email="b@example.com")
    assert _shapes() == before
    # a column left to its default and given are one shape; another conflict handling
    # is another
    insert_returning_id(Buyer, update="email", email="c@example.com", session_version=7)
    assert _shapes() == before
    assert insert_returning_id(Buyer, email="c@example.com") is None  # DO NOTHING
    assert len(_shapes()) == len(before) + 1
    db.session.commit()
    assert db.session.scalar(select(Buyer.session_version)
                             .where(Buyer.email == "c@example.com")) == 7


def _card(card_id, buyer_id, **values):
    return {"card_id": card_id, "buyer_id": buyer_id, "customer_id": "cus_1",
            "livemode": False, "brand": "visa", "last4": "4242", "exp_month": 12,
            "exp_year": 2034, "funding": "credit", **values}


def test_skip_and_update_write_what_they_are_given(app_ctx):
    from app.models._time import utcnow

    buyer = insert_returning_id(Buyer, update="email", email="cards@example.com")
    now = utcnow().replace(microsecond=0)
    assert insert_or_skip(StoredCard, **_card("card_1", buyer, saved_at=now,
                                               updated_at=now))
    assert not insert_or_skip(StoredCard, **_card("card_1", buyer, saved_at=now,
                                                   updated_at=now, last4="0000"))
    assert insert_or_update(StoredCard, conflict=("card_id",), update=("last4",),
                            where=StoredCard.removed_at.is_(None),
                            **_card("card_1", buyer, saved_at=now, updated_at=now,
                                    last4="1881"))
    db.session.commit()
    card = db.session.scalar(select(StoredCard).where(StoredCard.card_id == "card_1"))
    assert (card.last4, card.brand, card.saved_at.replace(tzinfo=None)) == (
        "1881", "visa", now.replace(tzinfo=None))


def test_a_json_column_goes_through_its_type(app_ctx):
    """The outbox's JSON context (on PostgreSQL a cast parameter) is stored as JSON."""
    buyer = insert_returning_id(Buyer, update="email", email="mail@example.com")
    values = {"dedupe_key": "unique-test", "kind": "order_confirmation",
              "to_email": "mail@example.com", "subject": "Hello",
              "message_id": "<unique-test@localhost>",
              "context": {"amount": 6900, "title": "Zoë"}, "buyer_id": buyer,
              "status": "pending"}
    assert insert_or_skip(OutboxMessage, **values)
    db.session.commit()
    row = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.dedupe_key == "unique-test"))
    assert row.context == {"amount": 6900, "title": "Zoë"} and row.attempts == 0


def test_a_condition_with_parameters_is_refused(app_ctx):
    with pytest.raises(ValueError, match="must not hold parameters"):
        insert_or_update(StoredCard, conflict=("card_id",), update=("last4",),
                         where=StoredCard.last4 == "4242", **_card("card_2", 1))
