"""The checkout form: the same POST contract as Stripe's classic Checkout."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField
from wtforms.validators import DataRequired, Email, Length, Regexp


class CheckoutForm(FlaskForm):
    stripeEmail = EmailField(  # noqa: N815  (the name Stripe Checkout posts)
        "Email",
        validators=[
            DataRequired("Enter your email address for the receipt."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
    )
    stripeToken = HiddenField(  # noqa: N815
        validators=[
            DataRequired("Your card details did not reach us. Please enter them again."),
            Regexp(r"^tok_[A-Za-z0-9_]{1,250}$", message="Invalid card token."),
        ]
    )
