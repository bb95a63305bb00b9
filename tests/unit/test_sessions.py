"""The session cookie's signing serializer is built once per key, and a new secret key
(or its fallbacks) is honoured at once."""

from flask import Flask, session

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
