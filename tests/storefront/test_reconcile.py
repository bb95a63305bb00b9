"""Finding an order's charge at Stripe, also where search has not caught up yet."""

from datetime import UTC, datetime, timedelta

import pytest
import stripe

from app.payments.charges import find_charge_for_order, list_charges_for_order


def test_listing_finds_the_orders_charge_among_others(app_ctx, stripe_sdk, emulator_control):
    """The consistent listing fallback matches metadata.order_id, newest charges included."""
    since = datetime.now(UTC) - timedelta(minutes=5)
    for order_id in ("ORD-OTHER1", "ORD-WANTED", "ORD-OTHER2"):
        stripe_sdk.v1.charges.create(params={"amount": 1000, "currency": "usd",
                                             "source": "tok_visa",
                                             "metadata": {"order_id": order_id}})
    found = list_charges_for_order("ORD-WANTED", created_since=since)
    assert [c.metadata["order_id"] for c in found] == ["ORD-WANTED"]
    assert list_charges_for_order("ORD-MISSING", created_since=since) == []


def test_listing_ignores_charges_older_than_the_order(app_ctx, stripe_sdk, emulator_control):
    """Charges created well before the order are not scanned."""
    stripe_sdk.v1.charges.create(params={"amount": 1000, "currency": "usd",
                                         "source": "tok_visa",
                                         "metadata": {"order_id": "ORD-OLD"}})
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert list_charges_for_order("ORD-OLD", created_since=later) == []


def test_a_succeeded_charge_wins_over_a_failed_one(app_ctx, stripe_sdk, emulator_control):
    """If an order has a failed and a succeeded charge, the succeeded one settles it."""
    params = {"amount": 1000, "currency": "usd", "metadata": {"order_id": "ORD-TWO"}}
    stripe_sdk.v1.charges.create(params={**params, "source": "tok_visa"})
    with pytest.raises(stripe.CardError):
        stripe_sdk.v1.charges.create(params={**params, "source": "tok_chargeDeclined"})
    charge = find_charge_for_order("ORD-TWO")
    assert charge.status == "succeeded"
