"""/dev/mail: the mail the store kept local, for a developer without an SMTP server.

Exists only with STORE_ENV=development and no MAIL_SERVER; anywhere else it is a 404.
"""

from flask import Blueprint, Response, abort, current_app, render_template
from sqlalchemy import select

from app.extensions import db
from app.mail.transport import LINK_RE, keeps_mail_local
from app.models import OutboxMessage

bp = Blueprint("dev_mail", __name__, url_prefix="/dev/mail")


def dev_mailbox_enabled(config):
    """True in development when mail is kept local."""
    return config.get("ENV_NAME") == "development" and keeps_mail_local(config)


@bp.before_request
def _development_only():
    if not dev_mailbox_enabled(current_app.config):
        abort(404)


@bp.get("/")
def list_mail():
    """The latest 50 messages with their text part and links."""
    rows = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(50)
    ).all()
    messages = [(row, LINK_RE.findall(row.local_text or "")) for row in rows]
    return render_template("dev/mail.html", messages=messages)


@bp.get("/<id:message_id>.html")
def show_html(message_id):
    """The HTML part of one message as the recipient would see it."""
    row = db.session.get(OutboxMessage, message_id)
    if row is None or not row.local_html:
        abort(404, description="No such message, or it has not been sent yet.")
    response = Response(row.local_html, mimetype="text/html")
    # An email's own inline styles may apply; nothing else (no scripts, no fetches).
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
