"""Forms of the admin's buyer page."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from app.ids import IdSelectField

#: Printable text only: a NUL byte or another control character is refused, not stored.
PRINTABLE = Regexp(r"^[^\x00-\x1f\x7f]*$", message="Use printable characters only.")


class GrantForm(FlaskForm):
    course_id = IdSelectField("Course")
    reason = StringField("Reason (recorded)", validators=[
        DataRequired("Give a reason: it is recorded."), Length(max=500), PRINTABLE])


class RevokeForm(FlaskForm):
    reason = StringField("Reason (recorded)", validators=[
        DataRequired("Give a reason: it is recorded."), Length(max=500), PRINTABLE])
    #: Revoking ends the buyer's access at once: a tick, checked by the server too.
    confirm = BooleanField("Yes, end this buyer's access", validators=[
        DataRequired("Tick “Yes, end this buyer's access” to revoke it.")])


class ResendForm(FlaskForm):
    key = HiddenField(validators=[DataRequired(), Length(max=200)])
