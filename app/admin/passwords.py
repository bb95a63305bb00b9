"""Admin password hashing (argon2id) and the rules a new password must meet."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()


@cache
def _dummy_hash():
    """Verified against when the email is unknown, so both cases take the same time."""
    return _hasher.hash("not-a-real-password-just-timing")


class PasswordPolicyError(ValueError):
    """A new password that is too weak; the message says why."""


def check_policy(password):
    """Raise PasswordPolicyError unless the password is long enough."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long."
        )


def hash_password(password):
    """Return an argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash, password):
    """True if `password` matches; a None hash still costs one verification."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
