"""The Stripe time budget must stay below the worker timeout, or the store will not start."""

import pytest

from app import create_app
from app.payments import KeyConfigError
from config import TestConfig


@pytest.mark.parametrize("budget, timeout", [(55, 60), (0, 60), (30, 30)])
def test_a_budget_too_close_to_the_worker_timeout_is_refused(budget, timeout):
    """One clear message names both settings."""
    with pytest.raises(KeyConfigError, match="STRIPE_REQUEST_BUDGET .* WORKER_TIMEOUT"):
        create_app(TestConfig(STRIPE_REQUEST_BUDGET=budget, WORKER_TIMEOUT=timeout))


def test_the_shipped_gunicorn_config_uses_the_worker_timeout(monkeypatch):
    """gunicorn.conf.py reads WORKER_TIMEOUT; its default exceeds the default budget."""
    import runpy

    from config import BASE_DIR

    monkeypatch.delenv("WORKER_TIMEOUT", raising=False)
    settings = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert settings["timeout"] == 60
    assert settings["timeout"] >= TestConfig().STRIPE_REQUEST_BUDGET + 10
    monkeypatch.setenv("WORKER_TIMEOUT", "90")
    assert runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))["timeout"] == 90
