"""Settings, read from the environment (and `.env`) when the app is created."""

import json
import os
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent

#: Keys the app uses when it talks to the offline emulator and no key is configured.
EMULATOR_SECRET_KEY = "sk_test_emulator_storefront"
EMULATOR_PUBLISHABLE_KEY = "pk_test_emulator_storefront"
#: Where the emulator `make run` starts keeps its state (STRIPE_EMULATOR_STATE_FILE overrides).
EMULATOR_STATE_FILE = BASE_DIR / "instance" / "stripe-emulator.sqlite3"


#: The EU's 27, the other EEA states (Iceland, Liechtenstein, Norway) and the UK.
CONSENT_COUNTRIES = ("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO "
                     "SK SI ES SE IS LI NO GB")
#: The request for immediate access and the acknowledgement (art. 16(m) 2011/83/EU).
CONSENT_TEXT = ("I want access to the course now and understand that I then lose my right "
                "to withdraw.")


def _codes(value, default):
    """A set of upper-case two-letter codes from "FR, DE IT" (the default when empty)."""
    text = value if value and value.strip() else default
    return frozenset(code.strip().upper() for code in text.replace(",", " ").split()
                     if len(code.strip()) == 2)


class ConfigError(RuntimeError):
    """A setting cannot work; the message says which one and what to do. `create_app`
    raises only this for a wrong configuration, so `make run`, every `flask` command and
    gunicorn can show it as one line."""


def _bool(value, default=False):
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _default_sqlite_url():
    return f"sqlite:///{BASE_DIR / 'instance' / 'storefront.db'}"


def local_run_file():
    """Where `make run` records the emulator it started (LOCAL_RUN_FILE)."""
    return Path(os.environ.get("LOCAL_RUN_FILE") or BASE_DIR / "instance" / "local-run.json")


def read_local_run(path=None):
    """The emulator `make run` recorded ({"api_base", "webhook_secret"}), or None."""
    try:
        data = json.loads(Path(path or local_run_file()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not str(data.get("api_base", "")).startswith("http"):
        return None
    return data


class Config:
    """Production-shaped defaults; every value can be overridden from the environment."""

    TESTING = False
    #: Read the emulator URL `make run` recorded when no Stripe endpoint or key is set.
    READS_LOCAL_RUN = True

    def __init__(self):
        load_dotenv(BASE_DIR / ".env")
        env = os.environ.get
        self.ENV_NAME = (env("STORE_ENV") or "development")
        self.SECRET_KEY = env("SECRET_KEY") or (
            None if self.ENV_NAME == "production" else "dev-only-not-secret"
        )
        self.SQLALCHEMY_DATABASE_URI = env("DATABASE_URL") or _default_sqlite_url()
        # Threads per server process (gunicorn.conf.py) size the database pool; the
        # engine's options follow from the database URL (app/database.py).
        self.SERVER_THREADS = int(env("SERVER_THREADS") or "32")
        # PostgreSQL connections per process at most: serving processes x this must stay
        # under the server's max_connections, less what other clients use.
        self.DATABASE_POOL_SIZE = int(env("DATABASE_POOL_SIZE") or "10")
        self.STORE_NAME = (env("STORE_NAME") or "Course Shop")
        self.STORE_CURRENCY = (env("STORE_CURRENCY") or "usd").lower()
        self.STRIPE_SECRET_KEY = (env("STRIPE_SECRET_KEY") or "")
        self.STRIPE_PUBLISHABLE_KEY = (env("STRIPE_PUBLISHABLE_KEY") or "")
        self.STRIPE_WEBHOOK_SECRET = (env("STRIPE_WEBHOOK_SECRET") or "")
        self.STRIPE_API_BASE = (env("STRIPE_API_BASE") or "").rstrip("/")
        #: Where STRIPE_API_BASE came from: "setting", "make run" (the recorded emulator)
        #: or "" (Stripe itself, or nothing configured).
        self.STRIPE_API_BASE_SOURCE = "setting" if self.STRIPE_API_BASE else ""
        if (self.READS_LOCAL_RUN and self.ENV_NAME != "production"
                and not self.STRIPE_API_BASE and not self.STRIPE_SECRET_KEY):
            local = read_local_run()
            if local:
                # A command run beside `make run`: reach the emulator the store uses.
                self.STRIPE_API_BASE = local["api_base"].rstrip("/")
                self.STRIPE_API_BASE_SOURCE = "make run"
                self.STRIPE_WEBHOOK_SECRET = (
                    self.STRIPE_WEBHOOK_SECRET or str(local.get("webhook_secret") or "")
                )
        self.STRIPE_JS_URL = env("STRIPE_JS_URL") or (
            f"{self.STRIPE_API_BASE}/js.stripe.com/v3/"
            if self.STRIPE_API_BASE
            else "https://js.stripe.com/v3/"
        )
        self.STRIPE_TIMEOUT = float(env("STRIPE_TIMEOUT") or "10")
        self.STRIPE_MAX_NETWORK_RETRIES = int(env("STRIPE_MAX_NETWORK_RETRIES") or "2")
        # All Stripe calls made while serving one request end within this many seconds,
        # which must stay below the server's worker timeout (gunicorn.conf.py).
        self.STRIPE_REQUEST_BUDGET = float(env("STRIPE_REQUEST_BUDGET") or "20")
        self.WORKER_TIMEOUT = int(env("WORKER_TIMEOUT") or "60")
        self.ALLOW_LIVE_KEYS = _bool(env("ALLOW_LIVE_KEYS"))
        if self.STRIPE_API_BASE and not self.STRIPE_SECRET_KEY:
            # Pointing at the offline emulator without keys: use its test keys.
            self.STRIPE_SECRET_KEY = EMULATOR_SECRET_KEY
            self.STRIPE_PUBLISHABLE_KEY = (
                self.STRIPE_PUBLISHABLE_KEY or EMULATOR_PUBLISHABLE_KEY
            )
        secure = self.ENV_NAME != "development"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool(env("SESSION_COOKIE_SECURE"), secure)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None
        self.CHECKOUT_MAX_DECLINES = int(env("CHECKOUT_MAX_DECLINES") or "10")
        self.CHECKOUT_DECLINE_WINDOW_SECONDS = int(
            env("CHECKOUT_DECLINE_WINDOW_SECONDS") or "3600"
        )
        # Coupon-code guessing: this many codes that cannot be used from one address
        # within the window (seconds) refuse every code from it for the window.
        self.COUPON_MAX_WRONG_CODES = int(env("COUPON_MAX_WRONG_CODES") or "20")
        self.COUPON_WRONG_CODE_WINDOW_SECONDS = int(
            env("COUPON_WRONG_CODE_WINDOW_SECONDS") or "600"
        )
        # Browser payments (payment_intents, checkout) one address may start within the
        # window (seconds): each makes an order and a Stripe object before any card.
        self.BROWSER_PAYMENT_MAX_STARTS = int(env("BROWSER_PAYMENT_MAX_STARTS") or "60")
        self.BROWSER_PAYMENT_START_WINDOW_SECONDS = int(
            env("BROWSER_PAYMENT_START_WINDOW_SECONDS") or "600"
        )
        self.TRUST_PROXY_HOPS = int(env("TRUST_PROXY_HOPS") or "0")
        # The host names the store answers to (Flask's TRUSTED_HOSTS): a request naming
        # another Host gets a plain 400, so no page or Stripe return address is built on
        # a host a client made up. Unset: any host (a health check by IP address works).
        self.TRUSTED_HOSTS = [h.strip().lower() for h in
                              (env("TRUSTED_HOSTS") or "").split(",") if h.strip()] or None
        self.ADMIN_PAGE_SIZE = int(env("ADMIN_PAGE_SIZE") or "50")
        self.LOGIN_MAX_FAILURES = int(env("LOGIN_MAX_FAILURES") or "5")
        self.LOGIN_LOCKOUT_SECONDS = int(env("LOGIN_LOCKOUT_SECONDS") or "300")
        # Larger request bodies get 413 (no form of the store comes near 1 MiB).
        self.MAX_CONTENT_LENGTH = int(env("MAX_CONTENT_LENGTH") or str(1024 * 1024))
        # Image uploads in the admin (covers, pictures in lessons): the largest file, and
        # the most pixels it may claim (checked before decoding: decompression bombs).
        self.IMAGE_MAX_BYTES = int(env("IMAGE_MAX_BYTES") or str(5 * 1024 * 1024))
        self.IMAGE_MAX_PIXELS = int(env("IMAGE_MAX_PIXELS") or "25000000")
        # --- Buyers, access and email (see README.md, "Buyers" and "Email") ---
        self.STORE_URL = (env("STORE_URL") or (
            f"http://127.0.0.1:{env('PORT') or '5000'}"
            if self.ENV_NAME == "development" else "")).rstrip("/")
        self.MAIL_SERVER = env("MAIL_SERVER") or ""
        self.MAIL_PORT = int(env("MAIL_PORT") or "25")
        self.MAIL_USE_TLS = _bool(env("MAIL_USE_TLS"))
        self.MAIL_USE_SSL = _bool(env("MAIL_USE_SSL"))
        self.MAIL_USERNAME = env("MAIL_USERNAME") or ""
        self.MAIL_PASSWORD = env("MAIL_PASSWORD") or ""
        self.MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER") or (
            f"{self.STORE_NAME} <noreply@localhost>" if self.ENV_NAME != "production" else "")
        self.MAIL_TIMEOUT = float(env("MAIL_TIMEOUT") or "15")
        self.MAIL_BACKEND = "smtp"
        self.MAIL_WORKER = _bool(env("MAIL_WORKER"), True)
        self.MAIL_POLL_SECONDS = float(env("MAIL_POLL_SECONDS") or "60")
        self.MAIL_RETRY_BASE_SECONDS = int(env("MAIL_RETRY_BASE_SECONDS") or "30")
        self.MAIL_RETRY_MAX_SECONDS = int(env("MAIL_RETRY_MAX_SECONDS") or "3600")
        self.MAIL_MAX_ATTEMPTS = int(env("MAIL_MAX_ATTEMPTS") or "40")
        self.MAIL_SEND_LEASE_SECONDS = int(env("MAIL_SEND_LEASE_SECONDS") or "300")
        self.SIGN_IN_LINK_MAX_AGE = int(env("SIGN_IN_LINK_MAX_AGE") or "900")
        self.ORDER_LINK_MAX_AGE = int(env("ORDER_LINK_MAX_AGE") or "86400")
        self.SIGN_IN_MAX_PER_EMAIL = int(env("SIGN_IN_MAX_PER_EMAIL") or "5")
        self.SIGN_IN_MAX_PER_IP = int(env("SIGN_IN_MAX_PER_IP") or "20")
        self.SIGN_IN_WINDOW_SECONDS = int(env("SIGN_IN_WINDOW_SECONDS") or "3600")
        self.REVOKE_ACCESS_ON_PARTIAL_REFUND = _bool(env("REVOKE_ACCESS_ON_PARTIAL_REFUND"))
        # The background worker repeats a payment or refund request whose answer from
        # Stripe was lost once it is this old (webhooks usually settle it sooner).
        self.SETTLE_AFTER_SECONDS = int(env("SETTLE_AFTER_SECONDS") or "60")
        # How the course page takes cards: "charges" (Stripe.js tokens and the Charges
        # API, the default), "payment_intents" (the Payment Element, 3-D Secure) or
        # "checkout" (Stripe's hosted Checkout page). See README, "Payment flows".
        self.PAYMENT_FLOW = (env("PAYMENT_FLOW") or "charges").strip().lower()
        # The stripe SDK logs one INFO line per request (and DEBUG bodies): off unless
        # asked for, so that a launch's thousands of calls do not flood the logs.
        self.STRIPE_LOG_LEVEL = (env("STRIPE_LOG_LEVEL") or "warning").strip().lower()
        # A PaymentIntent nobody has paid after this long is cancelled (reconcile and the
        # worker), which lets its buyer start again.
        self.PAYMENT_INTENT_ABANDON_SECONDS = int(
            env("PAYMENT_INTENT_ABANDON_SECONDS") or "3600")
        # How long a Checkout Session's hosted page can be paid (Stripe: 30 to 1440).
        self.CHECKOUT_SESSION_MINUTES = int(env("CHECKOUT_SESSION_MINUTES") or "60")
        self.STORE_CONTACT_EMAIL = (env("STORE_CONTACT_EMAIL") or "").strip()
        # --- The EU/EEA and UK digital-content rules (README, "Withdrawal and consent") ---
        # Buyers declaring one of these countries (ISO 3166 alpha-2) are asked for their
        # consent to immediate access; only their orders carry a right of withdrawal here.
        self.CONSENT_COUNTRIES = _codes(env("CONSENT_COUNTRIES"), CONSENT_COUNTRIES)
        self.CONSENT_TEXT = (env("CONSENT_TEXT") or CONSENT_TEXT).strip()
        #: Changes whenever CONSENT_TEXT changes: each order records the version it showed.
        self.CONSENT_TEXT_VERSION = (env("CONSENT_TEXT_VERSION") or "1").strip()[:40]
        # Whether a buyer who does not tick may still buy and start when the withdrawal
        # period is over (false: the tick is required to pay).
        self.CONSENT_OFFER_START_LATER = _bool(env("CONSENT_OFFER_START_LATER"), True)
        self.WITHDRAWAL_DAYS = int(env("WITHDRAWAL_DAYS") or "14")
        # The seller's address for an email about each sale and each refund (empty: none).
        self.SELLER_NOTIFY_EMAIL = (env("SELLER_NOTIFY_EMAIL") or "").strip()
        # Seconds a process reuses the policies' latest version numbers (footer links, the
        # checkout's "versions shown"); a save in another process shows within this.
        self.POLICY_CACHE_SECONDS = float(env("POLICY_CACHE_SECONDS") or "5")
        # Seconds a process reuses the rendered catalog (app/caching.py); a change made
        # in another process shows within this, one made in the same process at once.
        self.CATALOG_CACHE_SECONDS = float(env("CATALOG_CACHE_SECONDS") or "2")
        # --- Tax and invoices (see README.md, "Tax and invoices"; checked by
        # app/invoices/settings.py at start-up) ---
        # "off" (no tax, as before), "inclusive" (prices include tax) or "exclusive"
        # (tax is added on top of the price).
        self.TAX_MODE = (env("TAX_MODE") or "off").strip().lower()
        # The seller on every invoice and credit note; invoices are issued once
        # SELLER_LEGAL_NAME is set (and TAX_MODE other than off requires all three).
        self.SELLER_LEGAL_NAME = (env("SELLER_LEGAL_NAME") or "").strip()
        # One line, or several separated by "\n" or " | ".
        self.SELLER_ADDRESS = (env("SELLER_ADDRESS") or "").strip()
        self.SELLER_COUNTRY = (env("SELLER_COUNTRY") or "").strip().upper()
        # The seller's tax registrations, comma-separated ("DE123456789,GB123456789").
        self.SELLER_TAX_IDS = (env("SELLER_TAX_IDS") or "").strip()
        # Stripe Tax's product tax code for the courses (electronically supplied services).
        self.TAX_CODE_ELEARNING = (env("TAX_CODE_ELEARNING") or "txcd_10000000").strip()
        # The start of every invoice and credit note number ("INV-000001").
        self.INVOICE_PREFIX = (env("INVOICE_PREFIX") or "INV-").strip()


class TestConfig(Config):
    """Settings for the test suite: an explicit database, no .env surprises."""

    TESTING = True
    READS_LOCAL_RUN = False  # a developer's running `make run` must not leak into tests
    __test__ = False  # not a pytest test class

    def __init__(self, **overrides):
        super().__init__()
        self.ENV_NAME = "testing"
        self.SECRET_KEY = "test-secret"
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
        self.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
        self.SESSION_COOKIE_SECURE = False
        self.REMEMBER_COOKIE_SECURE = False
        self.STRIPE_MAX_NETWORK_RETRIES = 0
        self.STORE_URL = "http://localhost"
        self.MAIL_SERVER = ""  # mail kept local unless a test starts its SMTP server
        self.MAIL_DEFAULT_SENDER = "Course Shop <shop@example.com>"
        self.MAIL_WORKER = False  # tests flush the outbox themselves, or start the worker
        self.POLICY_CACHE_SECONDS = 0  # tests write policies behind the app's back
        self.CATALOG_CACHE_SECONDS = 0  # tests add courses behind the app's back
        self.SELLER_NOTIFY_EMAIL = ""  # a test that wants sale emails sets it
        for key, value in overrides.items():
            setattr(self, key, value)
