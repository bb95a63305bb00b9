"""Malformed and hostile input on the pages of the browser payment flows
(PAYMENT_FLOW=payment_intents and checkout): the intent and Session endpoints, the return,
success, cancel and authentication pages, forged `payment_intent` / `session_id` query
values, other buyers' order ids, and Stripe failing under them. Never a 500, never
another buyer's order or session."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order, OrderStatus
from tests.helpers import confirm_intent, csrf_from, pay_hosted_page, sign_in_by_link

ADA, BOB = "ada@example.com", "bob@example.com"
BAD_IDS = ["nope", "A" * 65, "%2e%2e", "..%2F..%2Fetc", "ORD-1", "1", "-1",
           "99999999999999999999", "%C3%A9t%C3%A9", "%F0%9F%98%80", "%20", "a%00b"]


@pytest.fixture
def flow(app, emulator_control):
    """Switch PAYMENT_FLOW for a test (a fresh emulator); back to charges after."""

    def use(name):
        app.config["PAYMENT_FLOW"] = name

    yield use
    app.config["PAYMENT_FLOW"] = "charges"


@pytest.fixture
def course(make_course):
    return make_course()


def _form(client, slug="python-jumpstart"):
    page = client.get(f"/courses/{slug}")
    assert page.status_code == 200
    return csrf_from(page.get_data(as_text=True))


def _start_intent(client, email=ADA, slug="python-jumpstart"):
    """Press Pay (the Payment Element); the JSON answer."""
    response = client.post(f"/courses/{slug}/payment-intent",
                           data={"csrf_token": _form(client, slug), "email": email})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _start_session(client, email=ADA, slug="python-jumpstart"):
    """Press "Continue to payment"; the hosted page's URL."""
    response = client.post(f"/courses/{slug}/checkout-session",
                           data={"csrf_token": _form(client, slug), "email": email})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def _order(app, email):
    with app.app_context():
        order = db.session.scalars(select(Order).where(Order.email == email)
                                   .order_by(Order.id.desc())).first()
        db.session.expunge(order)
        return order


def _no_server_error(response):
    """Anything but a failure of ours: a 4xx, a page, or 503 when Stripe is away."""
    body = response.get_data(as_text=True)
    assert response.status_code < 500 or response.status_code == 503, (
        response.status_code, body[:500])
    assert "Traceback" not in body
    return response


# --- Forged query values ----------------------------------------------------------

def test_a_forged_payment_intent_in_the_return_url_never_pays_another_order(
        app, client, flow, course, emulator):
    """Bob pays; Ada's return URL carrying Bob's intent, its secret and
    redirect_status=succeeded leaves Ada's order unpaid: the server reads her intent."""
    flow("payment_intents")
    ada = client
    _start_intent(ada, ADA)
    bob = app.test_client()
    paid = _start_intent(bob, BOB)
    assert confirm_intent(emulator.url, paid["client_secret"])[0] == 200
    bob_order = _order(app, BOB)
    ada_order = _order(app, ADA)
    for query in (
        {"payment_intent": bob_order.payment_intent_id,
         "payment_intent_client_secret": paid["client_secret"],
         "redirect_status": "succeeded"},
        {"payment_intent": ["pi_1", "pi_2"], "redirect_status": ["succeeded", "failed"]},
        {"payment_intent": "pi_" + "x" * 5000},
        {"payment_intent": "<script>alert(1)</script>", "redirect_status": "\u202e"},
    ):
        response = _no_server_error(ada.get(f"/orders/{ada_order.public_id}/return",
                                            query_string=query))
        assert response.status_code == 302
        assert response.headers["Location"] == f"/orders/{ada_order.public_id}"
        assert _order(app, ADA).status == OrderStatus.PENDING
    assert _order(app, BOB).status == OrderStatus.PENDING  # nobody read Bob's yet
    receipt = ada.get(f"/orders/{ada_order.public_id}").get_data(as_text=True)
    assert bob_order.reference not in receipt and BOB not in receipt


def test_a_forged_session_id_on_the_success_page_never_pays_another_order(
        app, client, flow, course):
    """Bob pays on Stripe's page; Ada's success page with Bob's session_id leaves Ada's
    order unpaid and shows nothing of Bob's."""
    flow("checkout")
    ada = client
    _start_session(ada, ADA)
    bob = app.test_client()
    assert pay_hosted_page(_start_session(bob, BOB), email=BOB).status_code == 303
    bob_order, ada_order = _order(app, BOB), _order(app, ADA)
    for query in ({"session_id": bob_order.payment.checkout_session_id},
                  {"session_id": ["cs_a", "cs_b"]}, {"session_id": "{CHECKOUT_SESSION_ID}"},
                  {"session_id": "cs_" + "x" * 5000}, {}):
        response = _no_server_error(ada.get(f"/orders/{ada_order.public_id}/paid",
                                            query_string=query))
        assert response.headers["Location"].endswith(
            ("/courses/python-jumpstart#checkout", f"/orders/{ada_order.public_id}"))
        assert _order(app, ADA).status == OrderStatus.PENDING
        page = ada.get(response.headers["Location"]).get_data(as_text=True)
        assert bob_order.reference not in page and BOB not in page


# --- Other buyers' orders ---------------------------------------------------------

def test_another_buyers_order_ids_open_nothing_of_theirs(app, client, flow, course,
                                                         emulator):
    """Mallory knows Ada's paid order's id: its return, success, cancel and
    authentication pages neither sign her in as Ada nor open Ada's course or account."""
    from app.catalog.lessons import add_lesson
    from app.catalog.services import get_course

    with app.app_context():
        add_lesson(get_course("python-jumpstart"), title="One", body="ADA-ONLY-LESSON")
        db.session.commit()
    flow("payment_intents")
    answer = _start_intent(client, ADA)
    confirm_intent(emulator.url, answer["client_secret"])
    client.get(f"/orders/{_order(app, ADA).public_id}/return")
    ada_order = _order(app, ADA)
    assert ada_order.status == OrderStatus.PAID
    mallory = app.test_client()
    for name in ("payment_intents", "checkout"):
        flow(name)
        for page in ("return", "paid", "cancelled", "authenticate"):
            response = _no_server_error(mallory.get(
                f"/orders/{ada_order.public_id}/{page}"))
            assert response.status_code in (302, 404), (page, response.status_code)
    lesson = mallory.get("/courses/python-jumpstart/lessons/1").get_data(as_text=True)
    assert "ADA-ONLY-LESSON" not in lesson
    account = mallory.get("/account", follow_redirects=True).get_data(as_text=True)
    assert ADA not in account and ada_order.reference not in account
    assert mallory.get(f"/orders/{ada_order.public_id}/authenticate").status_code == 404


def test_authenticate_is_only_for_the_signed_in_owner(app, client, flow, course):
    flow("payment_intents")
    _start_intent(client, ADA)
    order = _order(app, ADA)
    path = f"/orders/{order.public_id}/authenticate"
    assert client.get(path).status_code == 404  # a session opened by paying is not proof
    other = app.test_client()
    sign_in_by_link(other, app, BOB)
    assert other.get(path).status_code == 404
    owner = app.test_client()
    sign_in_by_link(owner, app, ADA)
    response = _no_server_error(owner.get(path))
    assert response.status_code in (200, 302)


# --- Malformed paths, forms and methods -------------------------------------------

@pytest.mark.parametrize("bad", BAD_IDS)
def test_malformed_order_ids_are_a_4xx_on_every_new_page(client, flow, course, bad):
    flow("payment_intents")
    for page in ("return", "paid", "cancelled", "authenticate"):
        response = _no_server_error(client.get(f"/orders/{bad}/{page}"))
        assert response.status_code in (400, 404), (page, response.status_code)


@pytest.mark.parametrize("name,path", [
    ("payment_intents", "payment-intent"), ("checkout", "checkout-session")])
def test_malformed_starts_are_a_4xx_and_place_no_order(app, client, flow, course, name,
                                                       path, orders):
    flow(name)
    csrf = _form(client)
    url = f"/courses/python-jumpstart/{path}"
    for data in ({"email": ADA}, {"csrf_token": csrf}, {"csrf_token": csrf, "email": ""},
                 {"csrf_token": csrf, "email": "a@b"},
                 {"csrf_token": csrf, "email": "x" * 300 + "@example.com"},
                 {"csrf_token": csrf, "email": "ada@example.com\r\nBcc: x@example.com"},
                 {"csrf_token": csrf, "email": "<script>@example.com"},
                 {"csrf_token": "x" * 5000, "email": ADA}):
        response = _no_server_error(client.post(url, data=data))
        assert response.status_code == 400, (data, response.status_code)
    for slug in ("nope", "python%00jumpstart", "A" * 300, "%F0%9F%98%80"):
        response = _no_server_error(client.post(f"/courses/{slug}/{path}",
                                                data={"csrf_token": csrf, "email": ADA}))
        assert response.status_code in (400, 404), slug
    json_body = _no_server_error(client.post(url, json={"csrf_token": csrf, "email": ADA}))
    assert json_body.status_code == 400
    assert _no_server_error(client.get(url)).status_code == 405
    assert orders() == []


def test_the_other_flows_endpoints_are_a_404_and_place_no_order(client, flow, course,
                                                                orders):
    for name, other in (("payment_intents", "checkout-session"),
                        ("checkout", "payment-intent"), ("charges", "payment-intent"),
                        ("charges", "checkout-session")):
        flow(name)
        response = client.post(f"/courses/python-jumpstart/{other}",
                               data={"csrf_token": _form(client), "email": ADA})
        assert _no_server_error(response).status_code == 404, (name, other)
    assert orders() == []


# --- Stripe failing under the new pages -------------------------------------------

def test_stripe_failing_while_the_buyer_goes_back_to_an_intent_is_never_a_500(
        app, client, flow, course, emulator_control):
    """Pay pressed again, the return page and the authentication page while Stripe
    answers 500 to every read of the intent: a clear answer, no traceback."""
    flow("payment_intents")
    _start_intent(client, ADA)
    order = _order(app, ADA)
    owner = app.test_client()
    sign_in_by_link(owner, app, ADA)
    emulator_control.inject_fault(status=500, count=1000,
                                  path=f"/v1/payment_intents/{order.payment_intent_id}",
                                  method="GET")
    again = _no_server_error(client.post("/courses/python-jumpstart/payment-intent",
                                         data={"csrf_token": _form(client), "email": ADA}))
    assert again.status_code == 503
    assert "try again in a moment" in again.get_json()["error"]
    back = _no_server_error(client.get(f"/orders/{order.public_id}/return"))
    assert back.status_code == 302
    authenticate = _no_server_error(owner.get(f"/orders/{order.public_id}/authenticate"))
    assert authenticate.status_code == 503
    assert "try again in a moment" in authenticate.get_data(as_text=True)
    assert _order(app, ADA).status == OrderStatus.PENDING


def test_stripe_failing_while_the_buyer_goes_back_to_a_session_is_never_a_500(
        app, client, flow, course, emulator_control):
    flow("checkout")
    _start_session(client, ADA)
    order = _order(app, ADA)
    emulator_control.inject_fault(
        status=500, count=1000, method="GET",
        path=f"/v1/checkout/sessions/{order.payment.checkout_session_id}")
    again = _no_server_error(client.post("/courses/python-jumpstart/checkout-session",
                                         data={"csrf_token": _form(client), "email": ADA}))
    assert again.status_code == 302
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "try again in a moment" in page
    for path in ("paid", "cancelled"):
        assert _no_server_error(client.get(f"/orders/{order.public_id}/{path}")
                                ).status_code == 302
    assert _order(app, ADA).status == OrderStatus.PENDING


def test_the_cancel_page_of_a_paid_order_does_not_say_nothing_was_charged(
        app, client, flow, course):
    """Back on Stripe's page after paying, or a stale tab, opens the cancel page of a paid
    order: the buyer is shown the receipt, not "nothing was charged"."""
    flow("checkout")
    paid = pay_hosted_page(_start_session(client, ADA), email=ADA)
    client.get(paid.headers["Location"])
    order = _order(app, ADA)
    assert order.status == OrderStatus.PAID
    response = _no_server_error(client.get(f"/orders/{order.public_id}/cancelled",
                                           follow_redirects=True))
    page = response.get_data(as_text=True)
    assert "nothing was charged" not in page
    assert "Your payment went through" in page


def test_pay_on_a_course_taken_off_sale_or_another_flow_answers_json(app, client, flow,
                                                                     course, orders):
    """The Payment Element's page reads JSON: a course archived while the page was open,
    or a store switched to another flow, is said in words the page can show (not an
    HTML page the script cannot read, which it reports as 'could not reach')."""
    from app.catalog.services import archive_course

    flow("payment_intents")
    csrf = _form(client)
    with app.app_context():
        archive_course("python-jumpstart")
        db.session.commit()
    gone = client.post("/courses/python-jumpstart/payment-intent",
                       data={"csrf_token": csrf, "email": ADA})
    assert gone.status_code == 404
    assert gone.get_json()["error"] == ("There is no such course, or it is no longer on "
                                        "sale.")
    flow("checkout")
    other = client.post("/courses/python-jumpstart/payment-intent",
                        data={"csrf_token": csrf, "email": ADA})
    assert other.status_code == 404 and "Reload the course page" in other.get_json()["error"]
    assert orders() == []


@pytest.mark.parametrize("name,start,back", [
    ("payment_intents", "payment-intent", "return"), ("checkout", "checkout-session", "paid")])
def test_a_return_page_before_stripe_answered_shows_no_stripe_internals(
        app, client, flow, course, emulator_control, name, start, back):
    """The create's answer was lost (the buyer was told to try again); opening the return
    or success page of that order then shows no Stripe error text or request id."""
    flow(name)
    path = "/v1/payment_intents" if name == "payment_intents" else "/v1/checkout/sessions"
    emulator_control.inject_fault(mode="drop_response", count=1, path=path, method="POST")
    client.post(f"/courses/python-jumpstart/{start}",
                data={"csrf_token": _form(client), "email": ADA})
    order = _order(app, ADA)
    assert order.payment.failure_message.startswith("Stripe unavailable")  # the log's
    page = _no_server_error(client.get(f"/orders/{order.public_id}/{back}",
                                       follow_redirects=True)).get_data(as_text=True)
    assert "Stripe unavailable" not in page and "req_" not in page
