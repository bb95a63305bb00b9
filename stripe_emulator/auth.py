"""API-key checks with Stripe's 401 messages (REFERENCE §2.3)."""
import base64
import re

from .errors import StripeError

NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)
PUBLISHABLE = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. "
    "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)
_SECRET = re.compile(r"^(sk|rk)_test_[A-Za-z0-9_]+$")
_PUBLISHABLE = re.compile(r"^pk_test_[A-Za-z0-9_]+$")
_PREFIX = re.compile(r"^([a-z]{2}_(?:test|live)_)(.*)$")


def mask(key: str) -> str:
    """``sk_test_abcd…1234`` -> ``sk_test_********1234`` (prefix kept, last four shown)."""
    m = _PREFIX.match(key)
    prefix, rest = (m.group(1), m.group(2)) if m else ("", key)
    if len(rest) <= 4:
        return prefix + rest
    return prefix + "*" * (len(rest) - 4) + rest[-4:]


def _unauthorized(message):
    return StripeError(401, "invalid_request_error", message, minimal=True, stored=False)


def key_from_header(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return value.strip() or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return value.strip() or None
        return decoded.partition(":")[0] or None
    return header.strip() or None


def authenticate(header, params, allow_publishable=False) -> str:
    """Return the API key in use or raise the 401 Stripe would answer."""
    key = key_from_header(header)
    if key is None and allow_publishable:
        key = params.get("key") or None
    if key is None:
        raise _unauthorized(NO_KEY)
    if _SECRET.match(key):
        return key
    if _PUBLISHABLE.match(key):
        if allow_publishable:
            return key
        raise _unauthorized(PUBLISHABLE)
    raise _unauthorized(f"Invalid API Key provided: {mask(key)}")
