"""The options of the purchases list's filter form, ready to print: (value, label,
selected) per option, so the template does not look each one up and compare it."""

import functools

from sqlalchemy import select

from app.extensions import db
from app.models import Course, OrderStatus
from app.templating import format_status

#: (value, label) of each order status, in the enum's order.
STATUSES = tuple((status.value, format_status(status)) for status in OrderStatus)


@functools.cache
def _courses_query():
    # Built once per process: SQLAlchemy then neither builds it nor its cache key again.
    return select(Course.id, Course.title).order_by(Course.title)


def status_choices(selected):
    """The status options; `selected` is the status filter's text ("" or None: any)."""
    return [(value, label, value == selected) for value, label in STATUSES]


def course_choices(selected):
    """Every course (by title) as an option; `selected` is the course filter's text."""
    return [(str(course_id), title, str(course_id) == selected)
            for course_id, title in db.session.execute(_courses_query())]
