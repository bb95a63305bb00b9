"""`flask throttle list` and `clear` (issue 22) cover every limit the store applies:
declined cards per address, admin sign-in failures per account and per address, and
sign-in links per email and per address. The limits are reached through the store's own
pages; the commands run as real subprocesses on the same database (SQLite; PostgreSQL
with TEST_DATABASE_URL)."""

import re

import pytest

from app.account.services import _keys as sign_in_keys
from app.admin.throttle import keys_for as admin_keys
from app.card_testing import key as decline_key
from app.cli.throttle import LIMITS, limit_of
from app.code_guessing import key as code_key
from tests.helpers import csrf_from
from tests.local_run import flask, run_env

#: Small limits, the same in the app under test and in the commands' environment.
LIMIT_SETTINGS = {"SIGN_IN_MAX_PER_EMAIL": 2, "SIGN_IN_MAX_PER_IP": 3,
                  "LOGIN_MAX_FAILURES": 2, "CHECKOUT_MAX_DECLINES": 2}
ADMIN = "boss@example.com"
PASSWORD = "a long enough admin password"


def test_every_key_the_store_counts_belongs_to_a_listed_limit():
    """The CLI's table follows the callers' own key functions."""
    expected = {
        decline_key("10.0.0.1"): "CHECKOUT_MAX_DECLINES",
        code_key("10.0.0.1"): "COUPON_MAX_WRONG_CODES",
        admin_keys(email="A@x.org", ip="10.0.0.1")[0]: "LOGIN_MAX_FAILURES",
        admin_keys(email="A@x.org", ip="10.0.0.1")[1]: "LOGIN_MAX_FAILURES",
        sign_in_keys("a@x.org", "10.0.0.1")[0]: "SIGN_IN_MAX_PER_EMAIL",
        sign_in_keys("a@x.org", "10.0.0.1")[1]: "SIGN_IN_MAX_PER_IP",
    }
    assert {key: limit_of(key).limit_setting for key in expected} == expected
    assert len({limit.prefix for limit in LIMITS}) == len(LIMITS) == 6


@pytest.fixture
def limits(app):
    saved = {name: app.config[name] for name in LIMIT_SETTINGS}
    app.config.update(LIMIT_SETTINGS)
    yield run_env(app.instance_path, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                  **{name: str(value) for name, value in LIMIT_SETTINGS.items()})
    app.config.update(saved)


def _ask_link(client, email):
    page = client.get("/account/sign-in")
    return client.post("/account/sign-in", data={"csrf_token": csrf_from(page.text),
                                                 "email": email}).status_code


def _sign_in_mails(app):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboxMessage

    with app.app_context():
        return db.session.scalars(select(OutboxMessage.to_email)
                                  .where(OutboxMessage.kind == "sign_in")).all()


def _admin_sign_in(client, password):
    page = client.get("/admin/login")
    answer = client.post("/admin/login", data={"csrf_token": csrf_from(page.text),
                                               "email": ADMIN, "password": password})
    return answer


def _decline(client, card_token, slug):
    page = client.get(f"/courses/{slug}")
    return client.post(f"/courses/{slug}/checkout", data={
        "csrf_token": csrf_from(page.text), "stripeEmail": "buyer@example.com",
        "stripeToken": card_token("4000000000000002")})


def _states(listing):
    """{key: (count, state)} from `throttle list`."""
    rows = {}
    for line in listing.splitlines()[1:]:
        match = re.match(r"(\S+)\s+.+?\s+(\d+/\d+)\s+(allowed|refusing for \d+ s)$", line)
        assert match, line
        rows[match.group(1)] = (match.group(2), match.group(3).split(" for ")[0])
    return rows


def test_list_and_clear_cover_every_limit(app, client, limits, make_course, card_token):
    from app.admin.auth import create_admin

    with app.app_context():
        create_admin(email=ADMIN, password=PASSWORD)
    make_course(slug="python-jumpstart")
    slug = "python-jumpstart"
    # Sign-in links: two sent to a@, the third asked for is not sent (same answer); the
    # three requests fill the address's three, so c@ is refused.
    assert [_ask_link(client, "a@example.com") for _ in range(3)] == [200, 200, 200]
    assert _ask_link(client, "c@example.com") == 429
    # Admin sign-in: two failures lock the account and the address.
    assert [_admin_sign_in(client, "wrong").status_code for _ in range(2)] == [401, 401]
    assert "Too many failed sign-ins" in _admin_sign_in(client, PASSWORD).text
    # Checkout: two declines pause it for the address.
    for _ in range(2):
        _decline(client, card_token, slug)
    assert 'data-testid="checkout-paused"' in client.get(f"/courses/{slug}").text

    listing = flask(limits, "throttle", "list")
    assert listing.returncode == 0, listing.stderr
    assert _states(listing.stdout) == {
        "checkout-ip:127.0.0.1": ("2/2", "refusing"),
        f"email:{ADMIN}": ("2/2", "refusing"),
        "ip:127.0.0.1": ("2/2", "refusing"),
        "sign-in-email:a@example.com": ("2/2", "refusing"),  # never "locked", yet capped
        "sign-in-ip:127.0.0.1": ("3/3", "refusing"),
    }
    assert "sign-in links per email" in listing.stdout

    # --address lifts all three limits on the address, and nothing else.
    cleared = flask(limits, "throttle", "clear", "--address", " 127.0.0.1 ")
    assert cleared.returncode == 0 and cleared.stdout.startswith("Cleared 3 limit(s)")
    assert 'data-testid="checkout-paused"' not in client.get(f"/courses/{slug}").text
    assert _ask_link(client, "d@example.com") == 200
    assert _ask_link(client, "a@example.com") == 200  # not sent: still its email's cap
    assert _sign_in_mails(app).count("a@example.com") == 2
    assert "Too many failed sign-ins" in _admin_sign_in(client, PASSWORD).text
    # --email lifts the email's limits: sign-in links and the admin account's lock.
    assert flask(limits, "throttle", "clear", "--email", "A@Example.com").stdout \
        .startswith("Cleared 1 limit(s)")
    assert _ask_link(client, "a@example.com") == 200
    assert _sign_in_mails(app).count("a@example.com") == 3  # sent again
    assert flask(limits, "throttle", "clear", "--email", ADMIN).stdout \
        .startswith("Cleared 1 limit(s)")
    assert _admin_sign_in(client, PASSWORD).status_code == 302  # signed in
    nothing = flask(limits, "throttle", "clear", "--email", "nobody@example.com")
    assert nothing.returncode == 0 and nothing.stdout.startswith("Nothing was being counted")


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--address", "not-an-ip", "'not-an-ip' is not an IP address (like 127.0.0.1 or ::1)."),
    ("--address", "", "'' is not an IP address"),
    ("--email", "not-an-email", "'not-an-email' is not an email address."),
])
def test_clear_refuses_a_bad_value(app, limits, option, value, message):
    result = flask(limits, "throttle", "clear", option, value)
    assert result.returncode == 2 and result.stdout == ""
    assert f"Invalid value for '{option}': {message}" in result.stderr
    assert "Traceback" not in result.stderr
