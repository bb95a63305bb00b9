"""Who may read a course's lessons: the one seam between the catalog and buyer access.

The syllabus (lesson titles) is public; lesson bodies are for buyers with access and for
the store's admins (who preview what they sell).
"""

from flask_login import current_user

from app.access.progress import progress_in, record_opened
from app.account.session import current_session
from app.models import AdminUser
from app.models._unique import commit_keeping


def buyer_has_access(course):
    """Whether this browser's buyer session may use active access to `course`.

    The session's active Access row for `course.id` (see app/access); a session opened by
    paying counts only the access its own orders gave (app/account/session.py). Archived
    courses still count: their buyers keep access.
    """
    visit = current_session()
    return visit is not None and course is not None and visit.has_access(course)


def access_starts_at(course):
    """When this browser's buyer session's access to `course` begins, if it is held but
    has not started yet (an EU/EEA/UK purchase without consent to immediate access);
    else None."""
    visit = current_session()
    row = visit.held_access(course) if visit is not None and course is not None else None
    return row.starts_at if row is not None and not row.started else None


def is_admin():
    """A signed-in store admin (not any other kind of signed-in user)."""
    return isinstance(current_user._get_current_object(), AdminUser)


def can_view_lessons(course):
    """Whether this request may see the bodies of `course`'s lessons."""
    return is_admin() or buyer_has_access(course)


def can_see_course(course):
    """Whether this request may see the course at all: a draft only to admins."""
    return course is not None and (course.published or is_admin())


def can_open_lesson(course, lesson):
    """Whether this request may read this lesson: a free preview is open to anyone."""
    return lesson.free_preview or can_view_lessons(course)


def note_opened(lesson):
    """Record that this browser's buyer opened the lesson (their progress); nothing for
    a visitor or an admin without a buyer session."""
    visit = current_session()
    if visit is not None:
        record_opened(buyer_id=visit.buyer.id, lesson=lesson)
        commit_keeping()  # the page goes on with what it read: nothing to read again


def buyer_progress(course):
    """The buyer's Progress in `course` while they have access to it, else None."""
    visit = current_session()
    if visit is None or not visit.has_access(course):
        return None
    return progress_in(visit.buyer.id, course.id)


def signed_in_as():
    """(email, proven) of this browser's buyer session, or None: what the locked-lesson
    page offers depends on it (buy, sign in as the buyer, or sign in at all)."""
    visit = current_session()
    return None if visit is None else (visit.buyer.email, visit.proven)
