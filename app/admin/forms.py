"""Admin forms. Every POST form carries Flask-WTF's CSRF token."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.orders import REASONS


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email."),
                                            Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."),
                                                     Length(max=1024)])


class LogoutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST."""


class RefundForm(FlaskForm):
    amount = StringField("Amount to refund", validators=[DataRequired("Enter an amount.")])
    reason = SelectField("Reason", choices=[SelectChoice(v, label) for v, label in REASONS.items()],
                         default="requested_by_customer")
    idempotency_key = HiddenField(validators=[DataRequired(), Length(max=80)])
    confirm = BooleanField(
        "I confirm: send this refund to the buyer's card now.",
        validators=[DataRequired("Tick the confirmation box to send the refund.")],
    )


class SettleForm(FlaskForm):
    """"Ask Stripe now" on a purchase: only the CSRF token."""
