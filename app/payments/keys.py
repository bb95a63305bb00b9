"""Start-up checks of the configured Stripe keys, and a live check for `flask stripe check`."""

import socket
from urllib.parse import urlsplit

import requests
import stripe

from app.payments.client import build_client
from config import ConfigError


class KeyConfigError(ConfigError):
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


def describe_mode(config, *, emulator=None):
    """One line: which mode and endpoint the keys reach. `emulator`: whether a custom
    STRIPE_API_BASE answered as the offline emulator (`is_emulator`); None: not asked."""
    if not config.get("STRIPE_SECRET_KEY"):
        return "not configured (no STRIPE_SECRET_KEY, and no emulator from `make run`)"
    endpoint = config.get("STRIPE_API_BASE") or "https://api.stripe.com"
    note = ""
    if config.get("STRIPE_API_BASE"):
        if emulator is False:
            note = " (custom STRIPE_API_BASE, not the offline emulator)"
        elif config.get("STRIPE_API_BASE_SOURCE") == "make run":
            note = " (offline emulator started by `make run`)"
        else:
            note = " (offline emulator)"
    mode = "test" if is_test_mode(config) else "LIVE"
    return f"{mode} mode, {endpoint}{note}"


def is_emulator(config, timeout=2):
    """Whether STRIPE_API_BASE is the offline emulator: it answers the emulator's own
    GET /_emulator/health (Stripe, stripe-mock or a proxy do not). None without one."""
    base = config.get("STRIPE_API_BASE")
    if not base:
        return None
    try:
        health = requests.get(f"{base}/_emulator/health", timeout=timeout).json()
    except (requests.RequestException, ValueError):
        return False
    return (isinstance(health, dict) and health.get("status") == "ok"
            and isinstance(health.get("objects"), dict))


def not_configured_message():
    """What to do when no Stripe is configured at all."""
    return (
        "No Stripe to talk to: STRIPE_SECRET_KEY is empty and no `make run` emulator is "
        "running. Start `make run` in another terminal, or set STRIPE_SECRET_KEY."
    )


def unreachable_message(config):
    """One line for a connection failure, naming the endpoint."""
    base = config.get("STRIPE_API_BASE")
    if base and config.get("STRIPE_API_BASE_SOURCE") == "setting":
        return (f"Nothing answers at {base} (STRIPE_API_BASE). Start the emulator or "
                "server it names, or correct STRIPE_API_BASE.")
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


def ping(config, *, emulator=None):
    """Make one harmless call with the keys; return (ok, message). `emulator` as for
    `describe_mode`."""
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
        # One line, even when the endpoint answered with a whole HTML page.
        detail = (exc.user_message or str(exc)).strip().splitlines()[0][:200]
        status = f" (HTTP {exc.http_status})" if exc.http_status else ""
        return False, f"Stripe could not be reached: {detail}{status}"
    if config.get("STRIPE_API_BASE") and emulator is not False:
        return True, "The offline emulator answers (with its built-in test key)."
    if config.get("STRIPE_API_BASE"):
        return True, f"The secret key works at {config['STRIPE_API_BASE']}."
    return True, "The secret key works."


#: What `flask stripe check` recommends when every flow works (the README's table).
RECOMMENDED = "payment_intents"
FLOW_NOTES = {
    "charges": "Stripe.js card tokens and the Charges API (no 3-D Secure)",
    "payment_intents": "the Payment Element and PaymentIntents (3-D Secure)",
    "checkout": "Stripe's hosted Checkout page",
}


def probe_flows(config):
    """Which payment flows the keys' account can use: [(flow, usable, why)], asking
    Stripe with test-mode calls that move no money (an authorization of 1.00 that is
    released at once, an unconfirmed PaymentIntent that is cancelled, a list of Checkout
    Sessions). With live keys nothing is created: [] (the README's table says which fits).
    """
    if not is_test_mode(config):
        return []
    client = build_client({**config, "STRIPE_MAX_NETWORK_RETRIES": 0})
    found = []

    def attempt(flow, probe):
        try:
            probe()
        except stripe.InvalidRequestError as exc:
            found.append((flow, False, (exc.user_message or str(exc)).splitlines()[0][:300]))
        except stripe.StripeError as exc:
            found.append((flow, False, f"Stripe did not answer the probe: "
                                       f"{(exc.user_message or str(exc))[:200]}"))
        else:
            found.append((flow, True, FLOW_NOTES[flow]))

    def charges():
        charge = client.v1.charges.create(params={
            "amount": 100, "currency": "usd", "source": "tok_visa", "capture": False,
            "description": "flask stripe check: are card tokens accepted? (released)"})
        client.v1.refunds.create(params={"charge": charge.id})  # releases the hold

    def intents():
        intent = client.v1.payment_intents.create(params={
            "amount": 100, "currency": "usd",
            "description": "flask stripe check: are PaymentIntents available? (cancelled)"})
        client.v1.payment_intents.cancel(intent.id)

    def sessions():
        client.v1.checkout.sessions.list(params={"limit": 1})

    attempt("charges", charges)
    attempt("payment_intents", intents)
    attempt("checkout", sessions)
    return found


def flow_advice(config, probed):
    """Lines `flask stripe check` prints about the flows, from probe_flows' answer."""
    chosen = config.get("PAYMENT_FLOW", "charges")
    if not probed:
        return [f"PAYMENT_FLOW={chosen}. Live keys: the flows are not probed (a probe would "
                "place a real authorization); see the README's table of flows."]
    lines = ["Payment flows this account can use:"]
    for flow, usable, why in probed:
        lines.append(f"  {flow}: {'yes' if usable else 'no'} — {why}")
    usable = [flow for flow, ok, _ in probed if ok]
    recommended = RECOMMENDED if RECOMMENDED in usable else (usable[0] if usable else None)
    if recommended:
        lines.append(f"Recommended: PAYMENT_FLOW={recommended} (the README says why).")
    if chosen not in usable:
        lines.append(f"Warning: PAYMENT_FLOW={chosen} cannot take payments on this account"
                     + (f"; set PAYMENT_FLOW={recommended}." if recommended else "."))
    else:
        lines.append(f"PAYMENT_FLOW={chosen} works on this account.")
    return lines
