"""Flask's signed-cookie sessions, with the signing serializer built once per key.

Flask builds an `URLSafeTimedSerializer` twice per request (to open the session and to
save it); with the same keys it is the same object every time, so it is kept while the
secret key and its fallbacks stay the same.
"""

from flask.sessions import SecureCookieSessionInterface


class SigningSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._kept = (None, None)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept_keys, serializer = self._kept
        if kept_keys != keys:
            serializer = super().get_signing_serializer(app)
            self._kept = (keys, serializer)
        return serializer


def register(app):
    app.session_interface = SigningSessionInterface()
