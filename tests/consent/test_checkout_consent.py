"""The checkout's country and the EU/EEA/UK request for immediate access, over HTTP with
the real SDK and the emulator: ticked, not ticked, not offered, forged values, other
countries; the 14-day start; the card's country checked against the declared one."""

from datetime import timedelta

import pytest

from app.models._time import as_utc
from tests.consent.conftest import EMAIL, SLUG, Access, Consent, Order, lesson_status
from tests.helpers import sign_in_by_link

TEXT = ("I want access to the course now and understand that I then lose my right to "
        "withdraw.")


def test_the_course_page_asks_the_country_from_the_browsers_region(client, course):
    """The select is filled from Accept-Language's region; the box is there, unticked."""
    html = client.get(f"/courses/{SLUG}",
                      headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}).text
    assert '<option value="DE" selected>' in html
    assert 'name="immediate_access_consent"' in html and TEXT in html
    box = html[html.index('id="immediate-access-consent"'):][:400]
    assert "checked" not in box
    plain = client.get(f"/courses/{SLUG}", headers={"Accept-Language": "en"}).text
    assert '<option value="" selected>Choose your country</option>' in plain
    box = plain[plain.index('<div class="consent"'):]
    assert box[:box.index(">")].endswith(" hidden")  # shown by consent.js for those countries


def test_ticked_gives_access_at_payment_and_records_the_consent(client, course, buy, read):
    """An EU buyer who ticks: paid, access now, the consent row with text, version,
    time and address."""
    response = buy(country="fr", consent="y")
    assert response.status_code == 302, response.text
    [order] = read(Order)
    assert order.status == "paid" and order.buyer_country == "FR"
    assert order.consent_applies and order.immediate_access_at is not None
    [row] = read(Consent)
    assert (row.source, row.country, row.given, row.text, row.text_version, row.ip) == (
        "checkout", "FR", True, TEXT, "1", "127.0.0.1")
    [access] = read(Access)
    assert access.starts_at is None
    assert lesson_status(client) == 200
    receipt = client.get(f"/orders/{order.public_id}").text
    assert 'data-testid="receipt-withdraw"' not in receipt


def test_not_ticked_buys_but_access_waits_for_the_end_of_the_period(client, course, buy,
                                                                    read):
    """Unticked: the purchase goes through; access starts 14 days after it; the receipt
    offers the withdrawal and My account the early start."""
    assert buy(country="DE").status_code == 302
    [order] = read(Order)
    assert order.status == "paid" and order.immediate_access_at is None
    [row] = read(Consent)
    assert row.given is False and row.text == TEXT
    [access] = read(Access)
    assert as_utc(access.starts_at) == as_utc(order.paid_at) + timedelta(days=14)
    assert lesson_status(client) == 403
    assert 'data-testid="access-starts-later"' in client.get(f"/courses/{SLUG}/lessons/1").text
    assert 'data-testid="course-starts-later"' in client.get(f"/courses/{SLUG}").text
    receipt = client.get(f"/orders/{order.public_id}").text
    assert 'data-testid="receipt-withdraw"' in receipt
    assert 'data-testid="receipt-starts-later"' in receipt
    account = client.get("/account").text
    assert 'data-testid="waiting-order"' in account and 'data-testid="withdraw-link"' in account


def test_outside_the_consent_countries_nothing_changes(client, course, buy, read):
    """A US buyer: no box, no consent row, access at once, no withdrawal function (a
    forged tick is ignored)."""
    assert buy(country="US", consent="y").status_code == 302
    [order] = read(Order)
    assert order.buyer_country == "US" and not order.consent_applies
    assert read(Consent) == []
    assert lesson_status(client) == 200
    assert 'data-testid="receipt-withdraw"' not in client.get(f"/orders/{order.public_id}").text


@pytest.mark.parametrize("consent", [None, "y"])
def test_a_free_order_from_those_countries_starts_at_once(app, client, course, buy, read,
                                                          make_coupon, consent):
    """A 100 % code through the card form, from a consent country, ticked or not: nothing
    was paid, so nothing can be withdrawn and access starts at once, as on /enrol."""
    make_coupon("FREE100", percent=100)
    response = buy(country="DE", consent=consent, extra={"code": "FREE100"})
    assert response.status_code == 302, response.text
    [order] = read(Order)
    assert (order.status, order.amount, order.buyer_country) == ("paid", 0, "DE")
    assert not order.consent_applies and read(Consent) == []
    [access] = read(Access)
    assert access.starts_at is None
    receipt = client.get(f"/orders/{order.public_id}").text
    assert "You are enrolled" in receipt
    assert 'data-testid="receipt-starts-later"' not in receipt
    assert 'data-testid="receipt-withdraw"' not in receipt
    sign_in_by_link(client, app, EMAIL)
    assert lesson_status(client) == 200 and lesson_status(client, 2) == 200
    account = client.get("/account").text
    assert 'data-testid="waiting-order"' not in account
    assert 'data-testid="withdraw-link"' not in account
    withdraw = client.get(f"/account/orders/{order.public_id}/withdraw").text
    assert 'data-testid="withdrawal-free"' in withdraw and "was free" in withdraw
    assert "The right to withdraw" not in withdraw


def test_a_form_without_the_country_works_as_before(client, course, buy, read):
    """A page from before the field existed: no country, nothing asked."""
    assert buy(country=None).status_code == 302
    [order] = read(Order)
    assert order.buyer_country is None and not order.consent_applies
    assert lesson_status(client) == 200


@pytest.mark.parametrize("country", ["", "XX", "fr-FR", "F", "<script>", "FR\x00", "ÉS",
                                     "1" * 500])
def test_a_forged_country_is_refused_and_nothing_is_charged(client, course, buy, read,
                                                           stripe_sdk, country):
    """Only a code of the list: a clear message under the select, 400, no order."""
    response = buy(country=country, consent="y")
    assert response.status_code == 400
    if "\x00" not in country:  # NUL bytes are refused before any form (request_guard)
        assert "Choose the country you live in from the list." in response.text
    assert read(Order) == []
    assert stripe_sdk.v1.charges.list().data == []


@pytest.mark.parametrize("value", ["yes", "1", "on", "true", "n", "", "y\x00", "Y"])
def test_a_forged_consent_value_is_refused(client, course, buy, read, value):
    """The box posts "y" or nothing; any other value is refused clearly, never a 500."""
    response = buy(country="FR", consent=value)
    assert response.status_code == 400
    if "\x00" not in value:
        assert "can only be ticked or left empty" in response.text
    assert read(Order) == []


def test_two_consent_values_are_refused(client, course, buy, read):
    response = buy(country="FR", extra={"immediate_access_consent": ["y", "y"]})
    assert response.status_code == 400 and read(Order) == []


def test_two_countries_are_refused(client, course, buy, read):
    response = buy(country=None, extra={"country": ["FR", "US"]})
    assert response.status_code == 400 and read(Order) == []


def test_without_start_later_the_tick_is_required_to_pay(app, client, course, buy, read,
                                                         stripe_sdk):
    """CONSENT_OFFER_START_LATER off: unticked is refused with the reason, the email and
    the country stay filled in, nothing is charged; ticked pays."""
    app.config["CONSENT_OFFER_START_LATER"] = False
    try:
        response = buy(country="IE")
        assert response.status_code == 400
        assert "you need to tick the box" in response.text
        assert f'value="{EMAIL}"' in response.text
        assert '<option value="IE" selected>' in response.text
        assert read(Order) == [] and stripe_sdk.v1.charges.list().data == []
        assert buy(country="US").status_code == 302  # elsewhere nothing changes
        assert buy(country="IE", consent="y", email="ie@example.com").status_code == 302
    finally:
        app.config["CONSENT_OFFER_START_LATER"] = True
    assert len(read(Order)) == 2


def test_the_countries_and_the_wording_are_settings(app, client, course, buy, read):
    """CONSENT_COUNTRIES and CONSENT_TEXT(_VERSION) decide who is asked and what."""
    saved = {k: app.config[k] for k in ("CONSENT_COUNTRIES", "CONSENT_TEXT",
                                        "CONSENT_TEXT_VERSION")}
    app.config.update(CONSENT_COUNTRIES=frozenset({"CH"}), CONSENT_TEXT="Start now, please.",
                      CONSENT_TEXT_VERSION="2026-12")
    try:
        assert buy(country="CH", consent="y").status_code == 302
        assert buy(country="FR", email="fr@example.com").status_code == 302
    finally:
        app.config.update(saved)
    [row] = read(Consent)
    assert (row.country, row.text, row.text_version) == ("CH", "Start now, please.", "2026-12")
    fr = read(Order, email="fr@example.com")[0]
    assert not fr.consent_applies


def test_access_starts_when_the_fourteen_days_are_over(client, course, buy, read, age):
    """Moving the purchase 14 days back opens the lessons and closes the withdrawal."""
    assert buy(country="NL").status_code == 302
    [order] = read(Order)
    age(order.id, days=13)
    assert lesson_status(client) == 403
    assert 'data-testid="receipt-withdraw"' in client.get(f"/orders/{order.public_id}").text
    age(order.id, days=1)
    assert lesson_status(client) == 200
    assert 'data-testid="receipt-withdraw"' not in client.get(
        f"/orders/{order.public_id}").text
    page = client.get(f"/account/orders/{order.public_id}/withdraw")
    assert page.status_code == 200 and 'data-testid="withdrawal-closed"' in page.text


@pytest.mark.parametrize(("declared", "mismatch"), [("DE", True), ("FR", False)])
def test_the_cards_country_is_checked_against_the_declared_one(client, course, buy, read,
                                                               declared, mismatch):
    """The emulator's French Visa: a mismatch is recorded (never blocking)."""
    assert buy(country=declared, consent="y", number="4000002500000003").status_code == 302
    [order] = read(Order)
    assert order.status == "paid" and order.country_mismatch is mismatch
