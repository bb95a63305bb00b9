"""Account forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[
        DataRequired("Enter your email address."),
        Email("Enter a valid email address."),
        Length(max=254),
    ])


class PostForm(FlaskForm):
    """A button that only needs the CSRF token (sign out, use a link)."""
