"""The Stripe.js v3 stand-in served at ``/js.stripe.com/v3/`` (see static/stripe-v3.js)."""
from functools import lru_cache
from pathlib import Path

PATHS = frozenset({"/js.stripe.com/v3/", "/js.stripe.com/v3", "/v3/", "/v3"})


@lru_cache(maxsize=1)
def script() -> bytes:
    return (Path(__file__).parent / "static" / "stripe-v3.js").read_bytes()
