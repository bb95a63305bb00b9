"""Failed sign-in throttle: per account and per address.

After LOGIN_MAX_FAILURES failures within LOGIN_LOCKOUT_SECONDS the key is locked for
LOGIN_LOCKOUT_SECONDS. That slows guessing to a handful of tries per window while the
real admin is never kept out longer than one window.
"""

from flask import current_app

from app import throttle
from app.throttle import reset, seconds_locked

__all__ = ["keys_for", "record_failure", "reset", "seconds_locked"]


def keys_for(*, email, ip):
    """The throttle keys of one sign-in attempt."""
    return [f"email:{(email or '').strip().lower()}", f"ip:{ip or 'unknown'}"]


def record_failure(keys):
    """Count one failed sign-in against each key."""
    config = current_app.config
    throttle.record_failure(keys, limit=config["LOGIN_MAX_FAILURES"],
                            window=config["LOGIN_LOCKOUT_SECONDS"])
