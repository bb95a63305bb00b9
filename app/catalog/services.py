"""Reading and changing the course catalog."""

import functools
import textwrap

from sqlalchemy import bindparam, event, func, select
from sqlalchemy.orm import Session

from app.caching import forget_shared_pages
from app.catalog.validation import CourseError, CourseFormError, clean_text
from app.extensions import db
from app.models import Course, Lesson
from app.models.course import TEACHER_NAME_MAX
from app.money import check_chargeable, check_currency, to_minor

__all__ = ["CourseError", "CourseFormError"]

SLUG_MAX = 80
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
BIO_MAX = 1000
POINTS_MAX = 12
POINT_MAX = 200


@event.listens_for(Session, "after_flush")
def _note_catalog_change(session, _context):
    if any(isinstance(row, (Course, Lesson)) for row in (*session.new, *session.dirty,
                                                          *session.deleted)):
        session.info["catalog_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_catalog_pages(session):
    """A course or lesson added or changed in this process: the catalog and the course
    pages are rendered again at once (app/caching.py; other processes within
    CATALOG_CACHE_SECONDS)."""
    if session.info.pop("catalog_changed", False):
        forget_shared_pages()


@event.listens_for(Session, "after_rollback")
def _drop_catalog_change(session):
    session.info.pop("catalog_changed", None)


def active_courses():
    """The courses on sale (published and not archived), by title."""
    return db.session.scalars(
        select(Course).where(Course.active.is_(True), Course.published.is_(True))
        .order_by(Course.title)
    ).all()


def get_active_course(slug):
    """The course on sale (published and not archived) with this slug, or None: every
    checkout of every payment flow finds its course here, so a draft cannot be bought."""
    return db.session.scalar(_active_course_statement(), {"slug": slug})


@functools.cache
def _active_course_statement():
    """`get_active_course`'s statement, built once per process (the slug bound at each
    call)."""
    return select(Course).where(Course.slug == bindparam("slug"), Course.active.is_(True),
                                Course.published.is_(True))


def get_course(slug):
    """Any course (draft, on sale or archived) with this slug, or None."""
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


def _check_slug(slug):
    slug = (slug or "").strip().lower() if isinstance(slug, str) else ""
    if not slug or not all(c in SLUG_CHARACTERS for c in slug):
        raise CourseError("A slug uses lower-case letters, digits and dashes.")
    if len(slug) > SLUG_MAX:
        raise CourseError(f"A slug has at most {SLUG_MAX} characters.")
    if get_course(slug):
        raise CourseError(f"A course with slug {slug!r} exists already.")
    return slug


def _check_title(title):
    if not isinstance(title, str) or not title.strip():
        raise CourseError("A course needs a title.")
    return clean_text(title, "The title", max_length=TITLE_MAX, required=True)


def _check_points(text):
    """One "what you will learn" point per line: blank lines dropped, each point short."""
    text = clean_text(text, "What you will learn", max_length=POINTS_MAX * (POINT_MAX + 2),
                      multiline=True)
    points = [line.strip() for line in text.splitlines() if line.strip()]
    if len(points) > POINTS_MAX:
        raise CourseError(f"Write at most {POINTS_MAX} points ({len(points)} given).")
    for number, point in enumerate(points, start=1):
        if len(point) > POINT_MAX:
            raise CourseError(f"Point {number} is too long ({len(point)} characters; at "
                              f"most {POINT_MAX}).")
    return "\n".join(points)


def _check_fields(fields):
    """Check every given field; return the clean values, or raise CourseFormError
    naming every field that is wrong (not only the first)."""
    checks = {
        "slug": _check_slug,
        "title": _check_title,
        "description": lambda v: clean_text(v, "The description",
                                            max_length=DESCRIPTION_MAX, multiline=True),
        "teacher_name": lambda v: clean_text(v, "The teacher's name",
                                             max_length=TEACHER_NAME_MAX),
        "teacher_bio": lambda v: clean_text(v, "The teacher's bio", max_length=BIO_MAX,
                                            multiline=True),
        "learning_points": _check_points,
    }
    values, errors = {}, {}
    for name, value in fields.items():
        if name in checks and value is not None:
            try:
                values[name] = checks[name](value)
            except CourseError as exc:
                errors[name] = str(exc)
    price, currency = fields.get("price"), fields.get("currency")
    if price is not None or currency is not None:
        try:
            currency = check_currency(currency)
        except ValueError as exc:
            errors["currency"] = str(exc)
        else:
            if price is None:
                errors["price"] = "Give the price together with a new currency."
            else:
                try:
                    values["price_minor"], values["currency"] = _price(price, currency)
                except CourseError as exc:
                    errors["price"] = str(exc)
    if errors:
        raise CourseFormError(errors)
    return values


def add_course(*, slug, title, price, currency, description="", teacher_name="",
               teacher_bio="", learning_points="", published=True):
    """Create a course priced in the currency's unit ("69.00"); a draft when
    `published` is False (what the admin's New course form does)."""
    fields = dict(slug=slug, title=title, price=price, currency=currency,
                  description=description, teacher_name=teacher_name,
                  teacher_bio=teacher_bio, learning_points=learning_points)
    # Every field of a new course is checked: one left out counts as empty.
    values = _check_fields({name: "" if value is None else value
                            for name, value in fields.items()})
    course = Course(active=True, published=published, **values)
    db.session.add(course)
    db.session.commit()
    return course


def update_course(slug, *, title=None, price=None, currency=None, description=None,
                  teacher_name=None, teacher_bio=None, learning_points=None, active=None,
                  published=None):
    """Change a course's fields (None keeps one); a new price applies to orders placed
    after it. Every wrong field is reported at once (CourseFormError)."""
    course = get_course(slug)
    if course is None:
        raise CourseError(f"No course with slug {slug!r}.")
    if price is not None and currency is None:
        currency = course.currency
    values = _check_fields(dict(title=title, price=price, currency=currency,
                                description=description, teacher_name=teacher_name,
                                teacher_bio=teacher_bio, learning_points=learning_points))
    for name, value in values.items():
        setattr(course, name, value)
    if active is not None:
        course.active = active
    if published is not None:
        course.published = published
    db.session.commit()
    return course


def publish_course(slug):
    """Put a draft on sale: it appears in the catalog and can be bought."""
    return update_course(slug, published=True)


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


#: The demo courses' page fields: (teacher, bio, "what you will learn" points).
DEMO_PAGES = {
    "python-jumpstart": ("Maya Okafor", "Maya has taught Python to thousands of beginners "
                         "and still automates her own chores with it.",
                         "Install Python and run your first script\nVariables, lists, "
                         "loops and dictionaries\nWrite a script that renames your photos"),
    "flask-in-production": ("Tomás Reyes", "Tomás has run Flask services in production "
                            "for a decade.", "Application factories and blueprints\n"
                            "Migrations you can trust\nDeploying behind a reverse proxy"),
    "sql-for-analysts": ("Priya Raman", "Priya designs reporting databases for finance "
                         "teams.", "SELECT, WHERE and ORDER BY\nJoins without surprises\n"
                         "Window functions for running totals"),
    "nihongo-for-developers": ("Aiko Tanaka", "Aiko reads Japanese manuals for "
                               "a living.", "Katakana in error messages\nThe kanji of "
                               "every manual\nAsking a question on a Japanese forum"),
    "payments-engineering": ("Lena Fischer", "Lena has built payment systems that "
                             "never charge twice.", "Idempotency keys\nWebhooks you can "
                             "trust\nRefunds and reconciliation"),
}


def seed_demo():
    """Add the demo courses that are missing (published, with their page fields);
    return how many were added.

    Demo courses without lessons get their demo lessons too (see seed_demo_lessons).
    """
    added = 0
    for slug, title, price, currency, description in DEMO_COURSES:
        if get_course(slug) is None:
            teacher, bio, points = DEMO_PAGES.get(slug, ("", "", ""))
            add_course(slug=slug, title=title, price=price, currency=currency,
                       description=description, teacher_name=teacher, teacher_bio=bio,
                       learning_points=points)
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
        for number, (title, body, video_url, download_url) in enumerate(lessons):
            add_lesson(course, title=title, body=textwrap.dedent(body).strip() + "\n",
                       video_url=video_url, download_url=download_url,
                       free_preview=number == 0)  # the first lesson is a free preview
            added += 1
    return added
