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
