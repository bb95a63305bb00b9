"""Flask's signed-cookie sessions, with the signing serializer built once per key and
each cookie's checked contents kept for the next request that sends the same cookie.

Flask builds an `URLSafeTimedSerializer` twice per request (to open the session and to
save it); with the same keys it is the same object every time, so it is kept while the
secret key and its fallbacks stay the same.

Opening a session checks the cookie's signature and decodes its tagged JSON: about a
tenth of a millisecond, on every request of a browser that sends the same cookie again
and again (a buyer reloading the receipt, a page's script and status checks). What a
cookie decoded to is kept (per serializer, so a new secret key starts afresh) with its
signing time; the same cookie string opens a copy of it (every dict and list new), after
the same age check as itsdangerous's (older than the session's lifetime, or from the
future: an empty session). Only a cookie that passed the signature check is ever kept,
and only that exact string finds it.
"""

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

#: Cookies whose contents are kept per serializer at most (the store starts again when
#: full: a kept cookie saves work, it is never needed).
MAX_KEPT = 4096


def _copy(value):
    """A copy of decoded session data in which no dict or list is shared (the rest that
    the session's tagged JSON decodes to is immutable: str, numbers, tuples of them,
    bytes, Markup, UUID, datetime)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_copy(item) for item in value)
    return value


class SigningSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._kept = (None, None, None)

    def _serializer_and_opened(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept_keys, serializer, opened = self._kept
        if kept_keys != keys:
            serializer = super().get_signing_serializer(app)
            opened = {} if serializer is not None else None
            self._kept = (keys, serializer, opened)
        return serializer, opened

    def get_signing_serializer(self, app):
        return self._serializer_and_opened(app)[0]

    def open_session(self, app, request):
        serializer, opened = self._serializer_and_opened(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        hit = opened.get(cookie)
        if hit is None:
            try:
                data, signed_at = serializer.loads(cookie, max_age=max_age,
                                                   return_timestamp=True)
            except BadSignature:
                return self.session_class()
            hit = (int(signed_at.timestamp()), data)
            if len(opened) >= MAX_KEPT:
                opened.clear()
            opened[cookie] = hit
        else:
            age = int(time.time()) - hit[0]
            if age > max_age or age < 0:  # itsdangerous's SignatureExpired
                return self.session_class()
        return self.session_class(_copy(hit[1]))


def register(app):
    app.session_interface = SigningSessionInterface()
