"""Rendering an outbox row into a text and an HTML part (templates/email/<kind>.*).

Rendering happens when the row is sent, not when it is queued: the one-time sign-in link
in a message is minted then (its hash stored, its 15 minutes counted from sending), so
the raw link is never stored in the database, and an email delayed by an SMTP outage
still arrives with a fresh link.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app

from app.money import format_money


@dataclass
class RenderedMessage:
    subject: str
    text: str
    html: str
    transport: str = ""
    local_text: str | None = None
    local_html: str | None = None
    #: (filename, bytes, MIME type): the invoice or credit note the message is about.
    attachments: list = field(default_factory=list)


def external_url(endpoint, **values):
    """An absolute URL on the store's public address (STORE_URL), outside any request."""
    base = urlsplit(current_app.config["STORE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def _link_for(row):
    """Mint the one-time link a message carries (None for messages without one)."""
    from app.access.links import mint_link

    context = row.context or {}
    purpose = {"sign_in": "sign-in", "order_confirmation": "order"}.get(row.kind)
    if purpose is None:
        return None
    target = context.get("target") or "/account"
    if purpose == "order" and target == "/account" and context.get("course_slug"):
        target = f"/courses/{context['course_slug']}/start"  # queued before `target`
    token = mint_link(email=row.to_email, purpose=purpose, target=target)
    return external_url("account.open_link", token=token)


def render(row):
    """The subject and both parts of an outbox row, links minted now."""
    context = dict(row.context or {})
    config = current_app.config
    values = {
        "store_name": config["STORE_NAME"],
        "store_url": config["STORE_URL"].rstrip("/"),
        "link": _link_for(row),
        "account_url": external_url("account.show_account"),
        "sign_in_url": external_url("account.sign_in"),
        "link_minutes": None,
        **context,
    }
    if "amount" in context and "currency" in context:
        values["amount_text"] = format_money(context["amount"], context["currency"])
        if context.get("discount_amount"):  # a coupon: the price before it, what it took
            values["list_price_text"] = format_money(context["list_price"],
                                                     context["currency"])
            values["discount_text"] = format_money(context["discount_amount"],
                                                   context["currency"])
    if "receipt_path" in context:
        values["receipt_url"] = values["store_url"] + context["receipt_path"]
    if "admin_path" in context:
        values["admin_url"] = values["store_url"] + context["admin_path"]
    for key in ("order_amount", "total_refunded"):
        if key in context and "currency" in context:
            values[f"{key}_text"] = format_money(context[key], context["currency"])
    if row.kind == "sign_in":
        values["link_minutes"] = config["SIGN_IN_LINK_MAX_AGE"] // 60
    elif row.kind == "order_confirmation":
        values["link_hours"] = max(1, config["ORDER_LINK_MAX_AGE"] // 3600)
    env = current_app.jinja_env
    text = env.get_template(f"email/{row.kind}.txt").render(values)
    html = env.get_template(f"email/{row.kind}.html").render(values)
    return RenderedMessage(subject=row.subject, text=text, html=html,
                           attachments=_documents(context.get("documents")))


def _documents(keys):
    """The PDFs of the issued documents a message names (none when the store issues no
    invoices): rendered from their frozen snapshots, so a retry attaches the same."""
    from app import invoices

    return [(document.filename, invoices.render_pdf(document), "application/pdf")
            for document in invoices.by_keys(keys or [])]
