"""The receipt page behind ``receipt_url``: styled, amounts in major units, a way back."""
import os
from pathlib import Path

import pytest
import requests
import stripe

from stripe_emulator.receipts import format_amount

from .helpers import charge

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.parametrize("amount,currency,text", [
    (6900, "usd", "$69.00 USD"),
    (5, "eur", "€0.05 EUR"),
    (99_999_999, "usd", "$999,999.99 USD"),
    (6900, "jpy", "¥6,900 JPY"),
    (1500, "krw", "₩1,500 KRW"),
    (1500, "kwd", "1.500 KWD"),
    (2_000_001, "bhd", "2,000.001 BHD"),
    (19900, "gbp", "£199.00 GBP"),
    (0, "chf", "0.00 CHF"),
    (-250, "usd", "-$2.50 USD"),
])
def test_amounts_are_formatted_for_people(amount, currency, text):
    assert format_amount(amount, currency) == text


def _page(url, **headers):
    resp = requests.get(url, headers=headers, timeout=5)
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    return resp


def test_receipt_shows_amount_status_card_and_way_back():
    ch = charge(amount=6900, source="tok_visa", description="Python <b>Jumpstart</b>",
                receipt_email="buyer@example.com")
    resp = _page(ch.receipt_url, Referer="http://127.0.0.1:5000/orders/7")
    assert resp.status_code == 200
    text = resp.text
    assert "$69.00 USD" in text and "6900" not in text
    assert "Python &lt;b&gt;Jumpstart&lt;/b&gt;" in text and "<b>" not in text
    assert ">Paid<" in text and "Visa ••••\u00a04242" in text and "buyer@example.com" in text
    assert '<a href="http://127.0.0.1:5000/orders/7" rel="noreferrer">Back to 127.0.0.1:5000</a>' \
        in text
    assert "You can close this page" in text and "<style>" in text
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]


@pytest.mark.parametrize("referer", [None, "javascript:alert(1)", "data:text/html,x",
                                     "not a url", "http://[::1"])
def test_no_back_link_without_a_web_page_to_go_back_to(referer):
    ch = charge(source="tok_visa")
    headers = {"Referer": referer} if referer else {}
    text = _page(ch.receipt_url, **headers).text
    assert "Back to" not in text and "javascript:" not in text
    assert "You can close this page" in text


def test_refunds_zero_decimal_and_failed_charges():
    yen = charge(amount=6900, currency="jpy", source="tok_visa")
    assert "¥6,900 JPY" in _page(yen.receipt_url).text
    stripe.Refund.create(charge=yen.id, amount=900)
    text = _page(yen.receipt_url).text
    assert "Partially refunded" in text and "¥900 JPY" in text
    stripe.Refund.create(charge=yen.id)
    assert ">Refunded<" in _page(yen.receipt_url).text
    kwd = charge(amount=1500, currency="kwd", source="tok_visa")
    assert "1.500 KWD" in _page(kwd.receipt_url).text
    with pytest.raises(stripe.CardError) as info:
        charge(source="tok_chargeDeclinedInsufficientFunds")
    failed = stripe.Charge.retrieve(info.value.json_body["error"]["charge"])
    text = _page(failed.receipt_url).text
    assert ">Failed<" in text and "Your card has insufficient funds." in text


def test_missing_receipt_is_a_page_too(emu):
    resp = _page(f"{emu.url}/receipts/payment/ch_nope")
    assert resp.status_code == 404 and "No such receipt" in resp.text
    assert "You can close this page" in resp.text


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
def test_receipt_in_chromium(browser, width):
    ch = charge(amount=19900, currency="gbp", source="tok_mastercard",
                description="Data Science with a very long course title that has to wrap")
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(ch.receipt_url)
        assert page.title() == "Receipt"
        assert page.locator(".amount").inner_text() == "£199.00 GBP"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # Styled: the card sits centred on a tinted page, not in the browser's defaults.
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
            "rgb(246, 248, 250)"
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"emulator-receipt-{width}.png"), full_page=True)
    finally:
        context.close()
