"""Start-up checks of the configured Stripe keys, and a live check for `flask stripe check`."""

import socket
from urllib.parse import urlsplit

import stripe

from app.payments.client import build_client


class KeyConfigError(RuntimeError):
    """The Stripe keys in the configuration cannot be right; the message says what to fix."""


def _mode(key):
    for mode in ("test", "live"):
        if f"_{mode}_" in key:
            return mode
    return None


def check_keys(config):
    """Raise KeyConfigError when the configured keys are missing, swapped or mismatched."""
    secret = config.get("STRIPE_SECRET_KEY") or ""
    public = config.get("STRIPE_PUBLISHABLE_KEY") or ""
    production = config.get("ENV_NAME") == "production"
    if not secret:
        if production:
            raise KeyConfigError(
                "STRIPE_SECRET_KEY is not set. Production needs your Stripe secret key."
            )
        return
    if secret.startswith("pk_"):
        raise KeyConfigError(
            "STRIPE_SECRET_KEY holds a publishable key (pk_…). Put the secret key "
            "(sk_… or rk_…) there and the publishable key in STRIPE_PUBLISHABLE_KEY."
        )
    if not secret.startswith(("sk_", "rk_")):
        raise KeyConfigError("STRIPE_SECRET_KEY must start with sk_ or rk_.")
    if public and not public.startswith("pk_"):
        raise KeyConfigError(
            "STRIPE_PUBLISHABLE_KEY must be a publishable key (pk_…); it holds a secret "
            "key. Never put a secret key in a page."
        )
    if not public:
        raise KeyConfigError("STRIPE_PUBLISHABLE_KEY is not set (pk_test_… or pk_live_…).")
    if _mode(secret) != _mode(public):
        raise KeyConfigError(
            f"STRIPE_SECRET_KEY is a {_mode(secret)} key but STRIPE_PUBLISHABLE_KEY is a "
            f"{_mode(public)} key. Use keys of the same mode."
        )
    if _mode(secret) == "live" and not config.get("ALLOW_LIVE_KEYS"):
        raise KeyConfigError(
            "Live Stripe keys are configured but ALLOW_LIVE_KEYS is not true. Set "
            "ALLOW_LIVE_KEYS=true (and STORE_ENV=production) to take real payments."
        )


def is_test_mode(config):
    """True unless live keys are configured."""
    return _mode(config.get("STRIPE_SECRET_KEY") or "") != "live"


def describe_mode(config):
    """One line: which mode and endpoint the keys reach."""
    if not config.get("STRIPE_SECRET_KEY"):
        return "not configured (no STRIPE_SECRET_KEY, and no emulator from `make run`)"
    endpoint = config.get("STRIPE_API_BASE") or "https://api.stripe.com"
    emulator = ""
    if config.get("STRIPE_API_BASE"):
        emulator = " (offline emulator"
        if config.get("STRIPE_API_BASE_SOURCE") == "make run":
            emulator += " started by `make run`"
        emulator += ")"
    mode = "test" if is_test_mode(config) else "LIVE"
    return f"{mode} mode, {endpoint}{emulator}"


def not_configured_message():
    """What to do when no Stripe is configured at all."""
    return (
        "No Stripe to talk to: STRIPE_SECRET_KEY is empty and no `make run` emulator is "
        "running. Start `make run` in another terminal, or set STRIPE_SECRET_KEY."
    )


def unreachable_message(config):
    """One line for a connection failure, naming the endpoint."""
    base = config.get("STRIPE_API_BASE")
    if base:
        return (
            f"The offline Stripe emulator at {base} is not answering. Is `make run` "
            "still running? (Start it, or set STRIPE_API_BASE to where the emulator is.)"
        )
    return "Stripe could not be reached at https://api.stripe.com (no network connection?)."


def endpoint_answers(config, timeout=3):
    """True when a TCP connection to the Stripe endpoint opens (no request is made, so a
    slow Stripe still counts as there; a stopped emulator or no network does not)."""
    parts = urlsplit(config.get("STRIPE_API_BASE") or "https://api.stripe.com")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def ping(config):
    """Make one harmless call with the keys; return (ok, message)."""
    if not config.get("STRIPE_SECRET_KEY"):
        return False, not_configured_message()
    client = build_client({**config, "STRIPE_MAX_NETWORK_RETRIES": 0})
    try:
        client.v1.charges.list(params={"limit": 1})
    except stripe.AuthenticationError as exc:
        return False, f"Stripe refused the secret key: {exc.user_message}"
    except stripe.APIConnectionError:
        return False, unreachable_message(config)
    except stripe.StripeError as exc:
        return False, f"Stripe could not be reached: {exc.user_message or exc}"
    if config.get("STRIPE_API_BASE"):
        return True, "The offline emulator answers (with its built-in test key)."
    return True, "The secret key works."
