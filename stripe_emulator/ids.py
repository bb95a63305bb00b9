"""Stripe-looking object ids."""
import os
import random
import string

_ALNUM = string.ascii_letters + string.digits
_rng = random.Random(os.urandom(16))


def new_id(prefix: str, length: int = 24) -> str:
    """Return e.g. ``ch_3Pg…`` with ``length`` random alphanumerics after the prefix."""
    return prefix + "".join(_rng.choices(_ALNUM, k=length))


def charge_id() -> str:
    """Charges made through the legacy API start with ``ch_3`` like Stripe's."""
    return "ch_3" + "".join(_rng.choices(_ALNUM, k=23))


def request_id() -> str:
    return new_id("req_", 14)
