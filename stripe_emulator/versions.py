"""The ``Stripe-Version`` header: a version Stripe never released is a 400, as on Stripe.

Versions are ``YYYY-MM-DD`` up to 2024-09-29 and ``YYYY-MM-DD.<release>`` from acacia on
(REFERENCE §3.3). The emulator knows versions up to its own (``API_VERSION``): a real
calendar date from 2011-01-01 to that date, with the release name in force by then. Within
a release, the exact dates Stripe shipped are not checked.
"""
import datetime
import re

from . import API_VERSION
from .errors import StripeError

#: Release names and the first version of each (alphabetical since acacia).
RELEASES = (("acacia", "2024-09-30"), ("basil", "2025-03-31"), ("clover", "2025-09-30"),
            ("dahlia", "2026-01-01"), ("endive", "2026-09-01"))
_FORM = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.([a-z]+))?$")
FIRST = "2011-01-01"
NAMED_FROM = RELEASES[0][1]


def _date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def known(version: str) -> bool:
    m = _FORM.match(version)
    if not m or _date(m.group(1)) is None:
        return False
    day, name = m.group(1), m.group(2)
    if not FIRST <= day <= API_VERSION.split(".")[0]:
        return False
    if day < NAMED_FROM:
        return name is None
    starts = dict(RELEASES)
    return name in starts and starts[name] <= day


def check(header: str | None):
    """Raise Stripe's 400 for an unknown ``Stripe-Version`` (no header: account default)."""
    if header is None or not header.strip() or known(header.strip()):
        return
    raise StripeError(400, "invalid_request_error",
                      f"Invalid Stripe API version: {header}", stored=False)


def on_or_after(version: str, first: str) -> bool:
    """Whether API ``version`` (``2026-10-28.endive``) is ``first`` (a date) or later."""
    return version.split(".")[0] >= first
