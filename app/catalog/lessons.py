"""A course's lessons: add, change, reorder and remove them, always numbered 1..n.

Every change that touches positions first takes a write lock on the course row (an
UPDATE of its `updated_at`: a row lock on PostgreSQL, the write lock on SQLite), so
concurrent edits of one course's lessons run one after the other and the numbering
stays 1..n without gaps. The unique (course_id, position) constraint backs this up.
"""

from dataclasses import dataclass

from flask import g
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm.exc import StaleDataError

from app.catalog.markdown import image_problems
from app.catalog.validation import CourseError, clean_text, clean_url
from app.extensions import db
from app.models import Course, Lesson, LessonProgress
from app.models._time import utcnow
from app.models.lesson import TITLE_MAX, URL_MAX

BODY_MAX = 100_000
ID_MAX = 2**31 - 1  # the largest INTEGER on PostgreSQL


class LessonError(CourseError):
    """A lesson change that cannot be made; the message says why."""


class StaleLessonError(LessonError):
    """The lesson is no longer where the form that asked for the change saw it."""


@dataclass(frozen=True)
class LessonFields:
    """Checked lesson fields, ready to store (or to preview)."""

    title: str
    body: str
    video_url: str | None
    download_url: str | None
    free_preview: bool = False


def check_fields(*, title, body, video_url=None, download_url=None, free_preview=False):
    """Check what a seller typed; raise LessonError with the first problem (the body's
    pictures: https or uploaded here, each with alt text)."""
    try:
        fields = LessonFields(
            title=clean_text(title, "The lesson title", max_length=TITLE_MAX, required=True),
            body=clean_text(body, "The lesson body", max_length=BODY_MAX, multiline=True),
            video_url=clean_url(video_url, "The video link", max_length=URL_MAX),
            download_url=clean_url(download_url, "The download link", max_length=URL_MAX),
            free_preview=bool(free_preview),
        )
    except LessonError:
        raise
    except CourseError as exc:
        raise LessonError(str(exc)) from None
    problems = image_problems(fields.body)
    if problems:
        raise LessonError(" ".join(problems))
    return fields


def course_with_lessons(slug):
    """The course with this slug (any: draft, on sale, archived) or None, its lessons
    read in the same statement and kept for `lessons_of` (a course page's one query)."""
    rows = db.session.execute(
        select(Course, Lesson).outerjoin(Lesson, Lesson.course_id == Course.id)
        .where(Course.slug == slug).order_by(Lesson.position)
    ).all()
    if not rows:
        return None
    course = rows[0][0]
    g.setdefault("lessons_of", {})[course.id] = [
        lesson for _, lesson in rows if lesson is not None]
    return course


def lessons_of(course):
    """The course's lessons in syllabus order (read once per request: a page and its
    templates ask several times)."""
    read = g.setdefault("lessons_of", {})
    if course.id not in read:
        read[course.id] = db.session.scalars(
            select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
        ).all()
    return read[course.id]


def lesson_at(course, position):
    """The lesson at this place in the syllabus, or None."""
    return next((lesson for lesson in lessons_of(course) if lesson.position == position),
                None)


def lesson_by_id(course, lesson_id):
    """The course's lesson with this id, or None (a lesson of another course is None)."""
    if not isinstance(lesson_id, int) or not 0 < lesson_id <= ID_MAX:
        return None
    lesson = db.session.get(Lesson, lesson_id)
    return lesson if lesson is not None and lesson.course_id == course.id else None


def _lock(course):
    """Serialise changes to this course's lessons until the transaction ends."""
    g.pop("lessons_of", None)  # what this request read of the syllabus is about to change
    db.session.execute(update(Course).where(Course.id == course.id)
                       .values(updated_at=utcnow())
                       .execution_options(synchronize_session=False))


def _locked_lessons(course):
    _lock(course)
    return db.session.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
        .execution_options(populate_existing=True)
    ).all()


def _renumber(course, ordered):
    """Store positions 1..n in this order (via temporary positions above the old ones)."""
    if not ordered:
        return
    ids = [lesson.id for lesson in ordered]
    top = db.session.scalar(select(func.max(Lesson.position))
                            .where(Lesson.course_id == course.id)) or 0
    shift = top + len(ids)
    db.session.execute(update(Lesson).where(Lesson.id.in_(ids))
                       .values(position=Lesson.position + shift)
                       .execution_options(synchronize_session=False))
    for number, lesson_id in enumerate(ids, start=1):
        db.session.execute(update(Lesson).where(Lesson.id == lesson_id)
                           .values(position=number)
                           .execution_options(synchronize_session=False))


def add_lesson(course, *, title, body, video_url=None, download_url=None,
               free_preview=False):
    """Append a lesson to the course's syllabus (a free preview when asked)."""
    fields = check_fields(title=title, body=body, video_url=video_url,
                          download_url=download_url, free_preview=free_preview)
    existing = _locked_lessons(course)
    position = (existing[-1].position if existing else 0) + 1
    lesson = Lesson(course_id=course.id, position=position, title=fields.title,
                    body=fields.body, video_url=fields.video_url,
                    download_url=fields.download_url, free_preview=fields.free_preview)
    db.session.add(lesson)
    db.session.commit()
    return lesson


def update_lesson(lesson, *, title=None, body=None, video_url=None, download_url=None,
                  free_preview=None):
    """Change the given fields (None keeps a field; an empty link removes the link)."""
    fields = check_fields(
        title=lesson.title if title is None else title,
        body=lesson.body if body is None else body,
        video_url=lesson.video_url if video_url is None else video_url,
        download_url=lesson.download_url if download_url is None else download_url,
        free_preview=lesson.free_preview if free_preview is None else free_preview,
    )
    lesson.title, lesson.body = fields.title, fields.body
    lesson.free_preview = fields.free_preview
    lesson.video_url, lesson.download_url = fields.video_url, fields.download_url
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise LessonError("This lesson was removed meanwhile; nothing was saved.") from None
    return lesson


def _find(ordered, lesson_id, expected_position):
    for lesson in ordered:
        if lesson.id == lesson_id:
            if expected_position is not None and lesson.position != expected_position:
                raise StaleLessonError(
                    f"“{lesson.title}” moved to place {lesson.position} since the page was "
                    "loaded; nothing was changed. Check the order and try again.")
            return lesson
    raise LessonError("There is no such lesson in this course (was it removed?).")


def move_lesson(course, lesson_id, to_position, *, expected_position=None):
    """Put a lesson at place `to_position` (1..n), shifting the ones in between.

    With `expected_position`, refuse (StaleLessonError) when the lesson is no longer
    there: a double-clicked "move up" then moves the lesson once, not twice.
    """
    try:
        ordered = _locked_lessons(course)
        lesson = _find(ordered, lesson_id, expected_position)
        if not 1 <= to_position <= len(ordered):
            raise LessonError(f"A lesson's place is between 1 and {len(ordered)}; "
                              f"{to_position} is outside.")
        ordered.remove(lesson)
        ordered.insert(to_position - 1, lesson)
        _renumber(course, ordered)
        db.session.commit()
    except LessonError:
        db.session.rollback()
        raise
    db.session.refresh(lesson)
    return lesson


def remove_lesson(course, lesson_id, *, expected_position=None):
    """Delete a lesson and close the gap it leaves; return its title."""
    try:
        ordered = _locked_lessons(course)
        lesson = _find(ordered, lesson_id, expected_position)
        title = lesson.title
        ordered.remove(lesson)
        # Buyers' progress goes with the lesson (the foreign key cascades on PostgreSQL;
        # SQLite does not enforce it).
        db.session.execute(delete(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
        db.session.delete(lesson)
        db.session.flush()
        _renumber(course, ordered)
        db.session.commit()
    except LessonError:
        db.session.rollback()
        raise
    return title
