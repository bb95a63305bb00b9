"""Reading and changing the course catalog."""

from sqlalchemy import select

from app.extensions import db
from app.models import Course
from app.money import check_chargeable, check_currency, to_minor


class CourseError(ValueError):
    """A course change that cannot be made; the message says why."""


def active_courses():
    """Active courses, by title."""
    return db.session.scalars(
        select(Course).where(Course.active.is_(True)).order_by(Course.title)
    ).all()


def get_active_course(slug):
    """The active course with this slug, or None."""
    return db.session.scalar(
        select(Course).where(Course.slug == slug, Course.active.is_(True))
    )


def get_course(slug):
    """Any course (active or archived) with this slug, or None."""
    return db.session.scalar(select(Course).where(Course.slug == slug))


def _price(price, currency):
    try:
        currency = check_currency(currency)
        minor = to_minor(price, currency)
        check_chargeable(minor, currency)
    except ValueError as exc:
        raise CourseError(str(exc)) from None
    return minor, currency


def add_course(*, slug, title, price, currency, description=""):
    """Create a course priced in the currency's unit ("69.00")."""
    slug = (slug or "").strip().lower()
    if not slug or not all(c.isalnum() or c == "-" for c in slug):
        raise CourseError("A slug uses lower-case letters, digits and dashes.")
    if get_course(slug):
        raise CourseError(f"A course with slug {slug!r} exists already.")
    if not (title or "").strip():
        raise CourseError("A course needs a title.")
    minor, currency = _price(price, currency)
    course = Course(
        slug=slug,
        title=title.strip(),
        description=description or "",
        price_minor=minor,
        currency=currency,
        active=True,
    )
    db.session.add(course)
    db.session.commit()
    return course


def update_course(slug, *, title=None, price=None, currency=None, description=None,
                  active=None):
    """Change a course's fields; a new price applies to orders placed after it."""
    course = get_course(slug)
    if course is None:
        raise CourseError(f"No course with slug {slug!r}.")
    if title is not None:
        if not title.strip():
            raise CourseError("A course needs a title.")
        course.title = title.strip()
    if description is not None:
        course.description = description
    if price is not None or currency is not None:
        new_currency = currency or course.currency
        if price is None:
            raise CourseError("Give the price together with a new currency.")
        course.price_minor, course.currency = _price(price, new_currency)
    if active is not None:
        course.active = active
    db.session.commit()
    return course


def all_courses():
    """Every course, by slug."""
    return db.session.scalars(select(Course).order_by(Course.slug)).all()


DEMO_COURSES = [
    ("python-jumpstart", "Python Jumpstart", "69.00", "usd",
     "From zero to writing useful Python scripts in a weekend."),
    ("flask-in-production", "Flask in Production", "129.00", "usd",
     "Factories, blueprints, migrations, deployment and monitoring."),
    ("sql-for-analysts", "SQL for Analysts", "49.00", "eur",
     "Joins, window functions and reports your team will trust."),
    ("nihongo-for-developers", "Japanese for Developers", "5000", "jpy",
     "Read Japanese docs and error messages. Priced in yen (zero-decimal)."),
    ("payments-engineering", "Payments Engineering", "199.00", "gbp",
     "Idempotency, webhooks, refunds and reconciliation done right."),
]  # fmt: skip


def seed_demo():
    """Add the demo courses that are missing; return how many were added."""
    added = 0
    for slug, title, price, currency, description in DEMO_COURSES:
        if get_course(slug) is None:
            add_course(slug=slug, title=title, price=price, currency=currency,
                       description=description)
            added += 1
    return added
