"""Whole numbers from a request (a URL part, a form field), checked in one place.

An id or a position is accepted only as ASCII digits with a value from 1 to MAX_ID, the
range of an INTEGER column on PostgreSQL. Anything else never reaches the database:
SQLite raises OverflowError past 2**63 and PostgreSQL refuses values past its column, and
Python's int() would also take "١٢" or "1_000". A URL part that is not an id is a 404
(`<id:name>` in a route); a form field that is not one is a field error (IdField, or
IdSelectField for a select of ids).
"""

from werkzeug.routing import BaseConverter, ValidationError
from wtforms import SelectField, StringField

MAX_ID = 2**31 - 1
_DIGITS = len(str(MAX_ID))


def parse_id(text):
    """The number `text` spells (1..MAX_ID, ASCII digits only), or None."""
    text = str(text) if isinstance(text, int) and not isinstance(text, bool) else text
    if not isinstance(text, str) or not (0 < len(text) <= _DIGITS):
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


class IdConverter(BaseConverter):
    """`<id:name>`: 1..MAX_ID in ASCII digits; anything else does not match (a 404)."""

    regex = rf"[0-9]{{1,{_DIGITS}}}"

    def to_python(self, value):
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value):
        return str(int(value))


def coerce_id(value):
    """An id, or ValueError (the field reports it; nothing is looked up)."""
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number


class IdSelectField(SelectField):
    """A select whose options are ids (e.g. courses); `data` is an int. Whether the id is
    one of the options is the view's business (the service says what is wrong)."""

    def __init__(self, label=None, validators=None, message="Choose one of the listed "
                 "options.", **kwargs):
        super().__init__(label, validators, coerce=coerce_id, validate_choice=False, **kwargs)
        self.invalid_value_message = message


class IdField(StringField):
    """A form field holding an id or position (1..MAX_ID); `data` is an int or None."""

    def __init__(self, label=None, validators=None, message="The form is incomplete or out "
                 "of date; reload the page.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        self.data = parse_id(raw)
        if self.data is None:
            raise ValueError(self.message)

    def _value(self):
        return "" if self.data is None else str(self.data)


def register(app):
    """Make `<id:…>` available to every route (before the blueprints are registered)."""
    app.url_map.converters["id"] = IdConverter
