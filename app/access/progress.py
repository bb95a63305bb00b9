"""Buyers' progress through a course: which lessons they have opened, and where to go on.

Opening a lesson is one statement (an upsert on the unique buyer-and-lesson pair): the
first visit inserts the row, later ones move its `last_opened_at`, and two tabs opening
the same lesson at once leave one row.
"""

from dataclasses import dataclass

from sqlalchemy import and_, select

from app.extensions import db
from app.models import Lesson, LessonProgress
from app.models._time import as_utc, utcnow
from app.models._unique import insert_or_update


@dataclass(frozen=True)
class Progress:
    """How far a buyer is in one course."""

    opened: int
    total: int
    #: The lesson opened most recently (its place and title), or None.
    last_position: int | None = None
    last_title: str | None = None

    @property
    def started(self):
        return self.last_position is not None


def record_opened(*, buyer_id, lesson):
    """Note that the buyer opened this lesson now (one statement; commit is the caller's)."""
    now = utcnow()
    insert_or_update(LessonProgress, conflict=("buyer_id", "lesson_id"),
                     update=("last_opened_at",), buyer_id=buyer_id,
                     course_id=lesson.course_id, lesson_id=lesson.id,
                     first_opened_at=now, last_opened_at=now)


def progress_by_course(buyer_id, course_ids):
    """{course id: Progress} for these courses (every id present, maybe with 0 opened)."""
    course_ids = list(course_ids)
    if not course_ids:
        return {}
    rows = db.session.execute(  # every lesson, with this buyer's progress if opened
        select(Lesson.course_id, Lesson.position, Lesson.title,
               LessonProgress.last_opened_at, LessonProgress.id.label("progress_id"))
        .outerjoin(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id,
                                        LessonProgress.buyer_id == buyer_id))
        .where(Lesson.course_id.in_(course_ids))).all()
    found = {}
    for course_id in course_ids:
        lessons = [row for row in rows if row.course_id == course_id]
        mine = sorted((row for row in lessons if row.progress_id is not None),
                      key=lambda row: (as_utc(row.last_opened_at), row.progress_id),
                      reverse=True)
        last = mine[0] if mine else None
        found[course_id] = Progress(
            opened=len(mine), total=len(lessons),
            last_position=last.position if last else None,
            last_title=last.title if last else None)
    return found


def progress_in(buyer_id, course_id):
    """The buyer's Progress in one course."""
    return progress_by_course(buyer_id, [course_id])[course_id]
