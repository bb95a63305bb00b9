"""Realistic values in served objects (their shapes are checked in test_openapi.py)."""

from .helpers import charge


def test_charge_values_are_realistic(emu):
    ch = charge(source="tok_visa", receipt_email="r@example.com",
                statement_descriptor_suffix="COURSE")
    assert ch.id.startswith("ch_3") and len(ch.id) >= 27
    assert ch.balance_transaction.startswith("txn_") and ch.payment_method.startswith("card_")
    assert (ch.outcome.type, ch.outcome.network_status, ch.outcome.seller_message) == \
        ("authorized", "approved_by_network", "Payment complete.")
    card = ch.payment_method_details.card
    assert ch.payment_method_details.type == "card"
    assert (card.exp_month, card.funding, card.country, card.checks.cvc_check) == \
        (12, "credit", "US", "pass")
    assert ch.receipt_url == f"{emu.url}/receipts/payment/{ch.id}"
    assert ch.receipt_email == "r@example.com" and ch.statement_descriptor_suffix == "COURSE"
    assert (ch.amount_captured, ch.amount_refunded, ch.refunded) == (2000, 0, False)
    assert ch.source.object == "card" and "refunds" not in ch


def test_receipt_page_is_served(emu):
    import requests

    ch = charge(source="tok_visa", description="Python Jumpstart")
    resp = requests.get(ch.receipt_url, timeout=5)
    assert resp.status_code == 200 and "Python Jumpstart" in resp.text
