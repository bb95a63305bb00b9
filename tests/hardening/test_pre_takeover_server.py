"""The pre-account takeover of issue 15, from outside, against the store under gunicorn
(the shipped config, three workers: every request may reach another process, so nothing
may live in a worker's memory). A stranger pays with the victim's email; the owner signs
in with an emailed link, buys another course and saves a card; the stranger's browser
sees nothing of it and charges nothing."""

import re

from sqlalchemy import select

from app.catalog.lessons import add_lesson
from app.catalog.services import get_course
from app.extensions import db
from app.models import Buyer
from tests.helpers import csrf_from, new_tab, sign_in_on_server

VICTIM = "victim@example.com"
#: Each check is repeated so that it reaches several of the three workers.
TRIES = 6


def _pay(server, web, slug, token, save=False):
    page = web.get(f"{server.url}/courses/{slug}", timeout=30)
    data = {"csrf_token": csrf_from(page.text), "stripeToken": token, "stripeEmail": VICTIM}
    if save:
        data["save_card"] = "y"
    response = web.post(f"{server.url}/courses/{slug}/checkout", data=data,
                        allow_redirects=False, timeout=60)
    assert response.status_code == 302, server.log()
    assert response.headers["Location"].startswith("/orders/"), response.headers["Location"]
    return response


def _get(server, web, path):
    return web.get(f"{server.url}{path}", allow_redirects=False, timeout=30)


def _lesson(server, web, slug):
    response = _get(server, web, f"/courses/{slug}/lessons/1")
    assert response.status_code in (200, 403), server.log()
    return response.status_code == 200 and f"BODY-{slug}" in response.text


def test_a_stranger_who_paid_first_never_reaches_the_owners_account(
        app, store_server, make_course, card_token, stripe_sdk, emulator_control, orders):
    for slug in ("course-a", "course-b", "course-c"):
        make_course(slug=slug, title=slug.title())
        with app.app_context():
            add_lesson(get_course(slug), title="One", body=f"BODY-{slug}")
            db.session.commit()
    server = store_server(workers=3, SECRET_KEY=app.config["SECRET_KEY"])

    # 1. The stranger pays for course A with the victim's never-used email.
    stranger = new_tab()
    _pay(server, stranger, "course-a", card_token())
    for _ in range(TRIES):
        account = _get(server, stranger, "/account")
        assert account.status_code == 200 and "Course-A" in account.text
        assert 'data-testid="purchase-session"' in account.text
        assert _lesson(server, stranger, "course-a")

    # Before any link: the owner buys course B on their own browser; still hidden.
    phone = new_tab()
    _pay(server, phone, "course-b", card_token())
    assert _get(server, phone, "/account").status_code == 302  # the account held more
    for _ in range(TRIES):
        account = _get(server, stranger, "/account")
        assert "Course-A" in account.text and "Course-B" not in account.text
        assert not _lesson(server, stranger, "course-b")

    # 2. The owner signs in with an emailed link, buys course C and saves a card.
    owner = sign_in_on_server(app, server, VICTIM)
    with app.app_context():
        assert db.session.scalar(select(Buyer.email_proven_at)) is not None
    _pay(server, owner, "course-c", card_token("5555555555554444"), save=True)
    [customer] = stripe_sdk.v1.customers.list(params={"email": VICTIM}).data
    [card] = stripe_sdk.v1.customers.payment_sources.list(customer.id).data

    # 3. The stranger's browser, "still signed in", on every worker.
    make_course(slug="course-d", title="Course-D")
    for _ in range(TRIES):
        account = _get(server, stranger, "/account")
        assert account.status_code == 302 and account.headers["Location"] == "/account/sign-in"
        assert not _lesson(server, stranger, "course-a")
        assert not _lesson(server, stranger, "course-c")
        course = _get(server, stranger, "/courses/course-d")
        assert "4444" not in course.text and "one-click-button" not in course.text
        confirm = _get(server, stranger, "/courses/course-d/one-click")
        assert confirm.status_code == 302
        assert confirm.headers["Location"] == "/account/sign-in"
        posted = stranger.post(f"{server.url}/courses/course-d/one-click", timeout=30,
                               allow_redirects=False,
                               data={"csrf_token": csrf_from(course.text), "card_id": card.id})
        assert posted.status_code == 302
        assert posted.headers["Location"] == "/account/sign-in"
    # Paying again in the stranger's browser opens no session now that the email is proven.
    _pay(server, stranger, "course-d", card_token())
    assert _get(server, stranger, "/account").status_code == 302

    # The owner sees everything, on every worker.
    for _ in range(TRIES):
        account = _get(server, owner, "/account").text
        assert [x for x in "ABCD" if f"Course-{x}" not in account] == []
        assert re.search(r"data-field=\"card\">\w+ •••• 4444", account), account
    charges = stripe_sdk.v1.charges.list(params={"limit": 100}).data
    assert sorted((c.customer is not None) for c in charges) == [False, False, False, True]
    assert not any(order.payment.saved_card for order in orders())  # no one-click charge at all
