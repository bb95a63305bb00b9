"""Catalog and course pages."""

import time


def test_catalog_lists_active_courses_with_formatted_prices(make_course, client):
    """Each active course shows its title and price in its own currency."""
    make_course()
    make_course(slug="nihongo", title="Nihongo", price="5000", currency="jpy")
    make_course(slug="sql", title="SQL", price="49.00", currency="eur")
    html = client.get("/").get_data(as_text=True)
    for text in ("Python Jumpstart", "$69.00", "Nihongo", "¥5,000", "SQL", "€49.00"):
        assert text in html


def test_archived_courses_are_not_listed(app, make_course, client):
    """Archived courses disappear from the catalog."""
    from app.catalog.services import update_course
    from app.extensions import db

    make_course()
    make_course(slug="old", title="Old Course")
    with app.app_context():
        update_course("old", active=False)
        db.session.remove()
    html = client.get("/").get_data(as_text=True)
    assert "Python Jumpstart" in html
    assert "Old Course" not in html


def test_course_page_has_the_checkout_form(make_course, client, emulator):
    """The page posts stripeToken/stripeEmail with CSRF and loads the emulator's Stripe.js."""
    make_course()
    html = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert 'method="post"' in html
    assert 'name="csrf_token"' in html
    assert 'name="stripeEmail"' in html
    assert 'name="stripeToken"' in html
    assert "Pay $69.00" in html
    assert f'src="{emulator.url}/js.stripe.com/v3/"' in html
    assert 'data-publishable-key="pk_test_' in html
    assert "sk_test" not in html


def test_test_mode_banner_is_on_every_page(make_course, client):
    """With test keys every page says so."""
    make_course()
    for url in ("/", "/courses/python-jumpstart", "/courses/missing"):
        assert 'data-testid="test-mode-banner"' in client.get(url).get_data(as_text=True)


def test_unknown_course_is_a_friendly_404(client):
    """A missing course gives a plain page, no stack trace."""
    response = client.get("/courses/nothing-here")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "no longer on sale" in html
    assert "Traceback" not in html


def test_pages_carry_security_headers(make_course, client, app):
    """No framing (clickjacking), no MIME sniffing, receipt URLs never leak as referrers."""
    make_course()
    for url in ("/", "/courses/python-jumpstart", "/admin/login", "/orders/nope"):
        headers = client.get(url).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # tests run without Secure cookies


# --- HTTP caching of the catalog (the same for everyone) -----------------------------

def test_the_catalog_is_cacheable_and_answers_a_conditional_get_with_304(client, make_course):
    make_course()
    first = client.get("/")
    assert first.status_code == 200 and "Python Jumpstart" in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    make_course(slug="second-course", title="Second Course")
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Second Course" in changed.get_data(as_text=True)


def test_a_catalog_showing_a_flash_is_private(client, make_course, app):
    make_course()
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You are signed out.")]
    shown = client.get("/")
    assert "You are signed out." in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "private, no-cache"
    assert client.get("/").headers["Cache-Control"] == "public, max-age=60"


def test_personal_pages_are_never_shared(client, make_course):
    make_course()
    page = client.get("/courses/python-jumpstart")  # its form holds this browser's CSRF token
    assert "public" not in page.headers.get("Cache-Control", "")
    assert client.get("/account").headers["Cache-Control"] == "no-store"


# --- the catalog rendered once per CATALOG_CACHE_SECONDS per process (app/caching.py) ---

def _rename_behind_the_apps_back(app, title):
    """What another process's change looks like to this one: a bulk UPDATE, which this
    process's session never sees as a change to a course."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models import Course

    with app.app_context():
        db.session.execute(update(Course).values(title=title))
        db.session.commit()


def test_the_catalog_is_rendered_once_per_window_and_a_change_here_shows_at_once(
        client, make_course, app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 60)
    make_course()
    first = client.get("/")
    assert "Python Jumpstart" in first.get_data(as_text=True)
    _rename_behind_the_apps_back(app, "Renamed Elsewhere")
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304  # the same page, its ETag kept with it
    assert "Renamed Elsewhere" not in client.get("/").get_data(as_text=True)
    make_course(slug="second-course", title="Second Course")  # a change in this process
    shown = client.get("/").get_data(as_text=True)
    assert "Second Course" in shown and "Renamed Elsewhere" in shown


def test_another_process_change_shows_when_the_window_ends(client, make_course, app,
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 0.3)
    make_course()
    assert "Python Jumpstart" in client.get("/").get_data(as_text=True)
    _rename_behind_the_apps_back(app, "Renamed Elsewhere")
    time.sleep(0.4)
    assert "Renamed Elsewhere" in client.get("/").get_data(as_text=True)


def test_a_flash_is_not_kept_in_the_shared_catalog(client, make_course, app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 60)
    make_course()
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You are signed out.")]
    assert "You are signed out." in client.get("/").get_data(as_text=True)
    stranger = app.test_client().get("/")
    assert "You are signed out." not in stranger.get_data(as_text=True)
    assert stranger.headers["Cache-Control"] == "public, max-age=60"


# --- a new visitor's course page, rendered once per window but for its CSRF token ------

def _visitor_token(client, slug="python-jumpstart", **kwargs):
    from tests.helpers import csrf_from

    page = client.get(f"/courses/{slug}", **kwargs)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    from app.caching import CSRF_PLACEHOLDER

    assert CSRF_PLACEHOLDER not in html
    return html, csrf_from(html)


def test_new_visitors_share_the_course_page_but_each_gets_its_own_working_token(
        app, make_course, card_token, monkeypatch):
    from app.models import Order, OrderStatus

    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 60)
    make_course()
    first, second = app.test_client(), app.test_client()
    html_1, token_1 = _visitor_token(first)
    _rename_behind_the_apps_back(app, "Renamed Elsewhere")
    html_2, token_2 = _visitor_token(second)
    assert token_1 != token_2
    assert html_1.replace(token_1, "") == html_2.replace(token_2, "")  # one rendering
    assert "Renamed Elsewhere" not in html_2
    # the other visitor's token is refused, the visitor's own one pays
    stolen = first.post("/courses/python-jumpstart/checkout", data={
        "csrf_token": token_2, "stripeToken": card_token(), "stripeEmail": "a@example.com",
        "country": "US"})
    assert stolen.status_code != 302 or "/orders/" not in stolen.headers["Location"]
    paid = second.post("/courses/python-jumpstart/checkout", data={
        "csrf_token": token_2, "stripeToken": card_token(), "stripeEmail": "b@example.com",
        "country": "US"})
    assert paid.status_code == 302 and "/orders/" in paid.headers["Location"]
    with app.app_context():
        from app.extensions import db

        assert [o.status for o in db.session.query(Order).all()] == [OrderStatus.PAID]


def test_a_visitor_with_more_than_a_token_or_a_query_gets_the_page_rendered_now(
        app, make_course, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 60)
    make_course()
    _visitor_token(app.test_client())  # cached
    _rename_behind_the_apps_back(app, "Renamed Elsewhere")
    assert "Renamed Elsewhere" not in _visitor_token(app.test_client())[0]
    assert "Renamed Elsewhere" in _visitor_token(app.test_client(),
                                                 query_string={"code": "X"})[0]
    flashed = app.test_client()
    with flashed.session_transaction() as session:
        session["_flashes"] = [("info", "You are signed out.")]
    html = _visitor_token(flashed)[0]
    assert "Renamed Elsewhere" in html and "You are signed out." in html
    french = _visitor_token(app.test_client(),
                            headers={"Accept-Language": "fr-FR,fr;q=0.9"})[0]
    assert "Renamed Elsewhere" in french  # another browser country: another page
    assert '<option value="FR" selected>' in french


def test_a_paused_address_is_told_so_on_a_cached_course_page(app, make_course,
                                                             monkeypatch):
    from app import card_testing
    from app.extensions import db

    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 60)
    make_course()
    assert "Checkout is paused" not in _visitor_token(app.test_client())[0]
    with app.app_context():
        for _ in range(app.config["CHECKOUT_MAX_DECLINES"]):
            card_testing.count_decline("127.0.0.1")
        db.session.commit()
    assert "Checkout is paused" in _visitor_token(app.test_client())[0]


def test_a_pause_set_by_another_process_shows_within_the_window_and_checkout_refuses_at_once(
        app, make_course, card_token, monkeypatch):
    """Pages read the paused addresses once per CATALOG_CACHE_SECONDS (one statement for
    a crowd); a pause another process set (no forgetting here) shows once the window
    ends, and the checkout itself refuses the address from the moment it is paused."""
    import time

    from app import card_testing, throttle
    from app.extensions import db

    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 1)
    make_course()
    visitor = app.test_client()
    html, token = _visitor_token(visitor)
    assert "Checkout is paused" not in html
    read_at = time.monotonic()
    with app.app_context():  # as another worker counts declines: nothing forgotten here
        for _ in range(app.config["CHECKOUT_MAX_DECLINES"]):
            throttle.record_failure([card_testing.key("127.0.0.1")], commit=False,
                                    limit=app.config["CHECKOUT_MAX_DECLINES"],
                                    window=app.config["CHECKOUT_DECLINE_WINDOW_SECONDS"])
        db.session.commit()
    if time.monotonic() - read_at < 0.8:  # still inside the window the page read
        assert "Checkout is paused" not in _visitor_token(app.test_client())[0]
    refused = visitor.post("/courses/python-jumpstart/checkout", follow_redirects=True,
                           data={"csrf_token": token, "stripeToken": card_token(),
                                 "stripeEmail": "p@example.com", "country": "US"})
    assert "Too many declined payments" in refused.get_data(as_text=True)
    with app.app_context():
        from app.models import Order

        assert db.session.query(Order).count() == 0  # nothing placed, nothing charged
    time.sleep(max(0.0, read_at + 1.1 - time.monotonic()))
    assert "Checkout is paused" in _visitor_token(app.test_client())[0]


def test_a_page_found_personal_while_rendered_is_rendered_again_with_the_visitors_token(
        app, monkeypatch):
    """What the rendering kept for the request (a form holding the placeholder token) is
    dropped before the page is rendered again for the visitor alone (under gunicorn the
    course page's second visit in a session was rendered again, and its form kept the
    placeholder: the tab's payment was refused)."""
    from flask import g, session
    from flask_wtf.csrf import generate_csrf

    from app.caching import CSRF_PLACEHOLDER, visitor_page

    monkeypatch.setitem(app.config, "CATALOG_CACHE_SECONDS", 60)
    with app.test_request_context("/courses/x"):
        def render():
            token = g.setdefault("kept_form_token", generate_csrf())  # kept, as forms are
            session["buyer"] = "personal"  # found personal while rendering
            return f'<input name="csrf_token" value="{token}">'

        body = visitor_page(("test-personal",), render)
        assert CSRF_PLACEHOLDER not in body and generate_csrf() in body
