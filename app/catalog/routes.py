"""Catalog pages: the list of courses, a course's page, its lessons.

A course page shows the course and its syllabus; while the course is on sale it includes
the checkout's buy box (`templates/checkout/_buy_box.html`, filled by the checkout's
`checkout_box()` template helper), so the catalog knows nothing of payments.
"""

from flask import abort, redirect, render_template, url_for

from app.catalog import bp
from app.catalog.access import buyer_has_access, can_view_lessons, is_admin, signed_in_as
from app.catalog.lessons import lesson_at, lessons_of
from app.catalog.markdown import render_markdown
from app.catalog.services import active_courses, get_course

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
    """A course page: the syllabus for everyone, the checkout while on sale."""
    course = _course_or_404(slug)
    return render_template("catalog/course.html", course=course,
                           lessons=lessons_of(course), can_view=can_view_lessons(course))


@bp.get("/courses/<slug>/start")
def start_course(slug):
    """Where a buyer starts the course: its first lesson, or its page while it has none
    (the order confirmation's link leads here)."""
    course = _course_or_404(slug)
    lessons = lessons_of(course)
    if lessons:
        return redirect(url_for("catalog.show_lesson", slug=course.slug,
                                position=lessons[0].position))
    return redirect(url_for("catalog.show_course", slug=course.slug))


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
                               lessons=lessons, visitor=signed_in_as()), 403
    return render_template("catalog/lesson.html", course=course, lesson=lesson,
                           lessons=lessons, body=render_markdown(lesson.body),
                           admin_preview=is_admin())


@bp.app_context_processor
def _course_helpers():
    """Let any page that renders a course page (e.g. checkout's 400) build its syllabus,
    and say whether the signed-in buyer owns the course."""
    return {"lessons_of": lessons_of, "can_view_lessons": can_view_lessons,
            "owns_course": buyer_has_access}
