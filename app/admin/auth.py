"""Admin accounts, sign-in with throttling, and the `admin_required` policy."""

import math
from dataclasses import dataclass
from functools import wraps

from flask_login import current_user
from sqlalchemy import select

from app.admin import throttle
from app.admin.passwords import (
    check_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from app.extensions import db, login_manager
from app.ids import parse_id
from app.models import AdminUser
from app.models._time import utcnow

GENERIC_FAILURE = "Wrong email or password."

login_manager.login_view = "admin.login"
login_manager.login_message = "Please sign in to see the admin area."
login_manager.login_message_category = "info"


class AccountError(ValueError):
    """An account change that cannot be made; the message says why."""


@login_manager.user_loader
def load_user(user_id):
    """Flask-Login's loader: the admin of a '<id>:<version>' session id, or None.

    A session whose version is not the admin's current one was signed out or signed in
    before a password change: it is refused.
    """
    admin_id, _, version = str(user_id or "").partition(":")
    admin_id = parse_id(admin_id)
    if admin_id is None or parse_id(version) is None:
        return None
    admin = db.session.get(AdminUser, admin_id)
    if admin is None or str(admin.session_version) != version:
        return None
    return admin


def sign_out(admin):
    """End every session of this admin (this one and any copied cookie)."""
    admin.revoke_sessions()
    db.session.commit()


def admin_required(view):
    """Let the view run only for a signed-in admin; others go to the sign-in page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def normalise_email(email):
    """Admin emails are stored and compared lower-case."""
    return (email or "").strip().lower()


def find_admin(email):
    """The admin with this email, or None."""
    return db.session.scalar(
        select(AdminUser).where(AdminUser.email == normalise_email(email))
    )


def check_new_admin_email(email):
    """Return the normalised email of a new account; raise AccountError if it cannot be."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or " " in email:
        raise AccountError(f"{email!r} is not an email address.")
    if find_admin(email):
        raise AccountError(f"An admin with email {email} exists already.")
    return email


def check_existing_admin_email(email):
    """Raise AccountError unless an admin with this email exists."""
    if find_admin(email) is None:
        raise AccountError(f"There is no admin with email {normalise_email(email)}.")


def create_admin(*, email, password):
    """Create an admin account; raise AccountError or PasswordPolicyError."""
    email = check_new_admin_email(email)
    check_policy(password)
    admin = AdminUser(email=email, password_hash=hash_password(password))
    db.session.add(admin)
    db.session.commit()
    return admin


def set_password(*, email, password):
    """Replace an admin's password; raise AccountError or PasswordPolicyError."""
    admin = find_admin(email)
    if admin is None:
        raise AccountError(f"There is no admin with email {normalise_email(email)}.")
    check_policy(password)
    admin.password_hash = hash_password(password)
    admin.revoke_sessions()  # whoever held a session with the old password is out
    db.session.commit()
    return admin


@dataclass
class SignIn:
    """The outcome of a sign-in attempt: the admin, or a message to show."""

    admin: AdminUser | None = None
    message: str | None = None


def authenticate(*, email, password, ip):
    """Check credentials under the throttle; the same message for any wrong pair."""
    keys = throttle.keys_for(email=email, ip=ip)
    wait = throttle.try_acquire(keys)  # reserved before the check: races cannot overrun
    if wait:
        minutes = math.ceil(wait / 60)
        return SignIn(message=(
            "Too many failed sign-ins. Please wait "
            f"{minutes} minute{'s' if minutes != 1 else ''} and try again."
        ))
    try:
        admin = find_admin(email)
        ok = verify_password(admin.password_hash if admin else None, password or "")
    except Exception:
        throttle.release(keys)
        raise
    if not ok:
        throttle.fail(keys)
        return SignIn(message=GENERIC_FAILURE)
    throttle.release(keys)
    throttle.reset(keys[0])
    if needs_rehash(admin.password_hash):
        admin.password_hash = hash_password(password)
    admin.last_login_at = utcnow()
    db.session.commit()
    return SignIn(admin=admin)
