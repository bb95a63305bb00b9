"""A new serving process compiles every template before it accepts a connection, so
its first buyers do not wait for the compiler (gunicorn recycles workers)."""

import runpy
from types import SimpleNamespace

import pytest

from config import BASE_DIR


def _refuse_to_load(*_args, **_kwargs):
    raise AssertionError("a template was compiled after the warm-up")


def test_warm_up_compiles_every_template(app, monkeypatch):
    from app.templating import warm_up

    env = app.jinja_env
    env.cache.clear()
    names = env.list_templates()
    assert "checkout/receipt.html" in names and "email/order_confirmation.txt" in names
    warm_up(app)
    monkeypatch.setattr(env.loader, "get_source", _refuse_to_load)
    for name in names:
        env.get_template(name)  # from the cache, or the loader refuses
    env.cache.clear()
    with pytest.raises(AssertionError, match="compiled after"):
        env.get_template("checkout/receipt.html")


def test_the_gunicorn_hook_warms_the_store_then_starts_its_outbox(app, monkeypatch):
    hook = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))["post_worker_init"]
    calls = []
    outbox = SimpleNamespace(ensure_started=lambda: calls.append(len(app.jinja_env.cache)))
    app.jinja_env.cache.clear()
    hook(SimpleNamespace(wsgi=SimpleNamespace(jinja_env=app.jinja_env,
                                              extensions={"outbox_worker": outbox})))
    assert calls == [len(app.jinja_env.list_templates())]
    # A bare Flask app under the same settings (the bench's) is left alone.
    hook(SimpleNamespace(wsgi=SimpleNamespace(extensions={})))
