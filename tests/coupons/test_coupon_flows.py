"""Every payment flow charges the quote's amount: the Payment Element's PaymentIntent,
hosted Checkout's Session, and one click (a Charge, or an off-session PaymentIntent),
each with the code in its description and metadata; a code refused before the intent
or the Session is made creates nothing at Stripe."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order
from tests.helpers import csrf_from, sign_in_by_link

EMAIL = "flows@example.com"


@pytest.fixture
def coupon_course(make_course, make_coupon):
    make_course(slug="eur-course", title="EUR Course", price="49.00", currency="eur")
    make_coupon("SAVE15", percent=15)


def _order(app):
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.email == EMAIL))
        db.session.expunge(order)
        return order


def _post(client, path, slug, data):
    page = client.get(f"/courses/{slug}", query_string={"code": data.get("code")})
    html = page.get_data(as_text=True)
    return html, client.post(path, headers={"Accept": "application/json"},
                             data={"csrf_token": csrf_from(html), **data})


def test_the_payment_intent_is_for_the_discounted_amount(flow, coupon_course, client, app,
                                                        stripe_sdk):
    flow("payment_intents")
    html, response = _post(client, "/courses/eur-course/payment-intent", "eur-course",
                           {"email": EMAIL, "code": "save15"})
    assert 'data-amount="4165"' in html and "Pay €41.65" in html
    assert response.status_code == 200, response.get_json()
    order = _order(app)
    intent = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert (intent.amount, intent.currency) == (4165, "eur")
    assert intent.description == "EUR Course — Course Shop (code SAVE15)"
    assert intent.metadata["coupon"] == "SAVE15"


def test_a_refused_code_creates_no_payment_intent(flow, coupon_course, client, app,
                                                  stripe_sdk, make_coupon):
    flow("payment_intents")
    make_coupon("GONE", percent=10, ends="2020-01-01")
    _, response = _post(client, "/courses/eur-course/payment-intent", "eur-course",
                        {"email": EMAIL, "code": "GONE"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == "code" and "The code GONE is not valid." in body["error"]
    assert stripe_sdk.v1.payment_intents.list().data == []


def test_the_checkout_session_is_for_the_discounted_amount(flow, coupon_course, client,
                                                           app, stripe_sdk):
    flow("checkout")
    _, response = _post(client, "/courses/eur-course/checkout-session", "eur-course",
                        {"email": EMAIL, "code": "SAVE15"})
    assert response.status_code == 303, response.get_data(as_text=True)
    order = _order(app)
    session = stripe_sdk.v1.checkout.sessions.retrieve(order.payment.checkout_session_id)
    assert (session.amount_total, session.currency) == (4165, "eur")
    assert session.metadata["coupon"] == "SAVE15"


def _save_a_card(client, app, card_token, make_course):
    """A first purchase that saves the card (signed in with a link)."""
    make_course(slug="first", title="First")
    sign_in_by_link(client, app, EMAIL)
    page = client.get("/courses/first").get_data(as_text=True)
    response = client.post("/courses/first/checkout", data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(), "stripeEmail": EMAIL,
        "save_card": "y"})
    assert response.status_code == 302


@pytest.mark.parametrize("name", ["charges", "payment_intents"])
def test_one_click_charges_the_discounted_amount(flow, coupon_course, client, app,
                                                 stripe_sdk, card_token, make_course,
                                                 name):
    """saved_card (a Charge) and saved_card_intent (an off-session PaymentIntent)."""
    _save_a_card(client, app, card_token, make_course)
    flow(name)
    course_page = client.get("/courses/eur-course?code=SAVE15").get_data(as_text=True)
    assert "/courses/eur-course/one-click?code=SAVE15" in course_page
    confirm = client.get("/courses/eur-course/one-click?code=SAVE15")
    html = confirm.get_data(as_text=True)
    assert "Pay €41.65 now" in html and 'name="code" value="SAVE15"' in html
    card_id = html.split('name="card_id" type="hidden" value="')[1].split('"')[0]
    response = client.post("/courses/eur-course/one-click", data={
        "csrf_token": csrf_from(html), "card_id": card_id, "code": "SAVE15"})
    assert response.status_code == 302
    with app.app_context():
        order = db.session.scalars(select(Order).where(Order.course_title == "EUR Course")
                                   ).one()
        assert (order.amount, order.coupon_code, str(order.status)) == (4165, "SAVE15",
                                                                         "paid")
        if name == "charges":
            paid = stripe_sdk.v1.charges.retrieve(order.charge_id)
        else:
            paid = stripe_sdk.v1.payment_intents.retrieve(order.payment_intent_id)
    assert (paid.amount, paid.metadata["coupon"]) == (4165, "SAVE15")


def test_an_abandoned_checkout_session_gives_the_code_back(flow, coupon_course, client,
                                                           app, cli, make_coupon,
                                                           coupon_row):
    """The last use held by a hosted Checkout the buyer walked away from: reconcile
    expires the Session past its time, the order fails, the use is free again."""
    import time

    from app.models import PaymentAttempt

    flow("checkout")
    make_coupon("LASTONE", percent=10, max_redemptions=1)
    _, response = _post(client, "/courses/eur-course/checkout-session", "eur-course",
                        {"email": EMAIL, "code": "LASTONE"})
    assert response.status_code == 303
    assert coupon_row("LASTONE").redemptions == 1
    order = _order(app)
    with app.app_context():
        attempt = db.session.get(PaymentAttempt, order.payment.id)
        attempt.request = {**attempt.request, "expires_at": int(time.time()) - 1}
        db.session.commit()
    result = cli.invoke(args=["orders", "reconcile", "--older-than", "0"])
    assert f"{order.reference}: failed" in result.output, result.output
    assert coupon_row("LASTONE").redemptions == 0
    page = client.get("/courses/eur-course?code=LASTONE").get_data(as_text=True)
    assert "Code LASTONE applied" in page


def test_a_code_applied_after_an_intent_was_made_gets_a_new_intent_at_its_price(
        flow, coupon_course, client, app, stripe_sdk, make_coupon):
    """Pay pressed at the full price (an intent for €49.00, then the card declined, say),
    then a code applied: the old intent is cancelled and the new one is for €41.65; the
    same code again gives the same intent back (a once-per-buyer code included)."""
    flow("payment_intents")
    make_coupon("ONCE15", percent=15, per_buyer=1)
    _, first = _post(client, "/courses/eur-course/payment-intent", "eur-course",
                     {"email": EMAIL})
    assert first.status_code == 200
    old_intent = first.get_json()["client_secret"].split("_secret_")[0]
    _, second = _post(client, "/courses/eur-course/payment-intent", "eur-course",
                      {"email": EMAIL, "code": "ONCE15"})
    assert second.status_code == 200, second.get_json()
    new_intent = second.get_json()["client_secret"].split("_secret_")[0]
    assert new_intent != old_intent
    assert stripe_sdk.v1.payment_intents.retrieve(old_intent).status == "canceled"
    assert stripe_sdk.v1.payment_intents.retrieve(new_intent).amount == 4165
    _, again = _post(client, "/courses/eur-course/payment-intent", "eur-course",
                     {"email": EMAIL, "code": "ONCE15"})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["client_secret"].startswith(new_intent)
    with app.app_context():
        placed = db.session.scalars(select(Order).order_by(Order.id)).all()
        assert [(str(o.status), o.amount, o.coupon_code) for o in placed] == [
            ("failed", 4900, None), ("pending", 4165, "ONCE15")]
