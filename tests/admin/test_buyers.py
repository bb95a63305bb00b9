"""The admin's buyer page: orders, access, emails; manual grant/revoke; resend."""

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Access, AccessEvent, Buyer, OutboxMessage
from tests.helpers import csrf_from


def _buyer_page(admin_client, email="ada@example.com"):
    response = admin_client.get(f"/admin/buyers?email={email}")
    assert response.status_code == 302
    return response.headers["Location"], admin_client.get(response.headers["Location"])


def _read(app, model, **where):
    with app.app_context():
        found = db.session.scalars(select(model).filter_by(**where).order_by(model.id)).all()
        for row in found:
            db.session.expunge(row)
        return found


def test_each_purchase_links_to_its_buyer_page(admin_client, buy):
    """Purchase → buyer page with the order, the active access and the queued email."""
    reference = buy()
    purchase = admin_client.get(f"/admin/purchases/{reference}")
    link = re.search(r'href="([^"]+)" data-testid="buyer-link"', purchase.text).group(1)
    assert admin_client.get(link.replace("&amp;", "&")).status_code == 302
    url, page = _buyer_page(admin_client)
    assert page.status_code == 200
    assert reference in page.text and "Python Jumpstart" in page.text
    assert "Active" in page.text and f"Your order {reference}" in page.text


def test_unknown_buyer_is_a_404_with_a_message(admin_client):
    """An email without a buyer (never paid, never signed in) gets a plain 404."""
    response = admin_client.get("/admin/buyers?email=nobody@example.com")
    assert response.status_code == 404 and "No buyer has this email" in response.text
    assert admin_client.get("/admin/buyers/999999").status_code == 404


def test_revoke_and_grant_by_hand_are_recorded_with_reason_and_admin(app, admin_client, buy):
    """Manual changes need a reason; both are in the access history with the admin."""
    buy()
    url, page = _buyer_page(admin_client)
    [access] = _read(app, Access)
    token = csrf_from(page.text)
    refused = admin_client.post(f"{url}/access/{access.id}/revoke",
                                data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 400 and _read(app, Access)[0].revoked_at is None
    unticked = admin_client.post(f"{url}/access/{access.id}/revoke",
                                 data={"csrf_token": token, "reason": "Chargeback by phone"})
    assert unticked.status_code == 400 and _read(app, Access)[0].revoked_at is None
    assert "to revoke it" in unticked.text
    done = admin_client.post(f"{url}/access/{access.id}/revoke",
                             data={"csrf_token": token, "reason": "Chargeback by phone",
                                   "confirm": "y"})
    assert done.status_code == 302
    [access] = _read(app, Access)
    assert access.revoked_at is not None and access.revoked_by == "owner@example.com"
    assert access.revoke_reason == "Chargeback by phone"
    again = admin_client.post(f"{url}/access/{access.id}/revoke",
                              data={"csrf_token": token, "reason": "twice", "confirm": "y"})
    assert again.status_code == 400
    granted = admin_client.post(f"{url}/access", data={
        "csrf_token": token, "course_id": str(access.course_id), "reason": "Goodwill"})
    assert granted.status_code == 302
    active = [row for row in _read(app, Access) if row.revoked_at is None]
    assert len(active) == 1 and active[0].granted_by == "owner@example.com"
    manual = _read(app, AccessEvent, source="admin")
    assert [(e.action, e.actor, e.reason) for e in manual] == [
        ("revoked", "owner@example.com", "Chargeback by phone"),
        ("granted", "owner@example.com", "Goodwill")]
    page = admin_client.get(url)
    assert "Chargeback by phone" in page.text and "Goodwill" in page.text


def test_grant_refuses_bad_input_without_error(app, admin_client, buy):
    """A course that does not exist, or no reason, is refused with a message."""
    buy()
    url, page = _buyer_page(admin_client)
    token = csrf_from(page.text)
    for data in ({"course_id": "999999", "reason": "x"}, {"course_id": "abc", "reason": "x"},
                 {"course_id": "1", "reason": ""}):
        response = admin_client.post(f"{url}/access", data={"csrf_token": token, **data})
        assert response.status_code == 400


def test_resend_queues_a_new_email_once_per_form(app, admin_client, buy):
    """Resend creates a second outbox row (new key); sending the same form again does not."""
    reference = buy()
    url, page = _buyer_page(admin_client)
    key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
    data = {"csrf_token": csrf_from(page.text), "key": key}
    assert admin_client.post(f"{url}/orders/{reference}/resend", data=data).status_code == 302
    assert admin_client.post(f"{url}/orders/{reference}/resend", data=data).status_code == 302
    rows = _read(app, OutboxMessage, kind="order_confirmation")
    assert len(rows) == 2 and rows[1].created_by == "owner@example.com"
    assert rows[1].dedupe_key == key
    forged = dict(data, key="sign-in:whatever")
    assert admin_client.post(f"{url}/orders/{reference}/resend", data=forged).status_code == 400
    assert len(_read(app, OutboxMessage)) == 2


def test_buyer_pages_need_an_admin(client, app, buy):
    """Signed-out visitors are sent to the admin sign-in."""
    buy()
    [buyer] = _read(app, Buyer)
    assert client.get(f"/admin/buyers/{buyer.id}").status_code == 302
    assert client.post(f"/admin/buyers/{buyer.id}/access", data={}).status_code in (302, 400)


def test_malformed_buyer_requests_get_a_4xx(app, admin_client, buy):
    """Odd ids, emails and form values are refused plainly; nothing is a 500."""
    buy()
    url, page = _buyer_page(admin_client)
    token = csrf_from(page.text)
    checks = [
        admin_client.get("/admin/buyers?email=" + "x" * 5000),
        admin_client.get("/admin/buyers"),
        admin_client.get("/admin/buyers/99999999999999999999"),
        admin_client.post(f"{url}/access", data={"csrf_token": token,
                                                 "course_id": "99999999999999", "reason": "x"}),
        admin_client.post(f"{url}/access/99999999999/revoke",
                          data={"csrf_token": token, "reason": "x"}),
        admin_client.post(f"{url}/access/1/revoke", data={"csrf_token": token,
                                                          "reason": "x" * 600}),
        admin_client.post(f"{url}/orders/%00/resend", data={"csrf_token": token, "key": "k"}),
        admin_client.post(f"{url}/orders/ORD-NOPE/resend", data={"csrf_token": token}),
        admin_client.get("/admin/buyers?email=a%00b@example.com"),
        admin_client.post(f"{url}/access", data={"csrf_token": token, "course_id": "1",
                                                 "reason": "nul\x00byte"}),
        admin_client.post(f"{url}/access/1/revoke", data={"csrf_token": token,
                                                          "reason": "nul\x00byte"}),
    ]
    # A NUL anywhere (path, query, form) is refused up front with 400 (app/request_guard).
    assert [r.status_code for r in checks] == [404, 404, 404, 400, 404, 400, 400, 400,
                                               400, 400, 400]
