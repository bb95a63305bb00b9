"""Who may read a course's lessons: the one seam between the catalog and buyer access.

The syllabus (lesson titles) is public; lesson bodies are for buyers with access and for
the store's admins (who preview what they sell).
"""

from flask_login import current_user

from app.account.session import current_session
from app.models import AdminUser


def buyer_has_access(course):
    """Whether this browser's buyer session may use active access to `course`.

    The session's active Access row for `course.id` (see app/access); a session opened by
    paying counts only the access its own orders gave (app/account/session.py). Archived
    courses still count: their buyers keep access.
    """
    visit = current_session()
    return visit is not None and course is not None and visit.has_access(course)


def is_admin():
    """A signed-in store admin (not any other kind of signed-in user)."""
    return isinstance(current_user._get_current_object(), AdminUser)


def can_view_lessons(course):
    """Whether this request may see the bodies of `course`'s lessons."""
    return is_admin() or buyer_has_access(course)


def signed_in_as():
    """(email, proven) of this browser's buyer session, or None: what the locked-lesson
    page offers depends on it (buy, sign in as the buyer, or sign in at all)."""
    visit = current_session()
    return None if visit is None else (visit.buyer.email, visit.proven)
