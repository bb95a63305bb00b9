"""The page behind a charge's ``receipt_url``: a small, styled, self-contained receipt."""
import html
import time
from urllib.parse import urlsplit

from .currencies import SYMBOLS, exponent

_STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: #1a1f36;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { width: min(30rem, calc(100% - 2rem)); margin: 1rem auto; padding: 2rem 1.5rem;
       background: #fff;
       border: 1px solid #e3e8ee; border-radius: 10px; }
h1 { font-size: 1.35rem; margin: 0 0 .25rem; }
.what { color: #4f566b; margin: 0 0 1.5rem; overflow-wrap: anywhere; }
.amount { font-size: 2rem; font-weight: 600; margin: 0; }
.status { display: inline-block; margin: .25rem 0 1.5rem; padding: .1rem .6rem;
          border-radius: 999px; font-size: .875rem; font-weight: 600; }
.succeeded { background: #d7f7c2; color: #05690d; }
.refunded, .partially_refunded { background: #e3e8ee; color: #3c4257; }
.failed, .pending { background: #ffe7f2; color: #a3123a; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; margin: 0;
     padding: 1rem 0; border-top: 1px solid #e3e8ee; border-bottom: 1px solid #e3e8ee; }
dt { color: #4f566b; }
dd { margin: 0; overflow-wrap: anywhere; }
.foot { color: #4f566b; font-size: .875rem; margin: 1.5rem 0 0; }
a { color: #0b57d0; }
a:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
"""
_STATUS_TEXT = {"succeeded": "Paid", "refunded": "Refunded",
                "partially_refunded": "Partially refunded", "failed": "Failed",
                "pending": "Pending"}


def format_amount(amount: int, currency: str) -> str:
    """Minor units as a buyer reads them: ``$69.00 USD``, ``¥6,900 JPY``, ``1.500 KWD``."""
    cur = str(currency).lower()
    exp = exponent(cur)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(int(amount)), 10 ** exp)
    text = f"{whole:,}" + (f".{frac:0{exp}d}" if exp else "")
    return f"{sign}{SYMBOLS.get(cur, '')}{text} {cur.upper()}"


def _status(charge) -> str:
    if charge.get("refunded"):
        return "refunded"
    if charge.get("amount_refunded"):
        return "partially_refunded"
    return charge.get("status") or "pending"


def _back_link(referer) -> str:
    """A link back to the page that opened the receipt, when it is an http(s) page."""
    if not referer:
        return ""
    try:
        parts = urlsplit(referer)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return (f'<a href="{html.escape(referer, quote=True)}" rel="noreferrer">'
            f"Back to {html.escape(parts.netloc)}</a> · ")


def _page(title, body) -> bytes:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>").encode()


def render(charge: dict, referer=None) -> bytes:
    status = _status(charge)
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    method = " ".join(filter(None, [str(card.get("brand") or "card").title(),
                                    f"••••\u00a0{card['last4']}" if card.get("last4") else None]))
    created = time.strftime("%d %B %Y, %H:%M UTC", time.gmtime(int(charge.get("created", 0))))
    rows = [("Date", created), ("Payment method", method)]
    if charge.get("amount_refunded"):
        rows.append(("Refunded", format_amount(charge["amount_refunded"], charge["currency"])))
    if charge.get("receipt_email"):
        rows.append(("Sent to", charge["receipt_email"]))
    if charge.get("failure_message"):
        rows.append(("Reason", charge["failure_message"]))
    rows.append(("Charge", charge["id"]))
    details = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in rows)
    what = charge.get("description") or charge.get("calculated_statement_descriptor") or ""
    body = (f"<h1>Receipt</h1><p class=what>{html.escape(what)}</p>"
            f'<p class=amount>{html.escape(format_amount(charge["amount"], charge["currency"]))}'
            f"</p><span class='status {status}'>{_STATUS_TEXT.get(status, status)}</span>"
            f"<dl>{details}</dl>"
            f"<p class=foot>{_back_link(referer)}You can close this page. "
            "A test-mode receipt from the offline Stripe emulator: no money moved.</p>")
    return _page("Receipt", body)


def not_found() -> bytes:
    return _page("No such receipt", "<h1>No such receipt</h1><p class=what>This receipt "
                 "does not exist (the emulator may have been reset).</p>"
                 "<p class=foot>You can close this page.</p>")
