"""The checkout forms: the token form (the same POST contract as Stripe's classic
Checkout), the Payment Element's request for its PaymentIntent, one click."""

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Email, Length, Regexp, ValidationError

from app import orders
from app.account.forms import SavedCardForm
from app.countries import COUNTRIES, US_STATES
from app.pricing import vat_numbers

#: The one email rule of the checkout, applied by the browser (the input's `pattern`) and
#: by the server alike: something@domain.tld, so "a@b" is refused in both places.
EMAIL_PATTERN = (
    r"[^\s@]+@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
EMAIL_MESSAGE = "Enter a valid email address for your receipt, like name@example.com."


def _email_field():
    return EmailField(
        "Email",
        validators=[
            DataRequired("Enter your email address for the receipt."),
            Regexp(rf"^{EMAIL_PATTERN}$", message=EMAIL_MESSAGE),
            Email(EMAIL_MESSAGE),
            Length(max=254),
        ],
    )


COUNTRY_MESSAGE = "Choose the country you live in from the list."
CONSENT_VALUE_MESSAGE = "The box about immediate access can only be ticked or left empty."


def _country(form, field):
    """An ISO 3166 alpha-2 code of the list; a form without the field (a page from before
    it existed) has None, which counts as outside the consent countries."""
    if not field.raw_data:
        field.data = None
        return
    value = (field.raw_data[0] or "").strip().upper()
    if len(field.raw_data) != 1 or value not in COUNTRIES:
        field.data = None
        raise ValidationError(COUNTRY_MESSAGE)
    field.data = value


STATE_MESSAGE = "Choose your state from the list."
STATE_NEEDED = "Choose your state: the tax on your order depends on it."


def _state(form, field):
    """A US buyer's state (USPS code of the list); ignored for other countries."""
    value = (field.raw_data[0] or "").strip().upper() if field.raw_data else ""
    field.data = None
    if form.country.data != "US" or not value:
        return
    if len(field.raw_data) != 1 or value not in US_STATES:
        raise ValidationError(STATE_MESSAGE)
    field.data = value


def _vat_number(form, field):
    """A business buyer's VAT number (optional): its format for its country prefix, and
    the country the buyer chose (app.pricing.vat_numbers); `field.vat` is the number."""
    field.vat = None
    if form.country.errors:
        return
    try:
        field.vat = vat_numbers.parse(field.data, country=form.country.data)
    except vat_numbers.VatNumberError as error:
        raise ValidationError(str(error)) from None
    field.data = field.vat.value if field.vat else None


def _consent_value(form, field):
    """The checkbox posts "y" or nothing; anything else is not the page's."""
    if field.raw_data not in ([], ["y"]):
        field.data = False
        raise ValidationError(CONSENT_VALUE_MESSAGE)


class ConsentForm(FlaskForm):
    """The country the buyer lives in and, for the EU/EEA and the UK, the request for
    immediate access (app/orders/consent.py), on every checkout form."""

    country = StringField("Country", validators=[_country])
    state = StringField("State", validators=[_state])
    #: "VAT number (businesses)", optional: Stripe Tax may reverse charge it.
    vat_number = StringField("VAT number", validators=[_vat_number])
    immediate_access_consent = BooleanField(validators=[_consent_value])

    def validate_state(self, field):
        config = current_app.config  # hosted Checkout: Stripe's page asks for the address
        if self.country.data == "US" and field.data is None and not field.errors and \
                config.get("TAX_MODE", "off") != "off" and config["PAYMENT_FLOW"] != "checkout":
            raise ValidationError(STATE_NEEDED)

    def validate_immediate_access_consent(self, field):
        if not self.country.errors and not field.errors and not field.data \
                and orders.required_to_pay(self.country.data):
            raise ValidationError(orders.CONSENT_REQUIRED)

    def consent(self, ip):
        """The checkout's ConsentChoice (valid forms only)."""
        return orders.consent_choice(country=self.country.data,
                                     given=self.immediate_access_consent.data, ip=ip)


def _code_field():
    """The coupon code (optional). Not validated here: app/pricing reads it, and says
    why a code cannot be used (also a malformed one) without failing the form."""
    return StringField("Coupon code")


#: The policy versions the page showed beside Pay ("terms:3,refund:1"; app/policies
#: checks each one against the database).
def _policy_versions():
    return HiddenField(validators=[Length(max=100)])


class CheckoutForm(ConsentForm):
    stripeEmail = _email_field()  # noqa: N815  (the name Stripe Checkout posts)
    stripeToken = HiddenField(  # noqa: N815
        validators=[
            DataRequired("Your card details did not reach us. Please enter them again."),
            Regexp(r"^tok_[A-Za-z0-9_]{1,250}$", message="Invalid card token."),
        ]
    )
    #: "Save this card for future purchases" (see app.flows.customer_step).
    save_card = BooleanField("Save this card for future purchases")
    code = _code_field()
    policy_versions = _policy_versions()
    #: "I live in …" ticked after the card's country contradicted the declared one
    #: (app/checkout/evidence.py): the country code confirmed.
    country_confirmed = StringField()


class OneClickForm(ConsentForm, SavedCardForm):
    """Confirming a one-click purchase with the saved card shown on the page (and the
    code applied on the course page, if any)."""

    code = _code_field()
    policy_versions = _policy_versions()


class IntentForm(ConsentForm):
    """The Payment Element page asking for its order's PaymentIntent (PAYMENT_FLOW=
    payment_intents): the email and "save this card"; the card stays with Stripe.js."""

    email = _email_field()
    save_card = BooleanField("Save this card for future purchases")
    code = _code_field()
    policy_versions = _policy_versions()


class EnrolForm(FlaskForm):
    """Enrolling in a course that costs nothing (priced 0, or a 100 % code): the email
    only; no card, no payment."""

    email = _email_field()
    code = _code_field()
