"""One-time sign-in links: signed, single use, short-lived; only a hash is stored.

A link carries a random token signed with SECRET_KEY (itsdangerous): a forged or altered
link is refused before the database is asked. The token's SHA-256 is stored with its
expiry; using it is one conditional UPDATE (`used_at IS NULL AND expires_at > now`), so
two clicks racing on the same link sign in once.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import SignInToken
from app.models._time import utcnow

SALT = "buyer-sign-in-link"


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _hash(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def _max_age(purpose):
    config = current_app.config
    return config["ORDER_LINK_MAX_AGE"] if purpose == "order" else config[
        "SIGN_IN_LINK_MAX_AGE"]


def _safe_target(target):
    target = target or "/account"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/account"
    return target[:200]


def mint_link(*, email, purpose, target="/account"):
    """Store a new token's hash (committed now) and return the signed token for the URL."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(SignInToken(
        token_hash=_hash(raw), email=email, purpose=purpose, target=_safe_target(target),
        created_at=now, expires_at=now + timedelta(seconds=_max_age(purpose)),
    ))
    db.session.commit()
    return _serializer().dumps(raw)


def _raw(signed):
    if not signed or len(signed) > 200:
        return None
    try:
        raw = _serializer().loads(signed)
    except BadSignature:
        return None
    return raw if isinstance(raw, str) else None


def _usable(token_hash):
    return (SignInToken.token_hash == token_hash) & SignInToken.used_at.is_(None) \
        & (SignInToken.expires_at > utcnow())


def peek(signed):
    """The unused, unexpired token row behind a link (nothing is changed), or None."""
    raw = _raw(signed)
    if raw is None:
        return None
    return db.session.scalar(select(SignInToken).where(_usable(_hash(raw))))


def consume(signed):
    """Use a link once: return its token row, or None if invalid, expired or used."""
    raw = _raw(signed)
    if raw is None:
        return None
    token_hash = _hash(raw)
    result = db.session.execute(
        update(SignInToken).where(_usable(token_hash)).values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return None
    return db.session.scalar(select(SignInToken).where(SignInToken.token_hash == token_hash))


def prune_expired(*, older_than=timedelta(days=1)):
    """Delete token rows that expired more than `older_than` ago; return how many."""
    result = db.session.execute(
        delete(SignInToken).where(SignInToken.expires_at < utcnow() - older_than)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
