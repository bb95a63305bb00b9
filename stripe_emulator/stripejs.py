"""The Stripe.js v3 stand-in served at ``/js.stripe.com/v3/`` (see static/stripe-v3*.js):
the core (``Stripe()``, the card Element, createToken), the other Elements and
paymentRequest, and the intent calls, served as one script."""
from functools import lru_cache
from pathlib import Path

PATHS = frozenset({"/js.stripe.com/v3/", "/js.stripe.com/v3", "/v3/", "/v3"})
PARTS = ("stripe-v3.js", "stripe-v3-elements.js", "stripe-v3-intents.js")


@lru_cache(maxsize=1)
def script() -> bytes:
    """The stand-in's source: its parts in order (each one an independent closure)."""
    folder = Path(__file__).parent / "static"
    return b"\n".join((folder / name).read_bytes() for name in PARTS)
