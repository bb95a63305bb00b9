"""Admin catalog pages: courses (create, edit, price, archive, restore) and their lessons
(create, edit with preview, reorder, delete). Thin views over app.catalog's services."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from app.admin import bp
from app.admin.auth import admin_required
from app.admin.catalog_forms import (
    ArchiveForm,
    ConfirmForm,
    CourseForm,
    DeleteLessonForm,
    LessonForm,
    MoveLessonForm,
)
from app.catalog import lessons as lesson_service
from app.catalog.markdown import render_markdown
from app.catalog.services import (
    CourseError,
    add_course,
    archive_course,
    courses_with_lesson_counts,
    get_course,
    restore_course,
    update_course,
)
from app.extensions import db
from app.money import decimal_string


def _course_or_404(slug):
    course = get_course(slug)
    if course is None:
        abort(404, description=f"There is no course {slug!r}.")
    return course


def _lesson_or_404(course, lesson_id):
    lesson = lesson_service.lesson_by_id(course, lesson_id)
    if lesson is None:
        abort(404, description=f"{course.title} has no such lesson (was it deleted?).")
    return lesson


def _form_errors(form):
    """The first message of each invalid field, as one line."""
    return " ".join(errors[0] for errors in form.errors.values() if errors)


@bp.get("/courses")
@admin_required
def courses():
    """Every course, active and archived, with its price and number of lessons."""
    return render_template("admin/courses.html", rows=courses_with_lesson_counts())


@bp.route("/courses/new", methods=["GET", "POST"])
@admin_required
def new_course():
    """Create a course; it goes on sale at once."""
    form = CourseForm()
    if request.method == "GET":
        form.currency.data = current_app.config["STORE_CURRENCY"]
        return render_template("admin/course_new.html", form=form, error=None)
    error = None if form.validate() else _form_errors(form)
    if error is None:
        try:
            course = add_course(slug=form.slug.data, title=form.title.data,
                                price=form.price.data, currency=form.currency.data,
                                description=form.description.data)
        except CourseError as exc:
            db.session.rollback()
            error = str(exc)
    if error:
        return render_template("admin/course_new.html", form=form, error=error), 400
    flash(f"Created {course.title}. It is on sale now; add its lessons below.", "success")
    return redirect(url_for("admin.edit_course", slug=course.slug))


def _render_course(course, form, error=None, status=200):
    return render_template(
        "admin/course_edit.html", course=course, form=form, error=error,
        lessons=lesson_service.lessons_of(course), confirm_form=ConfirmForm(),
        archive_form=ArchiveForm(formdata=None),
        move_form=MoveLessonForm(formdata=None),
    ), status


@bp.route("/courses/<slug>", methods=["GET", "POST"])
@admin_required
def edit_course(slug):
    """Change a course's title, description, price and currency; list its lessons."""
    course = _course_or_404(slug)
    if request.method == "GET":
        form = CourseForm(formdata=None, obj=course,
                          price=decimal_string(course.price_minor, course.currency))
        return _render_course(course, form)
    form = CourseForm()
    error = None if form.validate() else _form_errors(form)
    if error is None:
        try:
            update_course(slug, title=form.title.data, description=form.description.data,
                          price=form.price.data, currency=form.currency.data)
        except CourseError as exc:
            db.session.rollback()
            error = str(exc)
    if error:
        return _render_course(_course_or_404(slug), form, error, 400)
    flash(f"Saved {course.title}.", "success")
    return redirect(url_for("admin.edit_course", slug=slug))


def _set_active(slug, change, message, form_class=None):
    course = _course_or_404(slug)
    form = (form_class or ConfirmForm)()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400, description="The form has expired; reload the page and try again.")
        edit = CourseForm(formdata=None, obj=course,
                          price=decimal_string(course.price_minor, course.currency))
        return _render_course(course, edit, " ".join(m[0] for m in form.errors.values()),
                              400)
    change(course.slug)
    flash(message.format(title=course.title), "success")
    return redirect(url_for("admin.edit_course", slug=slug))


@bp.post("/courses/<slug>/archive")
@admin_required
def archive_course_view(slug):
    """Take a course off sale; its buyers keep their access and receipts."""
    return _set_active(slug, archive_course, "Archived {title}: it is no longer on sale. "
                       "Its buyers keep their access and receipts.", ArchiveForm)


@bp.post("/courses/<slug>/restore")
@admin_required
def restore_course_view(slug):
    """Put an archived course back on sale."""
    return _set_active(slug, restore_course, "Restored {title}: it is on sale again.")


def _lesson_page(course, form, *, lesson=None, preview=None, error=None, status=200):
    return render_template(
        "admin/lesson_form.html", course=course, form=form, lesson=lesson,
        preview=preview, error=error,
        delete_form=DeleteLessonForm(formdata=None, position=lesson.position)
        if lesson else None,
    ), status


def _checked(form):
    """(LessonFields, None) or (None, message) for the submitted lesson form."""
    if not form.validate():
        return None, _form_errors(form)
    try:
        return lesson_service.check_fields(
            title=form.title.data, body=form.body.data, video_url=form.video_url.data,
            download_url=form.download_url.data), None
    except CourseError as exc:
        return None, str(exc)


@bp.route("/courses/<slug>/lessons/new", methods=["GET", "POST"])
@admin_required
def new_lesson(slug):
    """Write a new lesson (appended to the syllabus), with a preview before saving."""
    course = _course_or_404(slug)
    form = LessonForm()
    if request.method == "GET":
        return _lesson_page(course, form)
    fields, error = _checked(form)
    if error:
        return _lesson_page(course, form, error=error, status=400)
    if "preview" in request.form:
        return _lesson_page(course, form, preview=render_markdown(fields.body))
    lesson = lesson_service.add_lesson(course, title=fields.title, body=fields.body,
                                       video_url=fields.video_url,
                                       download_url=fields.download_url)
    flash(f"Added lesson {lesson.position}: {lesson.title}.", "success")
    return redirect(url_for("admin.edit_course", slug=slug))


@bp.route("/courses/<slug>/lessons/<id:lesson_id>", methods=["GET", "POST"])
@admin_required
def edit_lesson(slug, lesson_id):
    """Change a lesson, with a preview before saving."""
    course = _course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_id)
    if request.method == "GET":
        return _lesson_page(course, LessonForm(formdata=None, obj=lesson), lesson=lesson)
    form = LessonForm()
    fields, error = _checked(form)
    if error:
        return _lesson_page(course, form, lesson=lesson, error=error, status=400)
    if "preview" in request.form:
        return _lesson_page(course, form, lesson=lesson, preview=render_markdown(fields.body))
    try:
        lesson_service.update_lesson(lesson, title=fields.title, body=fields.body,
                                     video_url=fields.video_url or "",
                                     download_url=fields.download_url or "")
    except CourseError as exc:
        return _lesson_page(course, form, error=str(exc), status=409)
    flash(f"Saved lesson {lesson.position}: {lesson.title}.", "success")
    return redirect(url_for("admin.edit_course", slug=slug))


@bp.post("/courses/<slug>/lessons/<id:lesson_id>/move")
@admin_required
def move_lesson(slug, lesson_id):
    """Move a lesson one place up or down (once per rendered button)."""
    course = _course_or_404(slug)
    form = MoveLessonForm()
    if not form.validate():
        abort(400, description=_form_errors(form) or "The form is incomplete.")
    position = form.position.data
    step = -1 if form.direction.data == "up" else 1
    try:
        lesson = lesson_service.move_lesson(course, lesson_id, position + step,
                                            expected_position=position)
    except lesson_service.StaleLessonError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("admin.edit_course", slug=slug))
    except CourseError as exc:
        abort(400, description=str(exc))
    flash(f"Moved “{lesson.title}” to place {lesson.position}.", "success")
    return redirect(url_for("admin.edit_course", slug=slug, _anchor="lessons"))


@bp.post("/courses/<slug>/lessons/<id:lesson_id>/delete")
@admin_required
def delete_lesson(slug, lesson_id):
    """Delete a lesson (after a ticked confirmation) and renumber the rest."""
    course = _course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_id)
    form = DeleteLessonForm()
    if not form.validate():
        return _lesson_page(course, LessonForm(formdata=None, obj=lesson), lesson=lesson,
                            error=_form_errors(form), status=400)
    try:
        title = lesson_service.remove_lesson(course, lesson_id,
                                             expected_position=form.position.data)
    except CourseError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("admin.edit_course", slug=slug))
    flash(f"Deleted lesson “{title}”; the lessons after it moved up.", "success")
    return redirect(url_for("admin.edit_course", slug=slug))
