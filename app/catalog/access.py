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

    Until buyer sign-in exists nobody is a signed-in buyer, so this says no. Replace the
    body (keep the signature): look up the signed-in buyer and their Access row for
    `course.id`. Archived courses still count: their buyers keep access.
    """
    return False


def is_admin():
    """A signed-in store admin (not any other kind of signed-in user)."""
    return isinstance(current_user._get_current_object(), AdminUser)


def can_view_lessons(course):
    """Whether this request may see the bodies of `course`'s lessons."""
    return is_admin() or buyer_has_access(course)
