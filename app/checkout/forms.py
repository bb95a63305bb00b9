"""The checkout forms: the token form (the same POST contract as Stripe's classic
Checkout), the Payment Element's request for its PaymentIntent, one click."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField
from wtforms.validators import DataRequired, Email, Length, Regexp

from app.account.forms import SavedCardForm

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


#: The policy versions the page showed beside Pay ("terms:3,refund:1"; app/policies
#: checks each one against the database).
def _policy_versions():
    return HiddenField(validators=[Length(max=100)])


class CheckoutForm(FlaskForm):
    stripeEmail = _email_field()  # noqa: N815  (the name Stripe Checkout posts)
    stripeToken = HiddenField(  # noqa: N815
        validators=[
            DataRequired("Your card details did not reach us. Please enter them again."),
            Regexp(r"^tok_[A-Za-z0-9_]{1,250}$", message="Invalid card token."),
        ]
    )
    #: "Save this card for future purchases" (see app.flows.customer_step).
    save_card = BooleanField("Save this card for future purchases")
    policy_versions = _policy_versions()


class OneClickForm(SavedCardForm):
    """Confirming a one-click purchase with the saved card shown on the page."""

    policy_versions = _policy_versions()


class IntentForm(FlaskForm):
    """The Payment Element page asking for its order's PaymentIntent (PAYMENT_FLOW=
    payment_intents): the email and "save this card"; the card stays with Stripe.js."""

    email = _email_field()
    save_card = BooleanField("Save this card for future purchases")
    policy_versions = _policy_versions()
