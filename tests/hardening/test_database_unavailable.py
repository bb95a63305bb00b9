"""When the database cannot answer — every pooled connection busy, a refused connection, a
server saying "too many clients" — pages answer 503 with Retry-After and a plain message,
never a 500 or a stack trace, and the log says so in one line."""

import logging

import pytest

from app import create_app
from app.database import engine_options
from app.extensions import db
from config import TestConfig

BUSY = "The store is very busy right now and could not answer."


def _store(app, **overrides):
    settings = {key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "STRIPE_API_BASE", "STRIPE_SECRET_KEY",
        "STRIPE_PUBLISHABLE_KEY")}
    return create_app(TestConfig(**{**settings, **overrides}))


def _assert_busy(response, caplog):
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page
    assert response.headers["Retry-After"] == "5"
    assert BUSY in page
    assert "Traceback" not in page and "sqlalchemy" not in page.lower()
    lines = [r for r in caplog.records if r.getMessage().startswith("Database unavailable")]
    assert len(lines) == 1 and lines[0].exc_info is None


@pytest.mark.parametrize("path", ["/", "/courses/python-jumpstart", "/policies/terms",
                                  "/orders/ORD-NOPE"])
def test_no_free_connection_is_a_503_to_retry(app, make_course, caplog, path):
    make_course()
    options = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_size": 1,
               "max_overflow": 0, "pool_timeout": 0.2}
    store = _store(app, SQLALCHEMY_ENGINE_OPTIONS=options)
    with store.app_context():
        held = db.engine.connect()  # the pool's only connection, busy elsewhere
        try:
            with caplog.at_level(logging.ERROR, logger="app.errors"):
                response = store.test_client().get(path)
        finally:
            held.close()
            db.engine.dispose()
    _assert_busy(response, caplog)
    assert "QueuePool limit" in caplog.text


def test_a_refused_connection_is_a_503_to_retry(app, caplog):
    # Port 9 (discard) has no PostgreSQL behind it: the connection is refused.
    store = _store(app, SQLALCHEMY_DATABASE_URI="postgresql://store@127.0.0.1:9/store")
    with caplog.at_level(logging.ERROR, logger="app.errors"):
        response = store.test_client().get("/courses/python-jumpstart")
    _assert_busy(response, caplog)


def test_a_postgresql_pool_never_opens_more_than_its_size():
    url = "postgresql://store@db/store"
    assert engine_options(url, threads=64)["pool_size"] == 10
    assert engine_options(url, threads=64, pool_size=4)["pool_size"] == 4
    assert engine_options(url, threads=2, pool_size=4)["pool_size"] == 2
    assert engine_options(url, threads=64)["max_overflow"] == 0
