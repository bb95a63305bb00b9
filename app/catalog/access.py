"""Who may read a course's lessons: the one seam between the catalog and buyer access.

The syllabus (lesson titles) is public; lesson bodies are for buyers with access and for
the store's admins (who preview what they sell).
"""

from flask_login import current_user

from app.access import has_access
from app.account.session import current_buyer
from app.models import AdminUser


def buyer_has_access(course):
    """Whether the buyer signed in on this request holds active access to `course`.

    The signed-in buyer's active Access row for `course.id` (see app/access). Archived
    courses still count: their buyers keep access.
    """
    buyer = current_buyer()
    return buyer is not None and course is not None and has_access(buyer.id, course.id)


def is_admin():
    """A signed-in store admin (not any other kind of signed-in user)."""
    return isinstance(current_user._get_current_object(), AdminUser)


def can_view_lessons(course):
    """Whether this request may see the bodies of `course`'s lessons."""
    return is_admin() or buyer_has_access(course)
