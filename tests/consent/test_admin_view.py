"""The admin sees the consent record, the country check and withdrawals as such, and the
dashboard counts withdrawals."""

import pytest

from tests.admin.conftest import sign_in
from tests.consent.conftest import Order
from tests.helpers import csrf_from


def _admin(app):
    web = app.test_client()
    assert sign_in(web).status_code == 302
    return web


@pytest.mark.usefixtures("admin_account")
def test_the_purchase_page_shows_consent_mismatch_and_withdrawal(app, client, course, buy,
                                                                 read):
    """A German declaration paid with a French card and then withdrawn."""
    assert buy(country="DE", number="4000002500000003").status_code == 302
    [order] = read(Order)
    admin = _admin(app)
    page = admin.get(f"/admin/purchases/{order.reference}").text
    assert 'data-testid="country-mismatch"' in page and "declared DE" in page
    assert 'data-testid="consents"' in page and "checkout" in page
    assert "not asked for: access starts when the withdrawal period is over" in page
    assert 'data-testid="withdrawal"' not in page
    dashboard = admin.get("/admin/").text
    assert 'data-testid="count-withdrawals">0<' in dashboard
    confirm = client.get(f"/account/orders/{order.public_id}/withdraw")
    client.post(f"/account/orders/{order.public_id}/withdraw",
                data={"csrf_token": csrf_from(confirm.text)})
    page = admin.get(f"/admin/purchases/{order.reference}").text
    assert 'data-testid="withdrawn-badge"' in page and 'data-testid="withdrawal"' in page
    assert "the buyer (withdrawal)" in page  # the refund row says who asked
    listing = admin.get("/admin/purchases").text
    assert 'data-testid="withdrawn"' in listing
    dashboard = admin.get("/admin/").text
    assert 'data-testid="count-withdrawals">1<' in dashboard
    assert "1 in the last 30 days" in dashboard


@pytest.mark.usefixtures("admin_account")
def test_a_non_eu_purchase_page_has_no_consent_record(app, client, course, buy, read,
                                                      admin_account):
    assert buy(country="US").status_code == 302
    [order] = read(Order)
    page = _admin(app).get(f"/admin/purchases/{order.reference}").text
    assert "consent countries" in page and 'data-testid="consents"' not in page
    assert 'data-testid="country-mismatch"' not in page


@pytest.mark.usefixtures("admin_account")
def test_the_buyer_page_says_when_waiting_access_starts(app, client, course, buy, read):
    from app.models import Buyer

    assert buy(country="FR").status_code == 302
    [buyer] = read(Buyer)
    page = _admin(app).get(f"/admin/buyers/{buyer.id}").text
    assert 'data-testid="access-starts"' in page
