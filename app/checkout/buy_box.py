"""The buy box of a course page: the checkout form, the one-click button, the pause.

The catalog's course page includes `templates/checkout/_buy_box.html`, which calls
`checkout_box(course)` (a template helper registered by this package), so the catalog
needs no import of the checkout.
"""

from dataclasses import dataclass

from flask import current_app, g, get_flashed_messages, request, session

from app import pricing
from app.access import has_access
from app.account.saved_cards import customer_id_of, saved_card
from app.account.session import current_buyer, email_for_checkout
from app.checkout.forms import CheckoutForm, IntentForm
from app.checkout.pause import pause_message, pause_seconds


@dataclass
class BuyBox:
    """What the buy box of one course shows on this request."""

    flow: str  # PAYMENT_FLOW: which checkout form the box holds
    form: object  # CheckoutForm or IntentForm
    quote: pricing.Quote
    paused_message: str | None
    one_click: object | None  # the saved card (payments.SavedCard) or None
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


def one_click_card(course):
    """The card a one-click purchase of `course` would charge for the signed-in buyer.

    None unless a buyer is signed in, the course is on sale, the buyer lacks it and has a
    saved card.
    """
    buyer = current_buyer()
    if buyer is None or course is None or not course.active:
        return None
    if not customer_id_of(buyer) or has_access(buyer.id, course.id):
        return None
    return saved_card(buyer)


def keep_form(form):
    """Show this (submitted, invalid) form in the buy box of the page being rendered."""
    g.checkout_form = form


def checkout_box(course):
    """The buy box of `course` for this request (built once per request)."""
    boxes = g.setdefault("checkout_boxes", {})
    if course.id in boxes:
        return boxes[course.id]
    flow = current_app.config["PAYMENT_FLOW"]
    form = g.get("checkout_form") or (CheckoutForm() if flow == "charges" else IntentForm())
    email = form.stripeEmail if flow == "charges" else form.email
    email.data = (email.data or session.pop("checkout_email", None)
                  or email_for_checkout(course))  # a signed-in buyer's
    paused = pause_seconds(request.remote_addr) if course.active else 0
    skip = session.pop("skip_one_click", None) == course.slug  # just declined: card form
    box = BuyBox(flow=flow, form=form, quote=pricing.quote_for(course),
                 paused_message=pause_message(paused) if paused else None,
                 one_click=None if skip or paused or not course.active
                 else one_click_card(course),
                 may_save=current_buyer() is not None,
                 messages=tuple(get_flashed_messages(with_categories=True,
                                                     category_filter=CHECKOUT_CATEGORIES)))
    boxes[course.id] = box
    return box
