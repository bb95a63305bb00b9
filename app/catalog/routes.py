"""Catalog pages: the list of courses, a course's page, its lessons, stored images.

A course page shows the course and its syllabus; while the course is on sale it includes
the checkout's buy box (`templates/checkout/_buy_box.html`, filled by the checkout's
`checkout_box()` template helper), so the catalog knows nothing of payments. A draft is
seen by signed-in admins only (with a banner); to anyone else it does not exist.
"""

from flask import abort, make_response, redirect, render_template, url_for

from app.caching import shared_page, visitor_page
from app.catalog import bp
from app.catalog.access import (
    access_starts_at,
    buyer_has_access,
    buyer_progress,
    can_open_lesson,
    can_see_course,
    can_view_lessons,
    is_admin,
    note_opened,
    signed_in_as,
)
from app.catalog.images import cover_sources, find_image
from app.catalog.lessons import course_with_lessons, lesson_at, lessons_of
from app.catalog.markdown import render_markdown
from app.catalog.services import active_courses

NOT_ON_SALE = "There is no such course, or it is no longer on sale."
#: Stored images never change at their address (a new upload gets a new one).
CACHE_FOR_EVER = "public, max-age=31536000, immutable"


def _course_or_404(slug):
    """A course on sale, an archived one to a visitor who may read its lessons, and a
    draft to an admin."""
    course = course_with_lessons(slug)
    if not can_see_course(course) or not (course.active or can_view_lessons(course)):
        abort(404, description=NOT_ON_SALE)
    return course


@bp.get("/")
def list_courses():
    """The catalog of courses on sale (the same for everyone: cacheable, app/caching.py)."""
    def render():
        courses = active_courses()
        return render_template("catalog/list.html", courses=courses,
                               covers={c.id: cover_sources(c) for c in courses})

    return shared_page("catalog", render)


@bp.get("/courses/<slug>")
def show_course(slug):
    """A course page: cover, teacher, points and syllabus for everyone, the buyer's
    progress, the checkout while on sale."""
    def render():
        course = _course_or_404(slug)
        return render_template(
            "catalog/course.html", course=course, lessons=lessons_of(course),
            can_view=can_view_lessons(course), progress=buyer_progress(course),
            cover=cover_sources(course))

    # A new visitor's page rendered before is served without reading the course again.
    return visitor_page(("course", slug), render)


@bp.get("/courses/<slug>/start")
def start_course(slug):
    """Where a buyer starts or continues the course: the lesson they opened last, else
    the first one, or its page while it has none (the confirmation's link leads here)."""
    course = _course_or_404(slug)
    progress = buyer_progress(course)
    if progress is not None and progress.started:
        return redirect(url_for("catalog.show_lesson", slug=course.slug,
                                position=progress.last_position))
    lessons = lessons_of(course)
    if lessons:
        return redirect(url_for("catalog.show_lesson", slug=course.slug,
                                position=lessons[0].position))
    return redirect(url_for("catalog.show_course", slug=course.slug))


@bp.get("/courses/<slug>/lessons/<id:position>")
def show_lesson(slug, position):
    """One lesson, for buyers with access (and anyone for a free preview); others are
    told how to get it (403)."""
    course = _course_or_404(slug)
    lessons = lessons_of(course)
    lesson = lesson_at(course, position)
    if lesson is None:
        abort(404, description=f"{course.title} has no lesson {position}.")
    if not can_open_lesson(course, lesson):
        return render_template("catalog/lesson_locked.html", course=course, lesson=lesson,
                               lessons=lessons, visitor=signed_in_as()), 403
    note_opened(lesson)
    can_view = can_view_lessons(course)
    return render_template("catalog/lesson.html", course=course, lesson=lesson,
                           lessons=lessons, body=render_markdown(lesson.body),
                           admin_preview=is_admin(), can_view=can_view,
                           free_preview=not can_view)


@bp.get("/media/<key>-<id:width>.webp")
def image(key, width):
    """An uploaded image (a cover or a lesson's picture), cached for ever; a draft's
    images only to admins, and not cached."""
    stored, course = find_image(key, width)
    if stored is None or not can_see_course(course):
        abort(404, description="There is no such image.")
    response = make_response(stored.data)
    response.headers["Content-Type"] = stored.content_type
    response.headers["Cache-Control"] = (CACHE_FOR_EVER if course.published
                                         else "private, no-store")
    return response


@bp.app_context_processor
def _course_helpers():
    """Let any page that renders a course page (e.g. checkout's 400) build its syllabus,
    and say whether the signed-in buyer owns the course."""
    return {"lessons_of": lessons_of, "can_view_lessons": can_view_lessons,
            "owns_course": buyer_has_access, "access_starts_at": access_starts_at,
            "cover_sources": cover_sources, "buyer_progress": buyer_progress}
