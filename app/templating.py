"""Template filters and globals shared by every page."""

from datetime import UTC

from flask import current_app
from markupsafe import Markup, escape

from app.checkout.forms import EMAIL_PATTERN
from app.mail.dev import dev_mailbox_enabled
from app.money import format_money
from app.payments.keys import is_test_mode

#: One way to write each thing on every page (receipt, account, admin): a moment is
#: "2026-12-03 14:05 UTC", a day "2026-12-03", a status "Partially refunded", a card
#: "Visa •••• 4242" expiring "12/2034", a missing value "—" (an em dash), a range "5–10"
#: (an en dash, written in the templates).
DASH = "\u2014"


def format_datetime(value):
    """Display a stored timestamp in UTC (SQLite hands them back without a zone)."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    # isoformat, not strftime: a fifth of the cost (strftime was most of the admin list's
    # cell formatting); the same text for every year the store stores (FIRST_DAY on)
    return f"{value.isoformat(' ', 'minutes')} UTC"


def format_date(value):
    """The UTC day of a stored timestamp: 2026-12-03."""
    if value is None:
        return ""
    if getattr(value, "tzinfo", None) is None and hasattr(value, "hour"):
        value = value.replace(tzinfo=UTC)
    if hasattr(value, "astimezone"):
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d")


def format_status(value):
    """A status (an order's, an attempt's, a refund's, a dispute's) as a label:
    "Partially refunded", "Requires action"."""
    if value is None or value == "":
        return DASH
    text = str(getattr(value, "value", value)).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def or_dash(value):
    """The value, or an em dash when there is none."""
    return DASH if value is None or value == "" else value


def format_card(brand, last4=None):
    """"Visa •••• 4242" (or "Card •••• 4242" without a brand); a dash without digits."""
    if not last4:
        return DASH
    name = {"american express": "American Express", "amex": "American Express",
            "mastercard": "Mastercard", "diners club": "Diners Club", "diners": "Diners Club",
            "jcb": "JCB", "unionpay": "UnionPay"}.get(str(brand or "").lower())
    name = name or (str(brand).strip().title() if brand else "Card")
    return f"{name} \u2022\u2022\u2022\u2022 {last4}"


def format_expiry(month, year=None):
    """"12/2034"; a dash when unknown."""
    if not month or not year:
        return DASH
    return f"{int(month):02d}/{int(year)}"


#: Stripe's card error codes: their messages are written for the buyer ("Your card has
#: insufficient funds."). Any other failure's stored text is for the admin and the logs
#: (it can hold Stripe's raw API error, a request id or a masked key).
CARD_ERROR_CODES = frozenset({
    "authentication_required", "card_declined", "card_not_supported", "expired_card",
    "incorrect_cvc", "incorrect_number", "incorrect_zip", "insufficient_funds",
    "invalid_cvc", "invalid_expiry_month", "invalid_expiry_year", "invalid_number",
    "processing_error", "currency_not_supported",
})
GENERIC_FAILURE = "We could not process this payment, and you have not been charged."


def buyer_failure_message(order):
    """What a failed order's public receipt says: the bank's words for a card decline,
    our own sentence for anything else."""
    payment = order.payment
    if payment is None:
        return GENERIC_FAILURE
    if payment.failure_message and (
        payment.decline_code or payment.failure_code in CARD_ERROR_CODES
    ):
        return payment.failure_message
    if payment.failure_code == "not_charged":
        return "No charge reached Stripe for this order, so you have not been charged."
    return GENERIC_FAILURE
def code_ticks(text):
    """Escape `text` and show `backticked` words (as Stripe's messages have) as code."""
    if not text:
        return Markup("")
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: show the text as it is
        return escape(text)
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


def iso_utc(value):
    """Machine-readable UTC timestamp for a <time datetime="…"> attribute."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def warm_up(app):
    """Compile every template and import what a first request would import, so that a
    new serving process (gunicorn starts one for each it recycles, `max_requests`) serves
    its first buyers as fast as the others: on fresh workers, compiling templates and
    importing the email validator were about a tenth of a launch's first checkouts
    (py-spy). gunicorn.conf.py calls it before the worker accepts a connection."""
    import email_validator  # noqa: F401  (wtforms' Email validator imports it lazily)

    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)


def register(app):
    """Add `money` and `datetime` filters and the store's globals; the templates'
    `url_for` keeps the URLs it built (app/template_urls.py)."""
    from app import template_urls

    template_urls.register(app)
    app.jinja_env.filters["money"] = lambda minor, currency: format_money(minor, currency)
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["status"] = format_status
    app.jinja_env.filters["dash"] = or_dash
    app.jinja_env.filters["card"] = format_card
    app.jinja_env.filters["expiry"] = format_expiry
    app.jinja_env.filters["buyer_failure_message"] = buyer_failure_message
    app.jinja_env.filters["iso_utc"] = iso_utc
    app.jinja_env.filters["code_ticks"] = code_ticks

    @app.context_processor
    def store_globals():
        config = current_app.config
        return {
            "store_name": config["STORE_NAME"],
            "test_mode": is_test_mode(config),
            "emulated": bool(config.get("STRIPE_API_BASE")),
            "dev_mailbox": dev_mailbox_enabled(config),
            "contact_email": config.get("STORE_CONTACT_EMAIL") or "",
            "checkout_email_pattern": EMAIL_PATTERN,
        }
