"""Start-up guards on the Stripe keys."""

import pytest

from app import create_app
from app.payments.keys import KeyConfigError, check_keys, describe_mode
from config import TestConfig


def _config(**values):
    base = {"STRIPE_SECRET_KEY": "sk_test_abc", "STRIPE_PUBLISHABLE_KEY": "pk_test_abc",
            "ENV_NAME": "development", "ALLOW_LIVE_KEYS": False}
    base.update(values)
    return base


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"STRIPE_SECRET_KEY": "pk_test_abc"}, "holds a publishable key"),
        ({"STRIPE_PUBLISHABLE_KEY": "sk_test_abc"}, "must be a publishable key"),
        ({"STRIPE_PUBLISHABLE_KEY": "pk_live_abc"}, "same mode"),
        ({"STRIPE_SECRET_KEY": "sk_live_abc", "STRIPE_PUBLISHABLE_KEY": "pk_live_abc"},
         "ALLOW_LIVE_KEYS"),
        ({"STRIPE_SECRET_KEY": "rk_live_abc", "STRIPE_PUBLISHABLE_KEY": "pk_live_abc"},
         "ALLOW_LIVE_KEYS"),
        ({"STRIPE_SECRET_KEY": "", "ENV_NAME": "production"}, "STRIPE_SECRET_KEY is not set"),
        ({"STRIPE_PUBLISHABLE_KEY": ""}, "STRIPE_PUBLISHABLE_KEY is not set"),
        ({"STRIPE_SECRET_KEY": "whatever"}, "must start with sk_ or rk_"),
    ],
)
def test_bad_keys_are_refused_with_a_fix(values, fragment):
    """Each misconfiguration fails with a message saying what to fix."""
    with pytest.raises(KeyConfigError, match=fragment):
        check_keys(_config(**values))


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"STRIPE_SECRET_KEY": "rk_test_abc"},
        {"STRIPE_SECRET_KEY": "", "STRIPE_PUBLISHABLE_KEY": ""},
        {"STRIPE_SECRET_KEY": "sk_live_abc", "STRIPE_PUBLISHABLE_KEY": "pk_live_abc",
         "ALLOW_LIVE_KEYS": True},
    ],
)
def test_good_keys_pass(values):
    """Matching test keys, restricted keys, no keys in development and enabled live pass."""
    assert check_keys(_config(**values)) is None


def test_create_app_refuses_a_swapped_key():
    """The factory runs the guard, so a misconfigured store never starts."""
    config = TestConfig(STRIPE_SECRET_KEY="pk_test_abc", STRIPE_PUBLISHABLE_KEY="pk_test_abc")
    with pytest.raises(KeyConfigError):
        create_app(config)


def test_describe_mode_names_endpoint_and_mode():
    """`flask stripe check` says which mode and endpoint the keys reach."""
    assert describe_mode(_config()) == "test mode, https://api.stripe.com"
    emulated = describe_mode(_config(STRIPE_API_BASE="http://127.0.0.1:12111"))
    assert emulated == "test mode, http://127.0.0.1:12111 (offline emulator)"
    live = _config(STRIPE_SECRET_KEY="sk_live_x", STRIPE_PUBLISHABLE_KEY="pk_live_x")
    assert describe_mode(live).startswith("LIVE mode")
