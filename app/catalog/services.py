"""Reading and changing the course catalog."""

import textwrap

from sqlalchemy import func, select

from app.catalog.validation import CourseError, clean_text
from app.extensions import db
from app.models import Course, Lesson
from app.money import check_chargeable, check_currency, to_minor

__all__ = ["CourseError"]

SLUG_MAX = 80
TITLE_MAX = 200
DESCRIPTION_MAX = 5000


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


SLUG_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _price(price, currency):
    try:
        currency = check_currency(currency)
        minor = to_minor(price, currency)
        if minor != 0:  # 0 is a free course (enrolment without payment)
            check_chargeable(minor, currency)
    except ValueError as exc:
        raise CourseError(str(exc)) from None
    return minor, currency


def add_course(*, slug, title, price, currency, description=""):
    """Create a course priced in the currency's unit ("69.00")."""
    slug = (slug or "").strip().lower()
    if not slug or not all(c in SLUG_CHARACTERS for c in slug):
        raise CourseError("A slug uses lower-case letters, digits and dashes.")
    if len(slug) > SLUG_MAX:
        raise CourseError(f"A slug has at most {SLUG_MAX} characters.")
    if get_course(slug):
        raise CourseError(f"A course with slug {slug!r} exists already.")
    if not (title or "").strip():
        raise CourseError("A course needs a title.")
    title = clean_text(title, "The title", max_length=TITLE_MAX, required=True)
    description = clean_text(description, "The description", max_length=DESCRIPTION_MAX,
                             multiline=True)
    minor, currency = _price(price, currency)
    course = Course(
        slug=slug,
        title=title,
        description=description,
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
        course.title = clean_text(title, "The title", max_length=TITLE_MAX, required=True)
    if description is not None:
        course.description = clean_text(description, "The description",
                                        max_length=DESCRIPTION_MAX, multiline=True)
    if price is not None or currency is not None:
        new_currency = currency or course.currency
        if currency is not None:
            try:
                check_currency(currency)
            except ValueError as exc:
                raise CourseError(str(exc)) from None
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


def courses_with_lesson_counts():
    """[(course, number of lessons)] for every course, active first, then by title."""
    counts = (select(Lesson.course_id, func.count().label("n"))
              .group_by(Lesson.course_id).subquery())
    rows = db.session.execute(
        select(Course, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.course_id == Course.id)
        .order_by(Course.active.desc(), Course.title, Course.id)
    ).all()
    return [(course, int(n)) for course, n in rows]


def archive_course(slug):
    """Take a course off sale. Its orders, receipts and buyers' access stay."""
    return update_course(slug, active=False)


def restore_course(slug):
    """Put an archived course back on sale."""
    return update_course(slug, active=True)


DEMO_COURSES = [
    ("python-jumpstart", "Python Jumpstart", "69.00", "usd",
     "From zero to writing useful Python scripts in a weekend."),
    ("flask-in-production", "Flask in Production", "129.00", "usd",
     "Factories, blueprints, migrations, deployment and monitoring."),
    ("sql-for-analysts", "SQL for Analysts", "49.00", "eur",
     "Joins, window functions and reports your team will trust."),
    ("nihongo-for-developers", "Japanese for Developers", "5000", "jpy",
     "Read Japanese docs and error messages. Priced in Japanese yen."),
    ("payments-engineering", "Payments Engineering", "199.00", "gbp",
     "Idempotency, webhooks, refunds and reconciliation done right."),
]  # fmt: skip


def seed_demo():
    """Add the demo courses that are missing; return how many were added.

    Demo courses without lessons get their demo lessons too (see seed_demo_lessons).
    """
    added = 0
    for slug, title, price, currency, description in DEMO_COURSES:
        if get_course(slug) is None:
            add_course(slug=slug, title=title, price=price, currency=currency,
                       description=description)
            added += 1
    seed_demo_lessons()
    return added


def seed_demo_lessons():
    """Give each demo course that has no lessons yet its demo lessons; return how many."""
    from app.catalog.demo_lessons import DEMO_LESSONS
    from app.catalog.lessons import add_lesson, lessons_of

    added = 0
    for slug, lessons in DEMO_LESSONS.items():
        course = get_course(slug)
        if course is None or lessons_of(course):
            continue
        for title, body, video_url, download_url in lessons:
            add_lesson(course, title=title, body=textwrap.dedent(body).strip() + "\n",
                       video_url=video_url, download_url=download_url)
            added += 1
    return added
