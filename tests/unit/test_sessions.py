"""The session cookie's signing serializer is built once per key, and a new secret key
(or its fallbacks) is honoured at once; a cookie sent again opens from what it decoded to,
with the same age check and never another request's changes."""

from datetime import timedelta

from flask import Flask, session

from app import sessions
from app.sessions import SigningSessionInterface


def _app(secret, fallbacks=()):
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=list(fallbacks))
    app.session_interface = SigningSessionInterface()

    @app.get("/set")
    def set_value():
        session["who"] = "buyer"
        return "set"

    @app.get("/get")
    def get_value():
        return session.get("who", "nobody")

    @app.get("/set-list")
    def set_list():
        session["seen"] = ["a"]
        return "set"

    @app.get("/touch-list")
    def touch_list():  # changes the opened session's list in place, saves nothing
        seen = session.get("seen", [])
        seen.append("b")
        return ",".join(seen)

    return app


def test_one_serializer_per_key_and_a_rotated_key_is_used_at_once():
    app = _app("first key")
    interface = app.session_interface
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)
    client = app.test_client()
    client.get("/set")
    assert client.get("/get").text == "buyer"
    before = interface.get_signing_serializer(app)
    app.secret_key = "second key"  # rotated without the old one as a fallback
    assert interface.get_signing_serializer(app) is not before
    assert client.get("/get").text == "nobody"  # the old cookie no longer verifies


def test_a_fallback_key_still_opens_old_cookies():
    app = _app("old key")
    client = app.test_client()
    client.get("/set")
    app.secret_key = "new key"
    app.config["SECRET_KEY_FALLBACKS"] = ["old key"]
    assert client.get("/get").text == "buyer"


def test_a_cookie_sent_again_opens_the_same_session_and_never_another_requests_changes():
    app = _app("a key")
    client = app.test_client()
    client.get("/set-list")
    assert client.get("/touch-list").text == "a,b"
    assert client.get("/touch-list").text == "a,b"  # not "a,b,b": a copy each time
    serializer = app.session_interface.get_signing_serializer(app)
    assert len(app.session_interface._kept[2]) == 1  # decoded once, kept
    assert app.session_interface.get_signing_serializer(app) is serializer


def test_a_kept_cookie_still_expires_with_the_session_lifetime(monkeypatch):
    app = _app("a key")
    app.permanent_session_lifetime = timedelta(seconds=60)
    client = app.test_client()
    client.get("/set")
    assert client.get("/get").text == "buyer"  # now kept
    now = sessions.time.time()
    monkeypatch.setattr(sessions.time, "time", lambda: now + 120)
    assert client.get("/get").text == "nobody"
    monkeypatch.setattr(sessions.time, "time", lambda: now - 120)  # from the future
    assert client.get("/get").text == "nobody"


def test_a_forged_cookie_is_never_kept():
    app = _app("a key")
    client = app.test_client()
    client.set_cookie("session", "eyJ3aG8iOiJhZG1pbiJ9.forged.signature")
    assert client.get("/get").text == "nobody"
    assert app.session_interface._kept[2] == {}
