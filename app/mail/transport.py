"""Handing a rendered message to SMTP (Flask-Mailman), or keeping it local in development.

With no MAIL_SERVER in development (and in tests), mail is "kept local": the rendered
parts are stored on the outbox row for the /dev/mail page and logged, nothing is sent.
Production refuses to start without MAIL_SERVER (see `check_mail_config`).
"""

import logging
import re

from flask import current_app
from flask_mailman import EmailMultiAlternatives

from app.extensions import mail
from config import ConfigError

log = logging.getLogger(__name__)

LINK_RE = re.compile(r"https?://\S+")


class MailConfigError(ConfigError):
    """The mail settings cannot work; the message says what to set."""


#: One address, no display name or list: what SELLER_NOTIFY_EMAIL must look like.
SIMPLE_EMAIL = re.compile(r"[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+")


def keeps_mail_local(config):
    """True when mail stays in the database and log instead of going to SMTP."""
    return not config.get("MAIL_SERVER") and config.get("ENV_NAME") != "production"


def check_mail_config(config):
    """Refuse a seller address that is not one, and production without a way to send
    the store's emails."""
    seller = config.get("SELLER_NOTIFY_EMAIL") or ""
    if seller and not SIMPLE_EMAIL.fullmatch(seller):
        raise MailConfigError(f"SELLER_NOTIFY_EMAIL={seller!r} is not an email address "
                              "(leave it empty for no sale notifications).")
    if config.get("ENV_NAME") != "production":
        return
    missing = [name for name in ("MAIL_SERVER", "MAIL_DEFAULT_SENDER", "STORE_URL")
               if not config.get(name)]
    if missing:
        raise MailConfigError(
            f"{', '.join(missing)} not set: in production the store emails order "
            "confirmations, refund notices and sign-in links, so it needs an SMTP server "
            "(MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS or MAIL_USE_SSL, MAIL_USERNAME, "
            "MAIL_PASSWORD), a sender (MAIL_DEFAULT_SENDER) and the store's public "
            "address for links (STORE_URL). See README.md, 'Email'."
        )


def _connection(config):
    return mail.get_connection(
        backend="smtp", host=config["MAIL_SERVER"], port=config["MAIL_PORT"],
        username=config.get("MAIL_USERNAME") or None,
        password=config.get("MAIL_PASSWORD") or None,
        use_tls=config["MAIL_USE_TLS"], use_ssl=config["MAIL_USE_SSL"],
        timeout=config["MAIL_TIMEOUT"],
    )


def deliver(row, message):
    """Send `message` (the rendering of outbox `row`) or keep it local; raise on failure."""
    config = current_app.config
    if keeps_mail_local(config):
        message.transport = "kept local"
        message.local_text, message.local_html = message.text, message.html
        links = " ".join(LINK_RE.findall(message.text))
        links += "".join(f" [attached: {name}]" for name, _, _ in message.attachments)
        log.info("Mail kept local (no MAIL_SERVER; see /dev/mail): to %s, %r %s",
                 row.to_email, message.subject, links)
        return
    connection = _connection(config)
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.text,
        from_email=config["MAIL_DEFAULT_SENDER"], to=[row.to_email],
        headers={"Message-ID": row.message_id}, connection=connection,
    )
    email.attach_alternative(message.html, "text/html")
    for filename, content, mimetype in message.attachments:
        email.attach(filename, content, mimetype)
    connection.open()
    try:
        connection.send_messages([email])
    finally:
        connection.close()  # also after a refusal, so no socket is left open
    message.transport = f"SMTP {config['MAIL_SERVER']}:{config['MAIL_PORT']}"
