"""Who may read a course's lessons: the one seam between the catalog and buyer access.

The syllabus (lesson titles) is public; lesson bodies are for buyers with access and for
the store's admins (who preview what they sell). `buyer_has_access` is the single
function buyer sign-in and fulfilment replace: it answers for the visitor of the
current request.
"""

from flask_login import current_user

from app.models import AdminUser


def buyer_has_access(course):
    """Whether the buyer signed in on this request holds access to `course`.

    The signed-in buyer's active Access row for `course.id` (see app/access). Archived
    courses still count: their buyers keep access.
    """
    from app.access import buyer_has_access as signed_in_buyer_has_access

    return signed_in_buyer_has_access(course)


def is_admin():
    """A signed-in store admin (not any other kind of signed-in user)."""
    return isinstance(current_user._get_current_object(), AdminUser)


def can_view_lessons(course):
    """Whether this request may see the bodies of `course`'s lessons."""
    return is_admin() or buyer_has_access(course)
