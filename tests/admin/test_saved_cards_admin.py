"""Admin: the buyer page and the purchase detail say whether a saved card paid and name the
Stripe customer; the dashboard link appears only against the real Stripe, by mode."""

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Buyer, Order
from tests.helpers import csrf_from, sign_in_by_link


def _pay(client, app, make_course, card_token, slug, save):
    from app.catalog.services import get_course

    with app.app_context():
        if get_course(slug) is None:
            make_course(slug=slug, title=slug.title())
    page = client.get(f"/courses/{slug}")
    data = {"csrf_token": csrf_from(page.text), "stripeToken": card_token(),
            "stripeEmail": "ada@example.com"}
    if save:
        data["save_card"] = "y"
    assert client.post(f"/courses/{slug}/checkout", data=data).status_code == 302
    with app.app_context():
        return db.session.scalars(select(Order).order_by(Order.id.desc())).first().reference


def test_purchase_and_buyer_pages_show_saved_card_payments(
        app, admin_client, make_course, card_token, emulator_control, stripe_sdk):
    buyer_browser = app.test_client()
    sign_in_by_link(buyer_browser, app, "ada@example.com")  # saving a card needs it
    saved = _pay(buyer_browser, app, make_course, card_token, "first", save=True)
    with app.app_context():
        buyer = db.session.scalar(select(Buyer))
        buyer_id, customer_id = buyer.id, buyer.stripe_customer_id_test
    make_course(slug="second", title="Second")
    confirm = buyer_browser.get("/courses/second/one-click")
    card_id = re.search(r'name="card_id" type="hidden" value="([^"]+)"', confirm.text)[1]
    buyer_browser.post("/courses/second/one-click",
                       data={"csrf_token": csrf_from(confirm.text), "card_id": card_id})
    with app.app_context():
        one_click = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
        assert one_click.payment.saved_card and one_click.status == "paid"
        one_click = one_click.reference

    page = admin_client.get(f"/admin/purchases/{one_click}").text
    assert "saved card (one click)" in page and customer_id in page
    assert 'data-testid="customer-link"' not in page  # the emulator: no dashboard link
    page = admin_client.get(f"/admin/purchases/{saved}").text
    assert "card, saved for later at this checkout" in page and customer_id in page
    page = admin_client.get(f"/admin/buyers/{buyer_id}").text
    assert f'data-field="customer-test">{customer_id}<' in page
    assert page.count("saved card (one click)") == 1
    assert 'data-testid="customer-link"' not in page


def test_customer_dashboard_link_by_mode_and_never_for_the_emulator():
    from app.admin.purchases import customer_dashboard_link

    assert customer_dashboard_link("cus_1", False, real_stripe=False) is None
    assert customer_dashboard_link("cus_1", False) == \
        "https://dashboard.stripe.com/test/customers/cus_1"
    assert customer_dashboard_link("cus_1", True) == \
        "https://dashboard.stripe.com/customers/cus_1"
    assert customer_dashboard_link(None, True) is None
