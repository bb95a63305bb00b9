"""The buy box of a course page: the checkout form, the one-click button, the pause.

The catalog's course page includes `templates/checkout/_buy_box.html`, which calls
`checkout_box(course)` (a template helper registered by this package), so the catalog
needs no import of the checkout.
"""

from dataclasses import dataclass

from flask import current_app, g, get_flashed_messages, request, session

from app import orders, pricing
from app.account.saved_cards import customer_id_of, saved_card
from app.account.session import current_buyer, current_session, email_for_checkout
from app.checkout import services
from app.checkout.forms import CheckoutForm, EnrolForm, IntentForm
from app.checkout.pause import pause_message, shown_pause_seconds
from app.countries import COUNTRIES, US_STATES, country_name, select_options


@dataclass
class BuyBox:
    """What the buy box of one course shows on this request."""

    flow: str  # PAYMENT_FLOW, or "free": which checkout form the box holds
    form: object  # CheckoutForm, IntentForm or EnrolForm
    quote: pricing.Quote
    paused_message: str | None
    one_click: object | None  # the saved card (a StoredCard: no Stripe call) or None
    #: "Save this card" is offered only to a browser signed in with an emailed link
    #: (checkout.services.may_save_card); others are told to sign in first.
    may_save: bool = False
    #: What the checkout says about the last try (a decline, "nothing was charged"),
    #: shown in the box itself, beside the form, rather than at the top of the page.
    messages: tuple = ()

    @property
    def attention(self):
        """Whether the box has news for the buyer (a message, a field error): a closed
        "Buy it for someone else" opens, and the page goes to the box."""
        return bool(self.messages or self.form.errors)


#: Flash categories the buy box shows itself (next to the form): `checkout` for what went
#: wrong with the last try, `checkout-info` for news such as "nothing was charged".
CHECKOUT_CATEGORIES = ("checkout", "checkout-info")


@dataclass
class ConsentBox:
    """The country select and the immediate-access box of a checkout form."""

    selected: str | None
    text: str
    version: str
    #: The codes whose buyers see the box (the page's script shows it for them).
    consent_countries: str
    shown: bool  # for the selected country
    start_later: bool  # CONSENT_OFFER_START_LATER
    withdrawal_days: int
    required_message: str = orders.CONSENT_REQUIRED
    #: The country the buyer is asked to confirm (the card said another), or None.
    confirm: str | None = None
    confirm_name: str = ""
    #: (code, name) of the US states, for a US buyer's state (Stripe Tax needs it).
    states: tuple = tuple(sorted(US_STATES.items(), key=lambda item: item[1]))

    @property
    def options(self):
        """The select's <option>s (rendered once per selected country)."""
        return select_options(self.selected)


def browser_country():
    """The region of the browser's preferred languages ("fr-FR" -> "FR"), if any."""
    for language, _quality in request.accept_languages:
        parts = language.replace("_", "-").split("-")
        for part in parts[1:]:
            if len(part) == 2 and part.upper() in COUNTRIES:
                return part.upper()
    return None


def consent_box(form):
    """The consent part of `form` (any checkout form) for this request; the country is
    the one posted, else the browser's."""
    config = current_app.config
    confirm = session.get("confirm_country") if request.method == "GET" else None
    if form.country.data is None and not form.country.errors:
        form.country.data = confirm or browser_country()
    selected = form.country.data
    text, version = orders.wording()
    return ConsentBox(selected=selected, text=text, version=version,
                      consent_countries=" ".join(sorted(config["CONSENT_COUNTRIES"])),
                      shown=orders.applies_to(selected),
                      start_later=config["CONSENT_OFFER_START_LATER"],
                      withdrawal_days=config["WITHDRAWAL_DAYS"],
                      confirm=confirm if confirm == selected else None,
                      confirm_name=country_name(confirm) if confirm else "")


def one_click_card(course):
    """The card a one-click purchase of `course` would charge for the signed-in buyer.

    None unless a buyer is signed in, the course is on sale, the buyer lacks it and has a
    saved card. Read from the database only: showing the button asks Stripe nothing.
    """
    buyer = current_buyer()
    if buyer is None or course is None or not course.active:
        return None
    if not customer_id_of(buyer) or current_session().held_access(course) is not None:
        return None
    return saved_card(buyer)


def keep_form(form):
    """Show this (submitted, invalid) form in the buy box of the page being rendered."""
    g.checkout_form = form


def _asked_code():
    """The coupon code this request asks for: the form's field on a POST (Apply, or a
    checkout that is shown again), `?code=` on a GET (a link such as ?code=LAUNCH20)."""
    source = request.form if request.method == "POST" else request.args
    return source.get("code")


def _email_field(form):
    return form.stripeEmail if isinstance(form, CheckoutForm) else form.email


def _form_for(kind, kept, email):
    """The form the box shows: the one kept by the view if it fits `kind`, else a new
    one with the email carried over."""
    wanted = EnrolForm if kind == "free" else (CheckoutForm if kind == "charges"
                                               else IntentForm)
    if isinstance(kept, wanted):
        return kept
    form = wanted(formdata=None)
    _email_field(form).data = email
    return form


def checkout_box(course):
    """The buy box of `course` for this request (built once per request)."""
    boxes = g.setdefault("checkout_boxes", {})
    if course.id in boxes:
        return boxes[course.id]
    flow = current_app.config["PAYMENT_FLOW"]
    kept = g.get("checkout_form") or (CheckoutForm() if flow == "charges" else IntentForm())
    email = _email_field(kept)
    posted = request.form.get("email") if request.method == "POST" else None
    email.data = (email.data or posted or session.pop("checkout_email", None)
                  or email_for_checkout(course))  # a signed-in buyer's
    quote = services.preview_price(course, _asked_code(), email.data, current_buyer(),
                                   ip=request.remote_addr)
    kind = "free" if quote.free else flow
    form = _form_for(kind, kept, email.data)
    paused = shown_pause_seconds(request.remote_addr) if course.active else 0
    skip = session.pop("skip_one_click", None) == course.slug  # just declined: card form
    box = BuyBox(flow=kind, form=form, quote=quote,
                 paused_message=pause_message(paused) if paused else None,
                 one_click=None if skip or paused or not course.active or quote.free
                 else one_click_card(course),
                 may_save=current_buyer() is not None,
                 messages=tuple(get_flashed_messages(with_categories=True,
                                                     category_filter=CHECKOUT_CATEGORIES)))
    boxes[course.id] = box
    return box
