"""Forms of the admin's buyer page."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class GrantForm(FlaskForm):
    course_id = SelectField("Course", coerce=int, validate_choice=False)
    reason = StringField("Reason (recorded)", validators=[
        DataRequired("Give a reason: it is recorded."), Length(max=500)])


class RevokeForm(FlaskForm):
    reason = StringField("Reason (recorded)", validators=[
        DataRequired("Give a reason: it is recorded."), Length(max=500)])


class ResendForm(FlaskForm):
    key = HiddenField(validators=[DataRequired(), Length(max=200)])
