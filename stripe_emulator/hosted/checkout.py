"""The hosted Checkout page at a Session's ``url`` (``/c/pay/{cs_…}``), as Stripe's page
works for a card payment (INTENTS §6.4): the line items and total, the email (prefilled and
locked when the Session names it), the card fields with the names Stripe's page uses
(``cardNumber``, ``cardExpiry``, ``cardCvc``, ``billingName``, ``billingPostalCode``), the
test-mode banner, a back link to ``cancel_url``; Pay (a POST) declines in place, sends 3-D
Secure cards to the test authentication page, and redirects a paid Session to
``success_url``. No GET changes anything.
"""
import re
from urllib.parse import parse_qsl, urlsplit

from ..errors import StripeError
from ..receipts import format_amount
from ..resources import checkout_sessions as sessions
from . import html

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELDS = ("email", "cardNumber", "cardExpiry", "cardCvc", "billingName", "billingPostalCode")


def card_problem(number, expiry, cvc):
    """``(card, None)`` for a usable card, else ``(None, the message the page shows)``."""
    if not number:
        return None, "Your card number is incomplete."
    if len("".join(ch for ch in expiry if ch.isdigit())) not in (4, 6):
        return None, "Your card's expiration date is incomplete."
    if not cvc:
        return None, "Your card's security code is incomplete."
    try:
        return sessions.card_from_form(number, expiry, cvc), None
    except StripeError as exc:
        return None, exc.message


def _money(amount, currency):
    """``$69.00`` (the page shows the currency code once, by the total)."""
    return format_amount(amount, currency).rsplit(" ", 1)[0]


def _locked_email(state, session):
    """The email the Session fixes: ``customer_email``, or its customer's email."""
    if session["customer_email"]:
        return session["customer_email"]
    customer = state.customers.get(session["customer"]) if session["customer"] else None
    return (customer or {}).get("email")


def _message_page(title, text, session=None, status=200):
    """A short page (expired, complete, unknown) with a way back when there is one."""
    back = ""
    if session is not None and session.get("cancel_url"):
        back = f'<p><a href="{html.esc(session["cancel_url"])}">Back to the shop</a></p>'
    return status, *html.page(title, f"<main><h1>{html.esc(title)}</h1><p>{html.esc(text)}"
                                     f"</p>{back}</main>")


def render(state, session, *, values=None, error=None, status=200):
    """The payment form for an open Session (``values``: what the buyer typed)."""
    values = values or {}
    cur = session["currency"]
    rows = "".join(
        f'<tr><td>{html.esc(item["description"])}'
        + (f' × {item["quantity"]}' if item["quantity"] != 1 else "")
        + f'</td><td class="num">{html.esc(_money(item["amount_total"], cur))}</td></tr>'
        for item in session["_line_items"])
    total = format_amount(session["amount_total"], cur)
    locked = _locked_email(state, session)
    email = locked or values.get("email", "")
    back = ""
    if session["cancel_url"]:
        host = urlsplit(session["cancel_url"]).netloc
        back = (f'<p><a id="cancel" href="{html.esc(session["cancel_url"])}">← Back to '
                f"{html.esc(host)}</a></p>")

    def field(name, label, autocomplete, placeholder="", extra=""):
        """One labelled input, keeping what the buyer typed (never the card number's CVC)."""
        value = "" if name in ("cardCvc",) else values.get(name, "")
        return (f'<label for="{name}">{label}</label><input id="{name}" name="{name}" '
                f'autocomplete="{autocomplete}" placeholder="{placeholder}" '
                f'value="{html.esc(value)}"{extra}>')

    alert = f'<p class="error" role="alert">{html.esc(error)}</p>' if error else \
        '<p role="alert"></p>'
    body = (
        f"<main>{back}<p class='muted'>Pay the emulator's test account</p>"
        f'<p class="amount" id="total">{html.esc(total)}</p>'
        f'<table aria-label="Order summary">{rows}'
        f'<tr class="total"><td>Total due</td><td class="num">{html.esc(total)}</td></tr>'
        "</table>"
        f'<form method="post" action="/c/pay/{html.esc(session["id"])}" novalidate>{alert}'
        f'<label for="email">Email</label><input id="email" name="email" type="email" '
        f'autocomplete="email" value="{html.esc(email)}"'
        + (" readonly" if locked else "") + ">"
        + field("cardNumber", "Card number", "cc-number", "1234 1234 1234 1234",
                ' inputmode="numeric"')
        + '<div class="row"><div>'
        + field("cardExpiry", "Expiration (MM / YY)", "cc-exp", "MM / YY",
                ' inputmode="numeric"')
        + "</div><div>"
        + field("cardCvc", "CVC", "cc-csc", "CVC", ' inputmode="numeric"')
        + "</div></div>"
        + field("billingName", "Name on card", "cc-name")
        + field("billingPostalCode", "ZIP / postal code", "postal-code")
        + f'<button class="primary" id="submit" type="submit">Pay {html.esc(total)}</button>'
        "</form>"
        '<p class="muted">Test mode: try 4242 4242 4242 4242 (paid), 4000 0000 0000 9995 '
        "(declined) or 4000 0027 6000 3184 (3-D Secure), any future date and CVC.</p></main>")
    return status, *html.page("Checkout", body)


def show(state, make_ctx, session_id):
    """GET the page: the form, or what happened to the Session (expired when due)."""
    with state.transaction():
        session = state.checkout_sessions.get(session_id)
        if session is None:
            return _message_page("No such checkout page",
                                 "This Checkout Session does not exist (the emulator may "
                                 "have been reset).", status=404)
        sessions.expire_if_due(make_ctx(), session)
        return _page_for(state, session)


def _page_for(state, session, error=None):
    """The page a Session in its current state shows."""
    if session["status"] == "expired":
        return _message_page("This Checkout Session has expired",
                             "You can no longer pay on this page. Go back to the shop to "
                             "start again.", session)
    if session["status"] == "complete":
        target = sessions.success_redirect(session)
        if target:
            return 303, [("Location", target), ("Cache-Control", "no-store")], b""
        return _message_page("Thanks for your payment", "This payment is complete.", session)
    return render(state, session, error=error)


def _read_form(body):
    """The form's fields (stripped)."""
    fields = dict(parse_qsl(body.decode("utf-8", "replace")))
    return {name: fields.get(name, "").strip() for name in FIELDS}


def submit(state, make_ctx, session_id, body):
    """POST Pay: check the fields, attempt the payment, then decline in place, go to the
    3-D Secure page, or redirect to ``success_url``."""
    values = _read_form(body)
    with state.transaction():
        ctx = make_ctx()
        session = state.checkout_sessions.get(session_id)
        if session is None:
            return _message_page("No such checkout page", "This Checkout Session does not "
                                 "exist.", status=404)
        sessions.expire_if_due(ctx, session)
        if session["status"] != "open":
            return _page_for(state, session)
        email = _locked_email(state, session) or values["email"]
        problem = None
        if not EMAIL.match(email):
            problem = "Your email is incomplete." if not email else "Your email is invalid."
        elif not values["billingName"]:
            problem = "Enter the name on your card."
        card = None
        if problem is None:
            card, problem = card_problem(values["cardNumber"], values["cardExpiry"],
                                         values["cardCvc"])
        if problem is None and not values["billingPostalCode"]:
            problem = "Your postal code is incomplete."
        if problem:
            return render(state, session, values=values, error=problem, status=400)
        result = sessions.attempt(ctx, session, email=email, name=values["billingName"],
                                  postal=values["billingPostalCode"], card=card)
        if result["outcome"] == "action":
            return 303, [("Location", result["url"]), ("Cache-Control", "no-store")], b""
        if result["outcome"] == "declined":
            return render(state, session, values=values, error=result["message"], status=402)
        return _page_for(state, session)


def returned(state, make_ctx, session_id):
    """GET the page 3-D Secure returns to: paid → ``success_url``, else the form again with
    why (the test page's answer already moved the intent and the Session)."""
    with state.transaction():
        session = state.checkout_sessions.get(session_id)
        if session is None:
            return _message_page("No such checkout page", "This Checkout Session does not "
                                 "exist.", status=404)
        ctx = make_ctx()
        sessions.expire_if_due(ctx, session)
        if session["status"] != "open":
            return _page_for(state, session)
        return _page_for(state, session, error=sessions.failure_message(ctx, session))
