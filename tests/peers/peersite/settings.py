"""Settings from the environment the test sets: the database file, the emulator, the key."""
import os

SECRET_KEY = "peersite-test-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "djstripe"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ["PEERSITE_DB"],
                         "OPTIONS": {"timeout": 30}}}
ROOT_URLCONF = "peersite.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# dj-stripe, as its docs set it up against stripe-mock: STRIPE_API_HOST is the API base.
STRIPE_API_HOST = os.environ.get("STRIPE_API_HOST", "http://127.0.0.1:12111")
STRIPE_TEST_SECRET_KEY = os.environ.get("PEERSITE_STRIPE_KEY", "")
STRIPE_LIVE_MODE = False
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_WEBHOOK_VALIDATION = "verify_signature"
SILENCED_SYSTEM_CHECKS = ["djstripe.W002"]  # "STRIPE_API_HOST should not be set in production"

LOGGING = {
    "version": 1,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"djstripe": {"handlers": ["stderr"], "level": "WARNING"},
                "django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
