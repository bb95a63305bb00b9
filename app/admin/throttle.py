"""Failed sign-in throttle: per account and per address.

After LOGIN_MAX_FAILURES failures within LOGIN_LOCKOUT_SECONDS the key is locked for
LOGIN_LOCKOUT_SECONDS. That slows guessing to a handful of tries per window while the
real admin is never kept out longer than one window. Each sign-in reserves its attempt
before the password is checked (see app.throttle), so concurrent guesses cannot get
more than LOGIN_MAX_FAILURES checks.
"""

from flask import current_app

from app import throttle
from app.throttle import release, reset, seconds_locked

__all__ = ["fail", "keys_for", "record_failure", "release", "reset", "seconds_locked",
           "try_acquire"]


def keys_for(*, email, ip):
    """The throttle keys of one sign-in attempt."""
    return [f"email:{(email or '').strip().lower()}", f"ip:{ip or 'unknown'}"]


def _limits():
    config = current_app.config
    return {"limit": config["LOGIN_MAX_FAILURES"], "window": config["LOGIN_LOCKOUT_SECONDS"]}


def try_acquire(keys):
    """Reserve one sign-in attempt on each key; 0, or seconds until one is allowed."""
    return throttle.try_acquire(keys, **_limits())


def fail(keys):
    """The reserved sign-in failed."""
    throttle.fail(keys, **_limits())


def record_failure(keys):
    """Count one failed sign-in against each key (without a reservation)."""
    throttle.record_failure(keys, **_limits())
