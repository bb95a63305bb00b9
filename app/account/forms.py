"""Account forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField
from wtforms.validators import DataRequired, Email, Length, Regexp, ValidationError


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[
        DataRequired("Enter your email address."),
        Email("Enter a valid email address."),
        Length(max=254),
    ])


class PostForm(FlaskForm):
    """A button that only needs the CSRF token (sign out, use a link)."""


class SavedCardForm(FlaskForm):
    """A button acting on the saved card shown on the page (removing it, paying with it)."""

    card_id = HiddenField(
        validators=[
            DataRequired("Your saved card was not found. Please pay with your card."),
            Regexp(r"^(card|pm)_[A-Za-z0-9_]{1,250}$", message="Invalid saved card."),
        ]
    )


def _ticked(form, field):
    """The box posts "y"; anything else (or nothing) is not the consent."""
    if field.raw_data != ["y"]:
        field.data = False
        raise ValidationError("Tick the box to start now: you then lose your right to "
                              "withdraw. Nothing has changed.")


class StartNowForm(FlaskForm):
    """Starting a course early from My account: the same consent as at checkout."""

    immediate_access_consent = BooleanField(validators=[_ticked])


class RemoveCardForm(SavedCardForm):
    """Removing the saved card: a tick, checked by the server too."""

    confirm = BooleanField("Yes, remove this card", validators=[
        DataRequired("Tick “Yes, remove this card” to remove it.")])
