"""Catalog pages."""

from flask import abort, render_template, request, session

from app.account.session import email_for_checkout
from app.catalog import bp
from app.catalog.access import can_view_lessons, is_admin
from app.catalog.lessons import lesson_at, lessons_of
from app.catalog.markdown import render_markdown
from app.catalog.services import active_courses, get_course
from app.checkout.forms import CheckoutForm
from app.checkout.pause import pause_message, pause_seconds
from app.checkout.saved_cards import one_click_card

NOT_ON_SALE = "There is no such course, or it is no longer on sale."


def _course_or_404(slug):
    """A course on sale, or an archived one to a visitor who may read its lessons."""
    course = get_course(slug)
    if course is None or not (course.active or can_view_lessons(course)):
        abort(404, description=NOT_ON_SALE)
    return course


@bp.get("/")
def list_courses():
    """The catalog of active courses."""
    return render_template("catalog/list.html", courses=active_courses())


@bp.get("/courses/<slug>")
def show_course(slug):
    """A course page: the syllabus for everyone, the checkout form while on sale."""
    course = _course_or_404(slug)
    form = CheckoutForm()
    form.stripeEmail.data = (form.stripeEmail.data or session.pop("checkout_email", None)
                             or email_for_checkout(course))  # a signed-in buyer's
    paused = pause_seconds(request.remote_addr) if course.active else 0
    skip = session.pop("skip_one_click", None) == slug  # just declined: the card form
    return render_template("catalog/course.html", course=course, form=form,
                           lessons=lessons_of(course), can_view=can_view_lessons(course),
                           paused_message=pause_message(paused) if paused else None,
                           one_click=None if skip or paused else one_click_card(course))


@bp.get("/courses/<slug>/lessons/<id:position>")
def show_lesson(slug, position):
    """One lesson, for buyers with access; others are told how to get it (403)."""
    course = _course_or_404(slug)
    lessons = lessons_of(course)
    lesson = lesson_at(course, position)
    if lesson is None:
        abort(404, description=f"{course.title} has no lesson {position}.")
    if not can_view_lessons(course):
        return render_template("catalog/lesson_locked.html", course=course, lesson=lesson,
                               lessons=lessons), 403
    return render_template("catalog/lesson.html", course=course, lesson=lesson,
                           lessons=lessons, body=render_markdown(lesson.body),
                           admin_preview=is_admin())


@bp.app_context_processor
def _syllabus_helpers():
    """Let any page that renders a course page (e.g. checkout's 400) build its syllabus."""
    return {"lessons_of": lessons_of, "can_view_lessons": can_view_lessons}
