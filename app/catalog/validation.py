"""Checks shared by course and lesson fields: lengths, control characters, link URLs."""

from urllib.parse import urlsplit


class CourseError(ValueError):
    """A catalog change that cannot be made; the message says why."""


class CourseFormError(CourseError):
    """Every problem of a form's fields at once: `errors` maps each field to its
    message (the admin form shows each beside its field; str() is all of them)."""

    def __init__(self, errors):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


def _bad_character(text, multiline):
    allowed = "\n\r\t" if multiline else ""
    return any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in text)


def clean_text(value, label, *, max_length, required=False, multiline=False):
    """`value` trimmed (single lines) and checked; raises CourseError saying what is wrong."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise CourseError(f"{label} must be text.")
    if not multiline:
        value = value.strip()
    if required and not value.strip():
        raise CourseError(f"{label} is required.")
    if len(value) > max_length:
        raise CourseError(f"{label} is too long ({len(value):,} characters; "
                          f"at most {max_length:,}).")
    if _bad_character(value, multiline):
        raise CourseError(f"{label} contains a control character; remove it.")
    return value


def clean_url(value, label, *, max_length):
    """An http(s) link with a host, or None when left empty."""
    value = clean_text(value, label, max_length=max_length)
    if not value:
        return None
    if any(c.isspace() for c in value):
        raise CourseError(f"{label} must not contain spaces.")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise CourseError(f"{label} is not a valid URL.") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise CourseError(f"{label} must be an http:// or https:// address, "
                          "e.g. https://videos.example.com/lesson-1.")
    return value
