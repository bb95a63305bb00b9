"""Forms of the admin's catalog pages. Every POST carries Flask-WTF's CSRF token; the
rules (lengths, prices, links) are checked by the catalog services, not here."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired

from app.ids import IdField
from app.money import SUPPORTED


def _currencies():
    return [SelectChoice(code, code.upper()) for code in sorted(SUPPORTED)]


class CourseForm(FlaskForm):
    slug = StringField("Address (slug)", description="Lower-case letters, digits and "
                       "dashes; the course page is /courses/<slug>. It cannot change later.")
    title = StringField("Title")
    description = TextAreaField("Description")
    price = StringField("Price", description='In the currency\'s unit, e.g. "69.00" or '
                        '"5000" for yen. A new price applies to orders placed after it.')
    currency = SelectField("Currency", choices=_currencies(),
                           validate_choice=True)


class LessonForm(FlaskForm):
    title = StringField("Title")
    body = TextAreaField("Body (Markdown)", description="Headings (##), lists, `code`, "
                         "```fenced code blocks```, tables and links. Scripts, frames and "
                         "images are removed.")
    video_url = StringField("Video link (optional)")
    download_url = StringField("Download link (optional)")


class ConfirmForm(FlaskForm):
    """Only the CSRF token: restore."""


class ArchiveForm(FlaskForm):
    """Archiving takes a course off sale: a tick, checked by the server too."""

    confirm = BooleanField("Yes, take this course off sale",
                           validators=[DataRequired("Tick “Yes, take this course off "
                                                    "sale” to archive it.")])


class DeleteLessonForm(FlaskForm):
    #: The place the lesson had when the page was rendered (a hidden field).
    position = IdField()
    confirm = BooleanField("Yes, delete this lesson and its text.",
                           validators=[DataRequired("Tick the box to confirm the deletion.")])


class MoveLessonForm(FlaskForm):
    position = IdField()
    direction = StringField(validators=[AnyOf(["up", "down"], "Move a lesson up or down.")])
