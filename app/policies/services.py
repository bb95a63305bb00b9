"""Policy versions: save a new one, read the current ones, and the versions a checkout
page showed (posted back with the form, checked against the database)."""

import re
import threading
import time

from flask import current_app, g
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import POLICY_KINDS, PolicyVersion

#: The order column that keeps the version of each policy its checkout showed.
ORDER_COLUMNS = {"terms": "terms_version", "privacy": "privacy_version",
                 "refund": "refund_policy_version"}
MAX_BODY = 100_000
_TOKEN_PART = re.compile(r"(terms|privacy|refund):([1-9][0-9]{0,8})")


class PolicyError(ValueError):
    """A policy that cannot be saved; the message says why."""


#: A process reuses the latest version numbers for the footer's links and the checkout's
#: "versions shown" for POLICY_CACHE_SECONDS (5; every page asks, and a save in another
#: process shows within that time).
_numbers = {"at": None, "value": {}}
_numbers_lock = threading.Lock()


def current_numbers():
    """{kind: latest version number} of the policies written so far: what every page's
    footer and every checkout's hidden field need, read at most every
    POLICY_CACHE_SECONDS per process (a save in this process refreshes it at once)."""
    ttl = current_app.config.get("POLICY_CACHE_SECONDS", 5)
    with _numbers_lock:
        if _numbers["at"] is not None and time.monotonic() - _numbers["at"] < ttl:
            return _numbers["value"]
    rows = db.session.execute(select(PolicyVersion.kind, func.max(PolicyVersion.version))
                              .group_by(PolicyVersion.kind)).all()
    value = {kind: number for kind, number in rows}
    with _numbers_lock:
        _numbers.update(at=time.monotonic(), value=value)
    return value


def forget_numbers():
    """Read the numbers again on the next page (after a save, and in tests)."""
    with _numbers_lock:
        _numbers["at"] = None


def current_versions():
    """{kind: PolicyVersion} of the latest version of each policy written (once per
    request: the footer and the checkout both ask)."""
    cached = g.get("_policy_versions")
    if cached is not None:
        return cached
    latest = (select(PolicyVersion.kind, func.max(PolicyVersion.version).label("v"))
              .group_by(PolicyVersion.kind).subquery())
    rows = db.session.scalars(select(PolicyVersion).join(
        latest, (PolicyVersion.kind == latest.c.kind)
        & (PolicyVersion.version == latest.c.v))).all()
    found = {row.kind: row for row in rows}
    g._policy_versions = found
    return found


def get_version(kind, version=None):
    """One version of a policy (the latest when `version` is None), or None."""
    if kind not in POLICY_KINDS:
        return None
    if version is None:
        return current_versions().get(kind)
    return db.session.scalar(select(PolicyVersion).where(
        PolicyVersion.kind == kind, PolicyVersion.version == version))


def save_version(*, kind, body, admin_email):
    """Store `body` as the next version of the policy and commit; returns it, or None
    when the text is the current version's (nothing new to number)."""
    if kind not in POLICY_KINDS:
        raise PolicyError("There is no such policy.")
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise PolicyError("Write the policy before saving it.")
    if len(body) > MAX_BODY:
        raise PolicyError(f"The policy is too long (at most {MAX_BODY:,} characters).")
    if "\x00" in body:
        raise PolicyError("The text holds a NUL character; paste it again as plain text.")
    for _ in range(3):  # two admins saving at once: the unique (kind, version) decides
        current = db.session.scalar(select(func.max(PolicyVersion.version))
                                    .where(PolicyVersion.kind == kind)) or 0
        if current:
            latest = get_version(kind, current)
            if latest is not None and latest.body == body:
                return None
        row = PolicyVersion(kind=kind, version=current + 1, body=body,
                            created_by=admin_email)
        db.session.add(row)
        try:
            db.session.commit()
            forget_numbers()
        except IntegrityError:
            db.session.rollback()
            continue
        g.pop("_policy_versions", None)
        return row
    raise PolicyError("Someone else saved this policy at the same moment; try again.")


def shown_token(versions=None):
    """The hidden form value naming the versions a checkout page shows:
    "terms:3,privacy:1,refund:2" (only policies written so far)."""
    numbers = current_numbers() if versions is None else {
        kind: row.version for kind, row in versions.items()}
    return ",".join(f"{kind}:{numbers[kind]}" for kind in POLICY_KINDS if kind in numbers)


def shown_versions(token):
    """The order columns for the policy versions a checkout showed: those the posted
    `token` names when each exists, else the current ones (a page from before the
    token, or a form tampered with)."""
    named = dict(_TOKEN_PART.fullmatch(part).groups() for part in (token or "").split(",")
                 if _TOKEN_PART.fullmatch(part))
    current = current_numbers()  # cached per process, as the footer's
    if any(int(named[kind]) > current.get(kind, 0) for kind in ORDER_COLUMNS if kind in named):
        # A page rendered by another process after a save it made: read the numbers anew
        # rather than record an older version than the one the buyer was shown.
        forget_numbers()
        current = current_numbers()
    columns = {}
    for kind, column in ORDER_COLUMNS.items():
        latest = current.get(kind)
        version = int(named[kind]) if kind in named else None
        if latest is None:
            columns[column] = None
        elif version is not None and 1 <= version <= latest:
            columns[column] = version
        else:
            columns[column] = latest
    return columns


def versions_of_order(order):
    """[(kind, title, version)] of the policies an order's checkout showed."""
    return [(kind, POLICY_KINDS[kind], getattr(order, column))
            for kind, column in ORDER_COLUMNS.items()
            if getattr(order, column, None) is not None]
