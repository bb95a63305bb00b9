"""The saved card as the store keeps it (`saved_cards`): pages show it without a Stripe
call (counted by the emulator's request log), one click charges the stored card, the
card webhooks keep it current in any order and at any repetition, removing it detaches
it at Stripe, and `flask cards backfill` stores cards saved before the store kept them.

Real SDK against the emulator, real database (PostgreSQL too with TEST_DATABASE_URL)."""

import itertools
import time

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Buyer, OrderStatus, StoredCard, WebhookEvent
from tests.helpers import (
    backfill_saved_cards,
    csrf_from,
    deliver_events,
    post_event,
    sign_in_by_link,
    stripe_events,
)

EMAIL = "keeper@example.com"


# --- Helpers ------------------------------------------------------------------------

def _event(event_type, obj, *, created, event_id=None, previous=None):
    """A Stripe event as Stripe signs and delivers it."""
    data = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {"id": event_id or f"evt_{event_type.replace('.', '_')}_{created}",
            "object": "event", "type": event_type, "api_version": None,
            "created": created, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "data": data}


def _calls(emulator_control, fetch):
    """(the response of `fetch()`, the Stripe API requests it made)."""
    emulator_control.clear_requests()
    response = fetch()
    return response, [(r["method"], r["path"]) for r in emulator_control.requests()]


def _rows(app, email=EMAIL):
    with app.app_context():
        rows = db.session.scalars(
            select(StoredCard).join(Buyer, Buyer.id == StoredCard.buyer_id)
            .where(Buyer.email == email).order_by(StoredCard.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _buyer(app, email=EMAIL):
    with app.app_context():
        buyer = db.session.scalar(select(Buyer).where(Buyer.email == email))
        db.session.expunge(buyer)
        return buyer


def _shown(client, slug="other"):
    """What /account, the course page's button and the confirmation page show of the
    saved card (None where nothing is shown)."""
    account = client.get("/account").get_data(as_text=True)
    course = client.get(f"/courses/{slug}").get_data(as_text=True)
    confirm = client.get(f"/courses/{slug}/one-click")
    card = None
    if 'data-testid="saved-card"' in account:
        card = account.split('<span data-field="card">')[1].split("</span>")[0]
        expiry = account.split('<span data-field="expiry">')[1].split("</span>")[0]
        card = f"{card}, {expiry}"
    button = None
    if 'data-testid="one-click-button"' in course:
        anchor = course.split('data-testid="one-click-button"')[1]
        button = anchor.split(">Pay ")[1].split(" with ", 1)[1].split("</a>")[0]
    confirmation = None
    if confirm.status_code == 200:
        html = confirm.get_data(as_text=True)
        confirmation = html.split('<dd data-field="card">')[1].split("</dd>")[0]
    return card, button, confirmation


@pytest.fixture
def saved(app, client, make_course, card_token, emulator_control, stripe_sdk, orders):
    """A buyer signed in with a link who saved a Visa 4242 at checkout (token flow), and
    a second course on sale; returns (customer id, card id)."""
    make_course()
    make_course(slug="other", title="Other", price="99.00")
    sign_in_by_link(client, app, EMAIL)
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    response = client.post("/courses/python-jumpstart/checkout", data={
        "csrf_token": csrf_from(page), "stripeToken": card_token(), "stripeEmail": EMAIL,
        "save_card": "y"})
    assert response.status_code == 302
    [order] = orders()
    assert order.status == OrderStatus.PAID
    customer = stripe_sdk.v1.customers.retrieve(order.payment.customer_id)
    return customer.id, customer.default_source


# --- Pages ask Stripe nothing ---------------------------------------------------------

def test_the_pages_of_a_buyer_with_a_saved_card_make_no_stripe_call(
        saved, app, client, emulator_control, stripe_sdk):
    """The course page, /account and the one-click confirmation: 0 Stripe calls each;
    one click then pays with the stored card (the only page that calls Stripe)."""
    customer_id, card_id = saved
    [row] = _rows(app)
    assert (row.card_id, row.customer_id, row.brand, row.last4, row.exp_month,
            row.exp_year, row.funding, row.removed_at) == (
        card_id, customer_id, "Visa", "4242", 12, 2034, "credit", None)
    course, calls = _calls(emulator_control, lambda: client.get("/courses/other"))
    assert " with Visa •••• 4242" in course.get_data(as_text=True) and calls == []
    account, calls = _calls(emulator_control, lambda: client.get("/account"))
    html = account.get_data(as_text=True)
    assert "Visa •••• 4242" in html and "expires 12/2034" in html and calls == []
    confirm, calls = _calls(emulator_control, lambda: client.get("/courses/other/one-click"))
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Visa •••• 4242, expires 12/2034" in html
    assert calls == []
    paid, calls = _calls(emulator_control, lambda: client.post(
        "/courses/other/one-click",
        data={"csrf_token": csrf_from(html), "card_id": card_id}))
    assert paid.status_code == 302 and paid.headers["Location"].startswith("/orders/")
    assert calls == [("POST", "/v1/charges")]
    [charge] = stripe_sdk.v1.charges.list(params={"customer": customer_id, "limit": 1}).data
    assert (charge.source.id, charge.amount, charge.status) == (card_id, 9900, "succeeded")
    receipt = client.get(paid.headers["Location"])
    assert receipt.status_code == 200


def test_one_click_refuses_a_card_the_store_does_not_hold_for_the_buyer(
        saved, app, client, emulator_control, stripe_sdk):
    """A card id that is not the buyer's stored card (removed since, or made up) is
    refused before Stripe: nothing is sent."""
    other = stripe_sdk.v1.customers.create(params={"source": "tok_mastercard"})
    html = client.get("/courses/other/one-click").get_data(as_text=True)
    response, calls = _calls(emulator_control, lambda: client.post(
        "/courses/other/one-click", follow_redirects=True,
        data={"csrf_token": csrf_from(html), "card_id": other.default_source}))
    assert "you have not been charged" in response.get_data(as_text=True)
    assert calls == []


# --- Webhooks keep it current -------------------------------------------------------

def test_a_card_update_webhook_changes_what_the_pages_show(saved, app, client, stripe_sdk):
    """customer.source.updated (a new expiry) and .expiring are shown at once; an older
    event delivered later changes nothing."""
    customer_id, card_id = saved
    assert deliver_events(client, stripe_sdk, "customer.source.created") == [
        f"card {card_id} stored"]  # the checkout stored it first: the same row
    card = stripe_sdk.v1.customers.payment_sources.retrieve(customer_id, card_id).to_dict()
    now = int(time.time())
    renewed = {**card, "exp_month": 3, "exp_year": 2031, "funding": "debit"}
    assert post_event(client, _event("customer.source.updated", renewed, created=now + 10,
                                     previous={"exp_month": 12, "exp_year": 2034})
                      ).status_code == 200
    assert _shown(client) == ("Visa •••• 4242, expires 03/2031", "Visa •••• 4242",
                              "Visa •••• 4242, expires 03/2031")
    stale = {**card, "exp_month": 1, "exp_year": 2030}
    response = post_event(client, _event("customer.source.updated", stale, created=now + 5))
    assert response.get_json()["result"] == f"card {card_id}: unchanged"
    expiring = post_event(client, _event("customer.source.expiring", renewed,
                                         created=now + 20))
    assert expiring.status_code == 200
    [row] = _rows(app)
    assert (row.exp_month, row.exp_year, row.funding, row.stripe_at) == (
        3, 2031, "debit", now + 20)


def test_a_deleted_card_disappears_and_no_late_event_brings_it_back(
        saved, app, client, stripe_sdk, make_course):
    """Deleted in the dashboard: customer.source.deleted removes it from every page; a
    late `updated` (even one Stripe stamped later) or a replayed `created` leaves it
    removed."""
    customer_id, card_id = saved
    card = stripe_sdk.v1.customers.payment_sources.retrieve(customer_id, card_id).to_dict()
    stripe_sdk.v1.customers.payment_sources.delete(customer_id, card_id)
    assert deliver_events(client, stripe_sdk, "customer.source.deleted") == [
        f"card {card_id} removed"]
    assert _shown(client) == (None, None, None)
    later = int(time.time()) + 60
    for event_type in ("customer.source.updated", "customer.source.created",
                       "customer.source.expiring"):
        response = post_event(client, _event(event_type, {**card, "exp_year": 2040},
                                             created=later))
        assert response.status_code == 200
    assert deliver_events(client, stripe_sdk, "customer.source.created") == [
        f"card {card_id}: unchanged"]
    assert _shown(client) == (None, None, None)
    [row] = _rows(app)
    assert row.removed_at is not None and row.exp_year == 2034


def _payment_method_events(stripe_sdk, customer_id):
    """A card PaymentMethod attached to the buyer's customer, updated (new expiry) and
    detached through the SDK: the emulator's three events, oldest first."""
    method = stripe_sdk.v1.payment_methods.create(params={
        "type": "card", "card": {"token": "tok_mastercard"}})
    stripe_sdk.v1.payment_methods.attach(method.id, params={"customer": customer_id})
    stripe_sdk.v1.payment_methods.update(method.id, params={
        "card": {"exp_month": "7", "exp_year": "2032"}})
    stripe_sdk.v1.payment_methods.detach(method.id)
    events = stripe_events(stripe_sdk, "payment_method.attached", "payment_method.updated",
                           "payment_method.detached")
    assert [e["type"] for e in events] == ["payment_method.attached",
                                           "payment_method.updated",
                                           "payment_method.detached"]
    return method.id, events


def _forget_deliveries(app, card_id):
    with app.app_context():
        db.session.execute(delete(WebhookEvent))
        db.session.execute(delete(StoredCard).where(StoredCard.card_id == card_id))
        db.session.commit()


def test_payment_method_events_in_any_order_and_repeated_end_the_same(
        saved, app, client, stripe_sdk):
    """attached, updated and detached in all six orders, each delivered twice: the card
    ends removed; attached and updated in either order: the update's expiry is shown
    (events a second apart, as Stripe stamps them)."""
    customer_id, card_id = saved
    method_id, events = _payment_method_events(stripe_sdk, customer_id)
    for offset, event in enumerate(events):
        event["created"] = event["created"] + offset  # Stripe's order, a second apart
    attached, updated, detached = events
    for order in itertools.permutations(events):
        _forget_deliveries(app, method_id)
        for event in order:
            assert post_event(client, event).status_code == 200
            assert post_event(client, event).get_json()["result"] == "duplicate"
        [row] = [r for r in _rows(app) if r.card_id == method_id]
        assert row.removed_at is not None, [e["type"] for e in order]
        assert _shown(client)[0] == "Visa •••• 4242, expires 12/2034"
    for order in ((attached, updated), (updated, attached)):
        _forget_deliveries(app, method_id)
        for event in order:
            assert post_event(client, event).status_code == 200
        [row] = [r for r in _rows(app) if r.card_id == method_id]
        assert (row.removed_at, row.brand, row.last4, row.exp_month, row.exp_year) == (
            None, "Mastercard", "4444", 7, 2032), [e["type"] for e in order]
        # Saved after the Visa: it is the card the pages show and one click charges.
        assert _shown(client) == ("Mastercard •••• 4444, expires 07/2032",
                                  "Mastercard •••• 4444",
                                  "Mastercard •••• 4444, expires 07/2032")


def test_an_automatic_card_update_is_shown(saved, app, client, stripe_sdk):
    """payment_method.automatically_updated (the card network's new expiry and number)."""
    customer_id, _ = saved
    method = stripe_sdk.v1.payment_methods.create(params={
        "type": "card", "card": {"token": "tok_visa"}})
    stripe_sdk.v1.payment_methods.attach(method.id, params={"customer": customer_id})
    deliver_events(client, stripe_sdk, "payment_method.attached")
    obj = stripe_sdk.v1.payment_methods.retrieve(method.id).to_dict()
    obj["card"] = {**obj["card"], "last4": "1881", "exp_month": 5, "exp_year": 2033}
    response = post_event(client, _event("payment_method.automatically_updated", obj,
                                         created=int(time.time()) + 30))
    assert response.get_json()["result"] == f"card {method.id} stored"
    assert _shown(client) == ("Visa •••• 1881, expires 05/2033", "Visa •••• 1881",
                              "Visa •••• 1881, expires 05/2033")


def test_a_deleted_customer_takes_its_cards_and_late_events_with_it(
        saved, app, client, stripe_sdk):
    """customer.deleted: every card of the customer is removed, the buyer forgets the
    customer (its next saved card makes a new one), and a late card event of the deleted
    customer finds nobody."""
    customer_id, card_id = saved
    card = stripe_sdk.v1.customers.payment_sources.retrieve(customer_id, card_id).to_dict()
    stripe_sdk.v1.customers.delete(customer_id)
    deliver_events(client, stripe_sdk, "customer.deleted")
    assert deliver_events(client, stripe_sdk, "customer.deleted") == ["duplicate"]
    assert _shown(client) == (None, None, None)
    buyer = _buyer(app)
    assert (buyer.stripe_customer_id_test, buyer.customer_generation) == (None, 2)
    late = post_event(client, _event("customer.source.updated", card,
                                     created=int(time.time()) + 60))
    assert late.get_json()["result"] == f"card {card_id}: unchanged"
    assert [row.removed_at is not None for row in _rows(app)] == [True]


@pytest.mark.parametrize(("event_type", "obj", "field"), [
    ("customer.source.updated", {"id": "card_x", "object": "card", "brand": "V" * 41},
     "brand"),
    ("customer.source.updated", {"id": "card_x", "object": "card", "last4": "12345"},
     "last4"),
    ("customer.source.created", {"id": "card_x", "object": "card", "exp_month": "12"},
     "exp_month"),
    ("payment_method.attached", {"id": "pm_x", "object": "payment_method", "type": "card",
                                 "card": {"exp_year": 10**12}}, "exp_year"),
    ("payment_method.updated", {"id": "pm_x", "object": "payment_method", "card": "x"},
     "card"),
    ("payment_method.detached", {"id": "pm_x", "customer": 7}, "customer"),
    ("customer.deleted", {"object": "customer"}, "id"),
])
def test_a_malformed_card_event_is_a_400_naming_the_field(event_type, obj, field, client,
                                                          app):
    response = post_event(client, _event(event_type, obj, created=int(time.time())))
    assert response.status_code == 400
    assert f"`{field}`" in response.get_json()["error"]


def test_a_card_event_of_someone_elses_customer_is_ignored(app, client, stripe_sdk,
                                                          emulator_control):
    stranger = stripe_sdk.v1.customers.create(params={"source": "tok_visa"})
    results = deliver_events(client, stripe_sdk, "customer.source.created")
    assert results == [f"card {stranger.default_source}: unchanged"]
    with app.app_context():
        assert db.session.scalars(select(StoredCard)).all() == []


# --- Removing -----------------------------------------------------------------------

def _remove(client, card_id):
    html = client.get("/account").get_data(as_text=True)
    form = html.split('action="/account/saved-card/remove"')[1]
    return client.post("/account/saved-card/remove", follow_redirects=True,
                       data={"csrf_token": csrf_from(form), "card_id": card_id, "confirm": "y"})


def test_removing_deletes_at_stripe_then_the_row_and_a_failure_keeps_both(
        saved, app, client, stripe_sdk, emulator_control):
    customer_id, card_id = saved
    path = f"/v1/customers/{customer_id}/sources/{card_id}"
    emulator_control.inject_fault(status=500, count=5, path=path, method="DELETE")
    response = _remove(client, card_id)
    html = response.get_data(as_text=True)
    assert "could not remove your card right now" in html
    assert "Your card is still saved" in html and "Visa •••• 4242" in html
    assert [r.removed_at for r in _rows(app)] == [None]
    assert [c.id for c in stripe_sdk.v1.customers.payment_sources.list(customer_id).data] \
        == [card_id]
    emulator_control.clear_faults()
    response, calls = _calls(emulator_control, lambda: _remove(client, card_id))
    assert "Your saved card was removed" in response.get_data(as_text=True)
    assert ("DELETE", path) in calls
    assert stripe_sdk.v1.customers.payment_sources.list(customer_id).data == []
    assert _rows(app)[0].removed_at is not None
    assert _shown(client) == (None, None, None)


def test_removing_a_payment_method_detaches_it(saved, app, client, stripe_sdk):
    """A card saved by a PaymentIntent (pm_…) is detached; a card Stripe no longer has
    counts as removed."""
    customer_id, card_id = saved
    method = stripe_sdk.v1.payment_methods.create(params={
        "type": "card", "card": {"token": "tok_mastercard"}})
    stripe_sdk.v1.payment_methods.attach(method.id, params={"customer": customer_id})
    deliver_events(client, stripe_sdk, "payment_method.attached")
    assert _shown(client)[0] == "Mastercard •••• 4444, expires 12/2031"
    assert "Your saved card was removed" in _remove(client, method.id).get_data(as_text=True)
    assert stripe_sdk.v1.payment_methods.retrieve(method.id).customer is None
    # The Visa saved before is shown again; deleted at Stripe meanwhile, it still goes.
    assert _shown(client)[0] == "Visa •••• 4242, expires 12/2034"
    stripe_sdk.v1.customers.payment_sources.delete(customer_id, card_id)
    assert "Your saved card was removed" in _remove(client, card_id).get_data(as_text=True)
    assert _shown(client) == (None, None, None)


# --- Backfill -----------------------------------------------------------------------

def test_the_backfill_stores_cards_saved_before_the_store_kept_them(
        app, client, make_course, stripe_sdk, emulator_control, cli):
    """A buyer whose customer was saved before: no card shown (and no Stripe call) until
    `flask cards backfill`, which reads it once; running it again asks Stripe nothing."""
    from app.access import ensure_buyer

    make_course(slug="other", title="Other")
    customer = stripe_sdk.v1.customers.create(params={"email": EMAIL, "source": "tok_mastercard"})
    with app.app_context():
        ensure_buyer(EMAIL).stripe_customer_id_test = customer.id
        db.session.commit()
    sign_in_by_link(client, app, EMAIL)
    _, calls = _calls(emulator_control, lambda: _shown(client))
    assert _shown(client) == (None, None, None) and calls == []
    emulator_control.inject_fault(status=500, count=10, path=f"/v1/customers/{customer.id}",
                                  method="GET")
    failed = cli.invoke(args=["cards", "backfill"])
    assert failed.exit_code == 1
    assert f"{EMAIL}: Stripe did not answer" in failed.output and _rows(app) == []
    emulator_control.clear_faults()
    output = backfill_saved_cards(app)
    assert f"{EMAIL}: Mastercard •••• 4444 stored." in output
    assert "1 card(s) stored, 0 buyer(s) to try again." in output
    assert _shown(client) == ("Mastercard •••• 4444, expires 12/2031",
                              "Mastercard •••• 4444",
                              "Mastercard •••• 4444, expires 12/2031")
    _, calls = _calls(emulator_control, lambda: backfill_saved_cards(app))
    assert [c for c in calls if c[1].startswith("/v1/customers")] == []


@pytest.mark.parametrize("lost", ["card", "customer"])
def test_one_click_with_a_card_stripe_lost_forgets_it(lost, saved, app, client,
                                                      stripe_sdk, orders):
    """Deleted at Stripe while its webhook was missed: the one-click payment is refused
    (nothing charged) and the store forgets the card (or the customer), so the pages stop
    offering it."""
    customer_id, card_id = saved
    if lost == "card":
        stripe_sdk.v1.customers.payment_sources.delete(customer_id, card_id)
    else:
        stripe_sdk.v1.customers.delete(customer_id)
    html = client.get("/courses/other/one-click").get_data(as_text=True)
    response = client.post("/courses/other/one-click", follow_redirects=True,
                           data={"csrf_token": csrf_from(html), "card_id": card_id})
    assert "you have not been charged" in response.get_data(as_text=True)
    assert orders()[-1].status == OrderStatus.FAILED
    assert _shown(client) == (None, None, None)
    assert _buyer(app).stripe_customer_id_test == (customer_id if lost == "card" else None)
