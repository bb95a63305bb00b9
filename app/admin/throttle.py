"""Failed sign-in throttle: per account and per address, stored in login_throttles.

After LOGIN_MAX_FAILURES failures within LOGIN_LOCKOUT_SECONDS the key is locked for
LOGIN_LOCKOUT_SECONDS. That slows guessing to a handful of tries per window while the
real admin is never kept out longer than one window.
"""

import math
from datetime import UTC, timedelta

from flask import current_app

from app.extensions import db
from app.models import LoginThrottle
from app.models._time import utcnow


def _aware(value):
    """SQLite hands timestamps back without a zone; they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def keys_for(*, email, ip):
    """The throttle keys of one sign-in attempt."""
    return [f"email:{(email or '').strip().lower()}", f"ip:{ip or 'unknown'}"]


def seconds_locked(keys):
    """Seconds until every key is unlocked (0 when none is locked)."""
    now = utcnow()
    wait = 0
    for row in db.session.scalars(
        db.select(LoginThrottle).where(LoginThrottle.key.in_(keys))
    ):
        locked_until = _aware(row.locked_until)
        if locked_until and locked_until > now:
            wait = max(wait, math.ceil((locked_until - now).total_seconds()))
    return wait


def record_failure(keys):
    """Count one failure against each key, locking those that reach the limit."""
    config = current_app.config
    window = timedelta(seconds=config["LOGIN_LOCKOUT_SECONDS"])
    now = utcnow()
    for key in keys:
        row = db.session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
            db.session.add(row)
        elif _aware(row.window_started_at) + window <= now:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= config["LOGIN_MAX_FAILURES"]:
            row.locked_until = now + window
    db.session.commit()


def reset(key):
    """Forget the failures of one key (after a successful sign-in)."""
    row = db.session.get(LoginThrottle, key)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
