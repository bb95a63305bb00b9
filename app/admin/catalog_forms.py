"""Forms of the admin's catalog pages. Every POST carries Flask-WTF's CSRF token; the
rules (lengths, prices, links) are checked by the catalog services, not here."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
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
    #: The catalog services check the currency with the other fields (every error at
    #: once), so the form does not refuse it on its own.
    currency = SelectField("Currency", choices=_currencies(), validate_choice=False)
    teacher_name = StringField("Teacher's name (optional)")
    teacher_bio = TextAreaField("Teacher's short bio (optional)",
                                description="A few sentences on who teaches the course.")
    learning_points = TextAreaField("What you will learn (optional)",
                                    description="One point per line, at most 12.")


class CoverForm(FlaskForm):
    file = FileField("Cover image", description="JPEG, PNG, WebP or GIF. It is shown "
                     "across the top of the course page and on the catalog; a wide "
                     "picture (about 1600 × 900) looks best.")
    alt = StringField("Describe the image (alt text)", description="What the picture "
                      "shows, for people who cannot see it.")


class RemoveCoverForm(FlaskForm):
    """Only the CSRF token: remove the cover."""


class LessonForm(FlaskForm):
    title = StringField("Title")
    body = TextAreaField("Body (Markdown)", description="Headings (##), lists, `code`, "
                         "```fenced code blocks```, tables, links and pictures "
                         "(![description](https://… or an uploaded picture)). Scripts, "
                         "frames and styles are removed.")
    video_url = StringField("Video link (optional)")
    download_url = StringField("Download link (optional)")
    free_preview = BooleanField("Free preview: anyone may open this lesson without buying")
    picture = FileField("Add a picture (optional)", description="JPEG, PNG, WebP or GIF; "
                        "“Add the picture” stores it and puts it at the end of the body "
                        "as ![description](address), which you can move.")
    picture_alt = StringField("Describe the picture (alt text)",
                              description="Leave empty only for a decorative picture.")


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
