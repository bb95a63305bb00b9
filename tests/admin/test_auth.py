"""Sign-in, sign-out, the failed-attempt throttle and the admin-only URL map."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AdminUser, Throttle
from tests.helpers import csrf_from

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in


def _throttle_rows(app):
    with app.app_context():
        return {row.key: row.failures for row in db.session.scalars(select(Throttle))}


def test_every_admin_rule_but_login_needs_a_signed_in_admin(app, client):
    """Walk the URL map: each /admin rule redirects to the sign-in page when signed out."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")]
    assert len(rules) >= 8
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    checked = 0
    for rule in rules:
        if rule.endpoint == "admin.login":
            continue
        url = re.sub(r"<(?:int|id)(?:\([^)]*\))?:[^>]+>", "1", rule.rule)  # ids must match
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "ORD-AAAAAAAAAA", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code in (302, 401), (method, url, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/admin/login")
            checked += 1
    assert checked >= 7


def test_sign_in_sets_a_hardened_session_cookie_and_opens_the_dashboard(
    client, admin_account, app
):
    """The right pair signs in; the session cookie is HttpOnly and SameSite=Lax."""
    response = sign_in(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        assert db.session.get(AdminUser, admin_account).last_login_at is not None


def test_session_cookie_is_secure_outside_development():
    """Outside development the cookie is only sent over HTTPS."""
    from config import Config

    assert Config().SESSION_COOKIE_SECURE in (True, False)  # read from the environment
    import os

    old = os.environ.get("STORE_ENV")
    os.environ["STORE_ENV"] = "production"
    try:
        assert Config().SESSION_COOKIE_SECURE is True
    finally:
        if old is None:
            del os.environ["STORE_ENV"]
        else:
            os.environ["STORE_ENV"] = old


@pytest.mark.parametrize("email, password", [
    (ADMIN_EMAIL, "wrong password entirely"),
    ("nobody@example.com", ADMIN_PASSWORD),
])
def test_wrong_pair_gets_one_generic_message(client, admin_account, email, password):
    """Unknown email and wrong password read the same, so accounts cannot be probed."""
    response = sign_in(client, email=email, password=password)
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_email_is_case_insensitive(client, admin_account):
    """Admins are found by lower-case email."""
    assert sign_in(client, email="  Owner@Example.COM ").status_code == 302


def test_sign_in_follows_next_inside_admin_only(client, admin_account):
    """`next` may point into /admin, never to another site."""
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    response = client.post("/admin/login?next=//evil.example/admin", data=data)
    assert response.headers["Location"] == "/admin/"
    client.post("/admin/logout", data={"csrf_token": csrf_from(
        client.get("/admin/").get_data(as_text=True))})
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    data["csrf_token"] = token
    response = client.post("/admin/login?next=/admin/purchases", data=data)
    assert response.headers["Location"] == "/admin/purchases"


@pytest.mark.parametrize("next_param", [
    "/admin%0d%0aX-Injected:%201",         # a header break: was a 500 once signed in
    "/admin/purchases%0aX-Injected:%201",
    "/admin%09",
    "/admin/../account",                    # out of /admin through ..
    "/admin/..%2f..%2f/evil.example",       # ..%2f decodes to ../
    "/admin/%2e%2e/account",
    "/admin/%252e%252e/account",            # encoded twice
    "/admin/%5c%5cevil.example",            # backslashes, which browsers read as /
    "/admin\\evil.example",
    "/administrator",                       # starts with /admin but is not inside it
    "/adminevil.example",
])
def test_sign_in_ignores_a_next_that_leaves_admin_or_breaks_the_header(
    client, admin_account, next_param
):
    """A `next` with a control character, a backslash or a `..` segment (in any encoded
    form), or whose normalised path is not /admin or under /admin/, is not followed: the
    admin is signed in and sent to the dashboard, never a 500."""
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post(f"/admin/login?next={next_param}", data={
        "csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert "X-Injected" not in response.headers
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("next_param, location", [
    ("/admin", "/admin"),
    ("/admin/purchases?status=paid%26q%3D%2540example.com",
     "/admin/purchases?status=paid&q=%40example.com"),
    ("/admin/./purchases", "/admin/./purchases"),
])
def test_sign_in_follows_a_next_inside_admin(client, admin_account, next_param, location):
    """Paths inside /admin, with their query, are still followed as given."""
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post(f"/admin/login?next={next_param}", data={
        "csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.headers["Location"] == location


def test_login_form_without_csrf_token_is_refused(client, admin_account):
    """CSRF is checked on the sign-in form."""
    response = client.post("/admin/login", data={"email": ADMIN_EMAIL,
                                                 "password": ADMIN_PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_sign_out_is_a_post_with_csrf(admin_client):
    """GET does not sign out; a POST without the token is refused; with it, it works."""
    assert admin_client.get("/admin/logout").status_code == 405
    assert admin_client.post("/admin/logout").status_code == 400
    assert admin_client.get("/admin/").status_code == 200
    token = csrf_from(admin_client.get("/admin/").get_data(as_text=True))
    response = admin_client.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/login"
    assert admin_client.get("/admin/").status_code == 302


def test_account_is_locked_after_max_failures_then_unlocks(client, admin_account, app):
    """Five failures lock the account, even for the right password, until the window ends."""
    limit = app.config["LOGIN_MAX_FAILURES"]
    for n in range(limit):
        response = sign_in(client, password=f"guess number {n}",
                           environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        assert "Wrong email or password." in response.get_data(as_text=True)
    response = sign_in(client, environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert response.status_code == 401
    assert "Too many failed sign-ins. Please wait 5 minutes" in response.get_data(
        as_text=True)
    assert _throttle_rows(app)[f"email:{ADMIN_EMAIL}"] == limit
    with app.app_context():  # the window has passed
        row = db.session.get(Throttle, f"email:{ADMIN_EMAIL}")
        row.locked_until = row.window_started_at = None
        db.session.delete(row)
        db.session.commit()
    assert sign_in(client, environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code == 302


def test_address_is_locked_across_accounts(client, admin_account, app):
    """One address guessing many accounts is locked too."""
    limit = app.config["LOGIN_MAX_FAILURES"]
    for n in range(limit):
        sign_in(client, email=f"user{n}@example.com", password="whatever password",
                environ_base={"REMOTE_ADDR": "192.0.2.7"})
    response = sign_in(client, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    assert sign_in(client, environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 302


def test_success_resets_the_account_counter(client, admin_account, app):
    """A good sign-in forgets earlier failures of the account."""
    sign_in(client, password="bad password one")
    sign_in(client, password="bad password two")
    assert _throttle_rows(app)[f"email:{ADMIN_EMAIL}"] == 2
    assert sign_in(client).status_code == 302
    assert f"email:{ADMIN_EMAIL}" not in _throttle_rows(app)


def test_window_expiry_restarts_the_count(app_ctx):
    """Failures older than the window do not count towards a lock."""
    from datetime import timedelta

    from app.admin import throttle
    from app.models._time import utcnow

    keys = ["email:x@example.com"]
    for _ in range(app_ctx.config["LOGIN_MAX_FAILURES"] - 1):
        throttle.record_failure(keys)
    row = db.session.get(Throttle, keys[0])
    row.window_started_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    throttle.record_failure(keys)
    assert db.session.get(Throttle, keys[0]).failures == 1
    assert throttle.seconds_locked(keys) == 0


def test_passwords_are_stored_as_argon2_hashes(app_ctx, admin_account):
    """No plain text in the database."""
    admin = db.session.get(AdminUser, admin_account)
    assert admin.password_hash.startswith("$argon2id$")
    assert ADMIN_PASSWORD not in admin.password_hash
