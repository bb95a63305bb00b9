"""The hosted Checkout page at a Session's ``url`` (``/c/pay/{cs_…}``), as Stripe's page
works for a card payment (INTENTS §6.4): the line items and total, the email (prefilled and
locked when the Session names it), the card fields with the names Stripe's page uses
(``cardNumber``, ``cardExpiry``, ``cardCvc``, ``billingName``, ``billingPostalCode``), the
test-mode banner, a back link to ``cancel_url``; Pay (a POST) declines in place, sends 3-D
Secure cards to the test authentication page, and redirects a paid Session to
``success_url``. No GET changes anything.

What the Session's settings add: a quantity for adjustable line items (``quantity-{i}``),
``phone``, the shipping address (``shippingName``, ``shippingAddressLine1``,
``shippingAddressLine2``, ``shippingLocality``, ``shippingAdministrativeArea``,
``shippingPostalCode``, ``shippingCountry``), custom fields (``custom-{key}``), a tax id
(``taxIdType``, ``taxId``), "save my card" (``savePaymentMethod``), the promotions and terms
of service checkboxes (``promotionsConsent``, ``termsOfServiceConsent``) and the custom
texts. With ``automatic_tax`` the billing country (``billingCountry``, and
``billingAdministrativeArea`` for a US state) and the summary's subtotal and tax rows; the
page runs no script, so a Pay whose address changes the total shows the taxed total
again (``shownTotal``) instead of charging it unseen.
"""
import re
from urllib.parse import parse_qsl, urlsplit

from ..errors import StripeError
from ..receipts import format_amount
from ..resources import checkout_options as options
from ..resources import checkout_sessions as sessions
from ..resources import checkout_tax
from ..resources.tax import RATES
from . import html

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ().-]{7,20}$")
DIGITS = re.compile(r"^[0-9]{1,7}$")
FIELDS = ("email", "cardNumber", "cardExpiry", "cardCvc", "billingName", "billingPostalCode")
SHIPPING = (("shippingName", "name", "Name", "shipping name"),
            ("shippingAddressLine1", "line1", "Address", "shipping address-line1"),
            ("shippingAddressLine2", "line2", "Address line 2 (optional)",
             "shipping address-line2"),
            ("shippingLocality", "city", "City", "shipping address-level2"),
            ("shippingAdministrativeArea", "state", "State / province (optional)",
             "shipping address-level1"),
            ("shippingPostalCode", "postal_code", "ZIP / postal code",
             "shipping postal-code"))
TOS = "I agree to the Terms of Service"
PROMOTIONS = "Keep me updated with news and personalized offers"
SAVE = "Save my payment details for future purchases"
#: The billing countries the page offers with automatic tax: where the emulator's account
#: collects tax, and a few where it does not.
BILLING_COUNTRIES = sorted({code[:2] for code in RATES} | {
    "BR", "CA", "CN", "IN", "KR", "MX", "NZ", "SG", "ZA"})
TAX_UPDATED = ("The total now includes the tax for your address. Check it, then press Pay "
               "again.")


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


def _select(name, label, choices, selected):
    """A labelled ``<select>`` of ``(value, text)`` choices."""
    opts = "".join(f'<option value="{html.esc(v)}"' + (" selected" if v == selected else "")
                   + f">{html.esc(text)}</option>" for v, text in choices)
    return (f'<label for="{name}">{html.esc(label)}</label>'
            f'<select id="{name}" name="{name}">{opts}</select>')


def _checkbox(name, label, checked):
    """A checkbox with its label beside it."""
    return (f'<label class="check" for="{name}"><input type="checkbox" id="{name}" '
            f'name="{name}" value="on"' + (" checked" if checked else "")
            + f"><span>{html.esc(label)}</span></label>")


def _message(session, position, element_id):
    """A ``custom_text`` message, if the Session has one there."""
    text = (session["custom_text"].get(position) or {}).get("message")
    return f'<p class="muted" id="{element_id}">{html.esc(text)}</p>' if text else ""


def _rows(session, cur, values):
    """The order summary's rows; adjustable items get a quantity input (in the form)."""
    rows = []
    for i, item in enumerate(session["_line_items"]):
        adjustable = item["adjustable_quantity"] or {}
        if adjustable.get("enabled"):
            value = values.get(f"quantity-{i}", str(item["quantity"]))
            quantity = (f' <label class="inline" for="quantity-{i}">Qty</label>'
                        f'<input class="qty" id="quantity-{i}" name="quantity-{i}" '
                        f'form="pay" type="number" inputmode="numeric" '
                        f'min="{adjustable["minimum"]}" max="{adjustable["maximum"]}" '
                        f'value="{html.esc(value)}">')
        else:
            quantity = f' × {item["quantity"]}' if item["quantity"] != 1 else ""
        rows.append(f'<tr><td>{html.esc(item["description"])}{quantity}</td>'
                    f'<td class="num">{html.esc(_money(item["amount_subtotal"], cur))}</td></tr>')
    return "".join(rows)


def _tax_rows(session, cur):
    """Subtotal and tax rows of the summary (automatic tax)."""
    if not checkout_tax.enabled(session):
        return ""
    known = session["automatic_tax"]["status"] == "complete"
    tax = _money(session["total_details"]["amount_tax"], cur) if known else \
        "Enter address to calculate"
    return (f'<tr><td>Subtotal</td><td class="num">'
            f'{html.esc(_money(session["amount_subtotal"], cur))}</td></tr>'
            f'<tr id="tax-row"><td>{html.esc(checkout_tax.label(session))}</td>'
            f'<td class="num">{html.esc(tax)}</td></tr>')


def _billing_fields(session, values, field):
    """The billing country (and a US state) automatic tax needs."""
    if not checkout_tax.enabled(session):
        return ""
    return (_select("billingCountry", "Country or region", [("", "Select…")] + [
        (c, c) for c in BILLING_COUNTRIES], values.get("billingCountry"))
        + field("billingAdministrativeArea", "State (United States)", "address-level1")
        + f'<input type="hidden" name="shownTotal" value="{session["amount_total"]}">')


def _settings_fields(session, values, field):
    """The inputs the Session's settings ask for, before and after the card."""
    before, after = "", ""
    if session["phone_number_collection"]["enabled"]:
        before += field("phone", "Phone number", "tel", "", ' type="tel"')
    collection = session["shipping_address_collection"]
    if collection:
        before += ('<fieldset><legend>Shipping address</legend>'
                   + _message(session, "shipping_address", "shipping-message")
                   + "".join(field(name, label, auto) for name, _, label, auto in SHIPPING)
                   + _select("shippingCountry", "Country",
                             [(c, c) for c in collection["allowed_countries"]],
                             values.get("shippingCountry")) + "</fieldset>")
    for custom in session["custom_fields"]:
        name = f"custom-{custom['key']}"
        label = custom["label"]["custom"] + (" (optional)" if custom["optional"] else "")
        if custom["type"] == "dropdown":
            before += _select(name, label, [("", "Select…")] + [
                (o["value"], o["label"]) for o in custom["dropdown"]["options"]],
                values.get(name))
        else:
            numeric = ' inputmode="numeric"' if custom["type"] == "numeric" else ""
            before += field(name, html.esc(label), "off", "", numeric)
    if session["tax_id_collection"]["enabled"]:
        after += (_select("taxIdType", "Tax ID type (optional)", [("", "None")] + [
            (t, t) for t in options.TAX_ID_TYPES], values.get("taxIdType"))
                  + field("taxId", "Tax ID (optional)", "off"))
    if (session["saved_payment_method_options"] or {}).get("payment_method_save") == \
            "enabled":
        after += _checkbox("savePaymentMethod", SAVE, values.get("savePaymentMethod") == "on")
    consent = session["consent_collection"] or {}
    if consent.get("promotions") == "auto":
        after += _checkbox("promotionsConsent", PROMOTIONS,
                           values.get("promotionsConsent") == "on")
    if consent.get("terms_of_service") == "required":
        text = (session["custom_text"].get("terms_of_service_acceptance") or {}).get(
            "message") or TOS
        after += _checkbox("termsOfServiceConsent", text,
                           values.get("termsOfServiceConsent") == "on")
    return before, after


def render(state, session, *, values=None, error=None, status=200):
    """The payment form for an open Session (``values``: what the buyer typed)."""
    values = values or {}
    cur = session["currency"]
    rows = _rows(session, cur, values)
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

    before, after = _settings_fields(session, values, field)
    alert = f'<p class="error" role="alert">{html.esc(error)}</p>' if error else \
        '<p role="alert"></p>'
    body = (
        f"<main>{back}<p class='muted'>Pay the emulator's test account</p>"
        f'<p class="amount" id="total">{html.esc(total)}</p>'
        f'<table aria-label="Order summary">{rows}{_tax_rows(session, cur)}'
        f'<tr class="total"><td>Total due</td><td class="num">{html.esc(total)}</td></tr>'
        "</table>"
        f'<form id="pay" method="post" action="/c/pay/{html.esc(session["id"])}" novalidate>'
        f'{alert}<label for="email">Email</label><input id="email" name="email" type="email" '
        f'autocomplete="email" value="{html.esc(email)}"'
        + (" readonly" if locked else "") + ">"
        + before
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
        + _billing_fields(session, values, field)
        + after + _message(session, "submit", "submit-message")
        + f'<button class="primary" id="submit" type="submit">Pay {html.esc(total)}</button>'
        + _message(session, "after_submit", "after-submit-message")
        + "</form>"
        '<p class="muted">Test mode: try 4242 4242 4242 4242 (paid), 4000 0000 0000 9995 '
        "(declined) or 4000 0027 6000 3184 (3-D Secure), any future date and CVC.</p></main>")
    return status, *html.page("Checkout", body)


def extras(session, values):
    """What the page asks beyond the card, checked: ``(extra, None)`` for
    ``checkout_sessions.attempt``, or ``(None, the message the page shows)``."""
    extra = {"quantities": {}, "custom": {}}
    for i, item in enumerate(session["_line_items"]):
        adjustable = item["adjustable_quantity"] or {}
        if adjustable.get("enabled"):
            raw = values.get(f"quantity-{i}") or str(item["quantity"])
            low, high = adjustable["minimum"], adjustable["maximum"]
            if not DIGITS.match(raw) or not low <= int(raw) <= high:
                return None, (f"Enter a quantity from {low} to {high} for "
                              f"{item['description']}.")
            extra["quantities"][i] = int(raw)
    if session["phone_number_collection"]["enabled"]:
        phone = values.get("phone", "")
        if not phone:
            return None, "Your phone number is incomplete."
        if not PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < 7:
            return None, "Your phone number is invalid."
        extra["phone"] = phone
    collection = session["shipping_address_collection"]
    if collection:
        address = {part: values.get(name) or None for name, part, _, _ in SHIPPING}
        address["country"] = values.get("shippingCountry") or None
        if not all(address[k] for k in ("name", "line1", "city", "postal_code", "country")):
            return None, "Your shipping address is incomplete."
        if address["country"] not in collection["allowed_countries"]:
            return None, f"Shipping to {address['country']} is not available."
        name = address.pop("name")
        extra["shipping"] = {"address": address, "name": name}
    for custom in session["custom_fields"]:
        raw = values.get(f"custom-{custom['key']}", "")
        label = custom["label"]["custom"]
        if not raw:
            if not custom["optional"]:
                return None, f"{label} is required."
            continue
        if custom["type"] == "dropdown":
            if raw not in [o["value"] for o in custom["dropdown"]["options"]]:
                return None, f"Choose one of the options for {label}."
        else:
            limits = custom[custom["type"]]
            low, high = limits["minimum_length"] or 1, limits["maximum_length"] or 255
            if custom["type"] == "numeric" and not (raw.isascii() and raw.isdigit()):
                return None, f"{label} must be a number."
            if not low <= len(raw) <= high:
                return None, f"{label} must be {low} to {high} characters long."
        extra["custom"][custom["key"]] = raw
    if session["tax_id_collection"]["enabled"] and values.get("taxId"):
        if values.get("taxIdType") not in options.TAX_ID_TYPES:
            return None, "Choose the type of your tax ID."
        extra["tax_id"] = {"type": values["taxIdType"], "value": values["taxId"]}
    if checkout_tax.enabled(session):
        address = {"country": values.get("billingCountry") or None,
                   "state": values.get("billingAdministrativeArea") or None,
                   "postal_code": values.get("billingPostalCode") or None}
        problem = checkout_tax.problem(address, extra.get("tax_id"))
        if problem:
            return None, problem
        extra["address"] = address
    extra["save"] = values.get("savePaymentMethod") == "on" and (
        session["saved_payment_method_options"] or {}).get("payment_method_save") == "enabled"
    consent = session["consent_collection"] or {}
    if consent.get("promotions") == "auto":
        extra["promotions"] = values.get("promotionsConsent") == "on"
    if consent.get("terms_of_service") == "required":
        if values.get("termsOfServiceConsent") != "on":
            return None, "Agree to the Terms of Service to continue."
        extra["terms"] = True
    return extra, None


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


def _shown(values):
    """The total the page showed when Pay was pressed (``shownTotal``), or None."""
    raw = values.get("shownTotal") or ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 16 else None


def _read_form(body):
    """The form's fields (stripped; the card's always present)."""
    fields = {k: v.strip() for k, v in parse_qsl(body.decode("utf-8", "replace"))}
    return {**dict.fromkeys(FIELDS, ""), **fields}


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
        extra = None
        if problem is None:
            extra, problem = extras(session, values)
        if problem is None and checkout_tax.enabled(session) and \
                checkout_tax.apply(ctx, session, extra["address"],
                                   extra.get("tax_id")) != _shown(values):
            problem = TAX_UPDATED  # never charge a total the buyer has not seen
        if problem:
            return render(state, session, values=values, error=problem, status=400)
        result = sessions.attempt(ctx, session, email=email, name=values["billingName"],
                                  postal=values["billingPostalCode"], card=card, extra=extra)
        if result["outcome"] == "invalid":
            return render(state, session, values=values, error=result["message"], status=400)
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
