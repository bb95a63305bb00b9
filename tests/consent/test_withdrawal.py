"""Starting early from My account and the withdrawal function, over HTTP with the real
SDK and the emulator: the consent given later, the confirmation step, one full refund,
access ended, the acknowledgement, the window closing, strangers, the emails."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OrderStatus
from tests.consent.conftest import (
    Access,
    Consent,
    Order,
    OutboxMessage,
    Refund,
    lesson_status,
)
from tests.helpers import csrf_from, sign_in_by_link
from tests.smtp import parts

TEXT = ("I want access to the course now and understand that I then lose my right to "
        "withdraw.")


@pytest.fixture
def waiting_order(client, course, buy, read):
    """An EU buyer who did not tick: paid, access waiting; this client is its purchase
    session."""
    assert buy(country="FR").status_code == 302
    [order] = read(Order)
    return order


def _withdraw(web, order):
    page = web.get(f"/account/orders/{order.public_id}/withdraw")
    assert page.status_code == 200, page.text
    assert 'data-testid="confirm-withdrawal"' in page.text
    return web.post(f"/account/orders/{order.public_id}/withdraw",
                    data={"csrf_token": csrf_from(page.text)})


def test_consent_from_my_account_starts_the_course_now(client, waiting_order, read):
    """Ticking the same consent in My account: access now, recorded (source account),
    the right to withdraw gone, a confirmation email queued."""
    assert lesson_status(client) == 403
    page = client.get("/account")
    assert TEXT in page.text
    done = client.post(f"/account/orders/{waiting_order.public_id}/start",
                       data={"csrf_token": csrf_from(page.text),
                             "immediate_access_consent": "y"})
    assert done.status_code == 302
    assert lesson_status(client) == 200
    rows = read(Consent)
    assert [(r.source, r.given) for r in rows] == [("checkout", False), ("account", True)]
    assert rows[1].text == TEXT and rows[1].ip == "127.0.0.1"
    [order] = read(Order)
    assert order.immediate_access_at is not None
    [access] = read(Access)
    assert access.starts_at is None
    assert 'data-testid="withdraw-link"' not in client.get("/account").text
    page = client.get(f"/account/orders/{order.public_id}/withdraw")
    assert 'data-testid="withdrawal-closed"' in page.text
    kinds = [m.kind for m in read(OutboxMessage)]
    assert kinds.count("consent_confirmation") == 1


@pytest.mark.parametrize("value", [None, "", "yes", "on"])
def test_starting_early_needs_the_tick(client, waiting_order, read, value):
    """Without the box ticked ("y"), nothing changes and the buyer is told why."""
    page = client.get("/account")
    data = {"csrf_token": csrf_from(page.text)}
    if value is not None:
        data["immediate_access_consent"] = value
    done = client.post(f"/account/orders/{waiting_order.public_id}/start", data=data,
                       follow_redirects=True)
    assert done.status_code == 200 and "Tick the box to start now" in done.text
    assert lesson_status(client) == 403
    assert len(read(Consent)) == 1


def test_withdrawal_refunds_once_ends_access_and_acknowledges(client, waiting_order, read,
                                                              stripe_sdk):
    """Confirming: the order is refunded in full through the refund path, recorded as a
    withdrawal, access revoked, the acknowledgement queued; again: nothing more."""
    done = _withdraw(client, waiting_order)
    assert done.status_code == 302
    page = client.get(done.headers["Location"])
    assert 'data-testid="withdrawn-note"' in page.text
    [order] = read(Order)
    assert order.status == OrderStatus.REFUNDED and order.withdrawn_at is not None
    assert order.withdrawal_ip == "127.0.0.1"
    [refund] = read(Refund)
    assert (refund.amount, refund.status, refund.reason) == (6900, "succeeded",
                                                            "requested_by_customer")
    assert refund.created_by == "the buyer (withdrawal)"
    assert [a.revoked_at is not None for a in read(Access)] == [True]
    again = client.post(f"/account/orders/{order.public_id}/withdraw",
                        data={"csrf_token": csrf_from(client.get("/account").text)})
    assert again.status_code in (302, 303)
    assert len(read(Refund)) == 1
    assert len(stripe_sdk.v1.refunds.list().data) == 1
    kinds = [m.kind for m in read(OutboxMessage)]
    assert kinds.count("withdrawal_ack") == 1 and kinds.count("refund_notice") == 1
    receipt = client.get(f"/orders/{order.public_id}").text
    assert 'data-testid="receipt-withdrawn"' in receipt
    assert "(withdrawn)" in client.get("/account").text


def test_the_withdrawal_closes_after_fourteen_days(client, waiting_order, read, age,
                                                   stripe_sdk):
    """Past the period the confirmation page says so and a POST refunds nothing."""
    page = client.get("/account")
    age(waiting_order.id, days=14)
    done = client.post(f"/account/orders/{waiting_order.public_id}/withdraw",
                       data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert "The right to withdraw from this purchase has ended." in done.text
    assert read(Refund) == [] and stripe_sdk.v1.refunds.list().data == []
    assert read(Order)[0].withdrawn_at is None
    assert lesson_status(client) == 200  # the period is over: the course has started


def test_a_consenting_buyer_has_no_withdrawal(client, course, buy, read):
    """Ticked at checkout: no right to withdraw, the POST is refused."""
    assert buy(country="ES", consent="y").status_code == 302
    [order] = read(Order)
    page = client.get(f"/account/orders/{order.public_id}/withdraw")
    assert 'data-testid="withdrawal-closed"' in page.text
    client.post(f"/account/orders/{order.public_id}/withdraw",
                data={"csrf_token": csrf_from(client.get("/account").text)})
    assert read(Refund) == [] and read(Order)[0].status == "paid"


def test_a_stranger_cannot_withdraw_someone_elses_order(app, client, waiting_order, read):
    """Another buyer signed in by link gets 404; a browser with no session is sent to
    sign in; nothing is withdrawn either way."""
    stranger = app.test_client()
    sign_in_by_link(stranger, app, "stranger@example.com")
    page = stranger.get("/account")
    token = csrf_from(page.text)
    url = f"/account/orders/{waiting_order.public_id}/withdraw"
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, data={"csrf_token": token}).status_code == 404
    start = f"/account/orders/{waiting_order.public_id}/start"
    assert stranger.post(start, data={"csrf_token": token,
                                      "immediate_access_consent": "y"}).status_code == 404
    nobody = app.test_client()
    assert nobody.get(url).status_code == 302
    assert "/account/sign-in" in nobody.get(url).headers["Location"]
    assert nobody.post(url, data={}).status_code in (302, 400)
    assert read(Order)[0].withdrawn_at is None and read(Refund) == []
    assert len(read(Consent)) == 1


def test_the_owner_signed_in_by_link_may_withdraw(app, waiting_order, read):
    """A link-proven session of the order's email (another device) owns it too."""
    owner = app.test_client()
    sign_in_by_link(owner, app, waiting_order.email)
    assert _withdraw(owner, waiting_order).status_code == 302
    assert read(Order)[0].status == OrderStatus.REFUNDED


@pytest.mark.parametrize("public_id", ["x" * 65, "../etc", "%00", "nope"])
def test_malformed_order_ids_are_not_found(client, waiting_order, public_id):
    status = client.get(f"/account/orders/{public_id}/withdraw").status_code
    assert status == (400 if public_id == "%00" else 404)  # NUL: refused before routing


def test_the_emails_repeat_the_consent_and_the_withdrawal(app, client, course, buy, read,
                                                          smtp, flush_mail):
    """Through the real SMTP server: the confirmation of a ticked order quotes the
    consent (text, version, time, address); an unticked one explains the right and links
    the withdrawal; the acknowledgement names the date and time."""
    assert buy(country="FR", consent="y", email="ticked@example.com").status_code == 302
    other = app.test_client()
    assert buy(country="FR", email="later@example.com", web=other).status_code == 302
    flush_mail()
    [ticked] = smtp.to("ticked@example.com")
    text, html = parts(ticked)
    assert TEXT in text and TEXT in html and "text version 1" in text.lower()
    assert "127.0.0.1" in text and "lose your right to withdraw" in text
    [later] = smtp.to("later@example.com")
    text, _html = parts(later)
    assert "You may withdraw from this purchase within 14 days" in text
    order = read(Order, email="later@example.com")[0]
    assert f"/account/orders/{order.public_id}/withdraw" in text
    smtp.clear()
    assert _withdraw(other, order).status_code == 302
    flush_mail()
    with app.app_context():
        withdrawn_at = db.session.scalar(select(Order.withdrawn_at).where(
            Order.id == order.id))
    ack = [m for m in smtp.to("later@example.com") if "Withdrawal received" in m["Subject"]]
    assert len(ack) == 1
    text, html = parts(ack[0])
    assert f"{withdrawn_at:%Y-%m-%d %H:%M:%S} UTC" in text
    assert "We refund $69.00" in text


def test_a_withdrawal_whose_refund_answer_was_lost_is_settled_once(
        client, cli, waiting_order, read, emulator_control, stripe_sdk):
    """Stripe refunds but its answer is lost: the withdrawal stands (access ended), the
    page says the refund is on its way, a second confirm sends nothing, and reconcile
    settles the refund under its key: one refund at Stripe."""
    emulator_control.inject_fault(mode="drop_response", count=1, path="/v1/refunds",
                                  method="POST")
    done = _withdraw(client, waiting_order)
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).text
    assert "is on its way" in page
    [order] = read(Order)
    assert order.withdrawn_at is not None and order.status == OrderStatus.PAID
    [refund] = read(Refund)
    assert refund.status == "pending" and refund.stripe_refund_id is None
    assert [a.revoked_at is not None for a in read(Access)] == [True]
    client.post(f"/account/orders/{order.public_id}/withdraw",
                data={"csrf_token": csrf_from(client.get("/account").text)})
    assert len(stripe_sdk.v1.refunds.list().data) == 1
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    [order] = read(Order)
    assert order.status == OrderStatus.REFUNDED
    [refund] = read(Refund)
    assert refund.status == "succeeded" and refund.stripe_refund_id
    assert len(stripe_sdk.v1.refunds.list().data) == 1
