"""Property-based fuzzing of every route, signed in as an admin and not: no input may
produce a 5xx or a traceback (tests/fuzzing.py says what is generated).

A fixed budget per route (FUZZ_EXAMPLES) and derandomized generation keep it fast and
the same on every run; `make fuzz` runs 10,000+ requests against a real server.
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Access, Buyer, Order, OutboxMessage
from tests.admin.conftest import sign_in
from tests.fuzzing import regressions, requests_for, targets
from tests.hardening.signing import signature_for
from tests.helpers import csrf_from

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
FUZZ_ADDRESS = "198.51.100.77"  # the fuzzer's sign-in failures lock this address only


@pytest.fixture
def store(app, make_course, buy, admin_account):
    """A course, a paid order and an admin, and the values that reach deep into views."""
    from app.catalog.lessons import add_lesson
    from app.catalog.services import get_course

    make_course()
    reference = buy()
    with app.app_context():
        lesson = add_lesson(get_course("python-jumpstart"), title="One", body="Body")
        db.session.commit()
        order = db.session.scalar(select(Order).where(Order.reference == reference))
        known = {
            "buyer_id": [str(db.session.scalar(select(Buyer.id)))],
            "access_id": [str(db.session.scalar(select(Access.id)))],
            "message_id": [str(db.session.scalar(select(OutboxMessage.id)))],
            "lesson_id": [str(lesson.id)], "position": ["1"],
            "slug": ["python-jumpstart"], "public_id": [order.public_id],
            "reference": [reference, reference.lower()], "references": [reference],
            "charge_ids": [order.charge_id], "filename": ["css/site.css", "js/admin.js"],
            "query": ["paid", "test", "2026-01-01", str(order.course_id), reference],
            "form": ["ada@example.com", "1.00", "requested_by_customer", "y",
                     "tok_visa", "owner@example.com"],
        }
    return known


def _send(client, request, csrf):
    if request.body is not None:
        headers = {"Content-Type": "application/json"}
        if request.sign:
            headers["Stripe-Signature"] = signature_for(request.body)
        return client.open(request.path, method=request.method, query_string=request.query,
                           data=request.body, headers=headers)
    data = None
    if request.form is not None:
        data = MultiDict(request.form)
        if request.valid_csrf:
            data.add("csrf_token", csrf)
    return client.open(request.path, method=request.method, query_string=request.query,
                       data=data, environ_base={"REMOTE_ADDR": FUZZ_ADDRESS})


def _restore_session(app, client):
    """Put the admin's current session id back in the client's session (no argon2)."""
    from app.models import AdminUser

    with app.app_context():
        admin = db.session.scalars(select(AdminUser)).one()
        user_id = admin.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "admin"])
def test_no_input_gets_a_server_error(app, store, signed_in):
    """Every rule and method of the URL map, EXAMPLES generated requests each."""
    client = app.test_client()
    if signed_in:
        assert sign_in(client).status_code == 302
    page = "/admin/" if signed_in else "/courses/python-jumpstart"
    csrf = csrf_from(client.get(page).get_data(as_text=True))
    routes = targets(app.url_map)
    assert len(routes) >= 14
    sent = []  # (path, status)

    def check(request):
        response = _send(client, request, csrf)
        body = response.get_data()
        response.close()
        sent.append((request.path, response.status_code))
        assert response.status_code < 500, (response.status_code, request.describe())
        assert b"Traceback" not in body, request.describe()
        if signed_in and request.path == "/admin/logout" and response.status_code == 302:
            _restore_session(app, client)  # the fuzz signed out: sign in again

    for rule, method in routes:
        settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                 suppress_health_check=list(HealthCheck))(
            given(request=requests_for(rule, method, store))(check)
        )()
    for request in regressions(store):  # the inputs that once answered 500, every run
        check(request)
    assert len(sent) >= len(routes) * min(EXAMPLES, 5)
    # The fuzz also reaches working pages (signed in: the admin's own, not the sign-in).
    admin_pages = [code for path, code in sent if path.startswith("/admin/purchases")]
    assert (200 in admin_pages) is signed_in


def test_the_inputs_that_once_got_a_500_get_a_clear_4xx(app, store, client):
    """Issue 15: an out-of-range course id in the admin's grant is a field error (400),
    not OverflowError; a signed webhook nested 5,000 deep is 400 "invalid JSON payload",
    not RecursionError."""
    from app.catalog.services import add_course
    from tests.hardening.signing import post_signed

    with app.app_context():
        add_course(slug="another", title="Another", price="5.00", currency="usd")
    assert sign_in(client).status_code == 302
    page = client.get(f"/admin/buyers/{store['buyer_id'][0]}")
    for bad in ("99999999999999999999", "١٢", "0", "-1", "2147483648"):
        response = client.post(f"/admin/buyers/{store['buyer_id'][0]}/access", data={
            "csrf_token": csrf_from(page.text), "course_id": bad, "reason": "support"})
        assert response.status_code == 400, bad
        assert "Choose one of the listed options" in response.text
    for body in (b"[" * 5000 + b"]" * 5000, b'{"a":' * 5000 + b"1" + b"}" * 5000):
        response = post_signed(client, body)
        assert response.status_code == 400
        assert response.get_json() == {"error": "invalid JSON payload"}
    shallow = b'{"id": "evt_1", "type": "ping", "data": {"object": ' + b"[" * 60 + \
        b"]" * 60 + b"}}"
    response = post_signed(client, shallow)  # well under the limit: a real answer
    assert response.status_code == 400 and "data.object" in response.get_json()["error"]


#: The pages of the browser payment flows (and those they lead to), fuzzed with the flow on.
BROWSER_FLOW_ENDPOINTS = {
    "checkout.start_intent", "checkout.start_session", "checkout.intent_return",
    "checkout.session_return", "checkout.session_cancel", "checkout.authenticate",
    "checkout.receipt", "checkout.check_order", "checkout.receipt_status",
    "webhooks.stripe_event",
}


@pytest.fixture
def browser_flow_store(app, make_course, emulator_control):
    """Per flow: a course, the buyer's paid order and a waiting one (their public ids,
    intents, Sessions and charges), and a client signed in as that buyer, so that the
    fuzz reaches past the look-ups into the flows."""
    from tests.helpers import confirm_intent, pay_hosted_page, sign_in_by_link

    make_course()
    make_course(slug="second", title="Second")

    def build(flow):
        app.config["PAYMENT_FLOW"] = flow
        client = app.test_client()
        sign_in_by_link(client, app, "ada@example.com")
        for slug in ("python-jumpstart", "second"):
            csrf = csrf_from(client.get(f"/courses/{slug}").get_data(as_text=True))
            path = "payment-intent" if flow == "payment_intents" else "checkout-session"
            started = client.post(f"/courses/{slug}/{path}",
                                  data={"csrf_token": csrf, "email": "ada@example.com"})
            if slug != "second":
                continue  # the first stays waiting for the buyer
            if flow == "payment_intents":
                confirm_intent(app.config["STRIPE_API_BASE"],
                               started.get_json()["client_secret"])
            else:
                pay_hosted_page(started.headers["Location"], email="ada@example.com")
        with app.app_context():
            placed = db.session.scalars(select(Order).order_by(Order.id)).all()
            known = {
                "slug": ["python-jumpstart", "second"],
                "public_id": [o.public_id for o in placed],
                "references": [o.reference for o in placed],
                "intent_ids": [o.payment.payment_intent_id for o in placed
                               if o.payment.payment_intent_id],
                "session_ids": [o.payment.checkout_session_id for o in placed
                                if o.payment.checkout_session_id],
                "query": [o.payment.payment_intent_id or "" for o in placed]
                + [o.payment.checkout_session_id or "" for o in placed] + ["succeeded"],
                "form": ["ada@example.com", "bob@example.com", "y"],
            }
        return client, known

    yield build
    app.config["PAYMENT_FLOW"] = "charges"


@pytest.mark.parametrize("flow", ["payment_intents", "checkout"])
def test_the_browser_flows_pages_get_no_server_error(app, browser_flow_store, flow):
    """With PAYMENT_FLOW on, every route of the flow's pages: EXAMPLES generated requests
    each (forged query values, other orders' ids, hostile forms), signed in as a buyer."""
    client, known = browser_flow_store(flow)
    csrf = csrf_from(client.get("/courses/python-jumpstart").get_data(as_text=True))
    routes = [(rule, method) for rule, method in targets(app.url_map)
              if rule.endpoint in BROWSER_FLOW_ENDPOINTS]
    assert len(routes) == len(BROWSER_FLOW_ENDPOINTS)
    sent = []

    def check(request):
        response = _send(client, request, csrf)
        body = response.get_data()
        response.close()
        sent.append((request.path, response.status_code))
        assert response.status_code < 500, (response.status_code, request.describe())
        assert b"Traceback" not in body, request.describe()

    for rule, method in routes:
        settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                 suppress_health_check=list(HealthCheck))(
            given(request=requests_for(rule, method, known))(check)
        )()
    # The fuzz reached working pages of the flow, not only refusals.
    assert any(code in (200, 302, 303) and "/orders/" in path for path, code in sent)
