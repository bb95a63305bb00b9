"""Configuration read from the environment."""

import pytest

from app import create_app
from config import EMULATOR_SECRET_KEY, Config


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_API_BASE",
                 "STRIPE_JS_URL", "DATABASE_URL", "SECRET_KEY", "STORE_ENV",
                 "STORE_CURRENCY"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("LOCAL_RUN_FILE", "/nonexistent/local-run.json")
    return monkeypatch


def test_defaults_use_sqlite_under_instance_and_real_stripe_js(clean_env):
    """Without settings: SQLite in instance/, Stripe.js from js.stripe.com."""
    config = Config()
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.SQLALCHEMY_DATABASE_URI.endswith("instance/storefront.db")
    assert config.STRIPE_JS_URL == "https://js.stripe.com/v3/"
    assert config.STORE_CURRENCY == "usd"


def test_emulator_base_brings_its_keys_and_stripe_js(clean_env):
    """Pointing at the emulator without keys uses its test keys and its Stripe.js."""
    clean_env.setenv("STRIPE_API_BASE", "http://127.0.0.1:12111/")
    config = Config()
    assert config.STRIPE_API_BASE == "http://127.0.0.1:12111"
    assert config.STRIPE_SECRET_KEY == EMULATOR_SECRET_KEY
    assert config.STRIPE_JS_URL == "http://127.0.0.1:12111/js.stripe.com/v3/"


def test_production_needs_a_secret_key(clean_env):
    """A missing SECRET_KEY in production stops the app with a clear message."""
    clean_env.setenv("STORE_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app(Config())


def test_cookies_are_secure_outside_development(clean_env):
    """Session cookies are HttpOnly, SameSite and Secure in production."""
    clean_env.setenv("STORE_ENV", "production")
    config = Config()
    assert config.SESSION_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"


@pytest.mark.parametrize(("hops", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_proxy_headers_are_trusted_only_when_configured(hops, seen):
    """With TRUST_PROXY_HOPS the client address (for the sign-in throttle) is X-Forwarded-For."""
    from flask import request

    from config import TestConfig

    app = create_app(TestConfig(TRUST_PROXY_HOPS=hops))
    app.add_url_rule("/_addr", "addr", lambda: request.remote_addr)
    response = app.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.9"},
                                     environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.get_data(as_text=True) == seen


def test_commands_read_the_emulator_make_run_recorded(clean_env, tmp_path):
    """With no endpoint and no key set, the emulator recorded by `make run` is used."""
    record = tmp_path / "local-run.json"
    record.write_text('{"api_base": "http://127.0.0.1:4567", "webhook_secret": "whsec_x"}')
    clean_env.setenv("LOCAL_RUN_FILE", str(record))
    config = Config()
    assert config.STRIPE_API_BASE == "http://127.0.0.1:4567"
    assert config.STRIPE_API_BASE_SOURCE == "make run"
    assert config.STRIPE_SECRET_KEY == EMULATOR_SECRET_KEY
    clean_env.setenv("STRIPE_SECRET_KEY", "sk_test_real")
    clean_env.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_real")
    assert Config().STRIPE_API_BASE == ""  # real keys win over a running emulator
    record.write_text("not json")
    clean_env.setenv("STRIPE_SECRET_KEY", "")
    assert Config().STRIPE_API_BASE == ""
