"""Admin catalog pages: courses (create, edit, price, archive, restore) and their lessons
(create, edit with preview, reorder, delete). Thin views over app.catalog's services."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from app.admin import bp
from app.admin.auth import admin_required
from app.admin.catalog_forms import (
    ArchiveForm,
    ConfirmForm,
    CourseForm,
    CoverForm,
    DeleteLessonForm,
    LessonForm,
    MoveLessonForm,
)
from app.catalog import images
from app.catalog import lessons as lesson_service
from app.catalog.images import cover_sources
from app.catalog.markdown import render_markdown
from app.catalog.services import (
    CourseError,
    CourseFormError,
    add_course,
    archive_course,
    courses_with_lesson_counts,
    get_course,
    publish_course,
    restore_course,
    update_course,
)
from app.extensions import db
from app.money import decimal_string


def course_or_404(slug):
    """Any course (draft, on sale, archived) with this slug, or a 404."""
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


def field_errors(form, exc):
    """Put each of a CourseFormError's messages beside its field (the rest, if any,
    become the form's own error); return that form-level message or None."""
    stray = []
    for name, message in exc.errors.items():
        if name in form:
            form[name].errors = [message]
        else:
            stray.append(message)
    return " ".join(stray) or None


def csrf_error(form):
    """The form's expired-token message, or None (the only check the forms make: the
    rules are the catalog services', which report every field at once)."""
    form.validate()
    errors = form.errors.get("csrf_token")
    return errors[0] if errors else None


def _course_values(form):
    return dict(title=form.title.data, description=form.description.data,
                price=form.price.data, currency=form.currency.data,
                teacher_name=form.teacher_name.data, teacher_bio=form.teacher_bio.data,
                learning_points=form.learning_points.data)


@bp.route("/courses/new", methods=["GET", "POST"])
@admin_required
def new_course():
    """Create a course as a draft: only admins see it until it is published."""
    form = CourseForm()
    if request.method == "GET":
        form.currency.data = current_app.config["STORE_CURRENCY"]
        return render_template("admin/course_new.html", form=form, error=None)
    error = csrf_error(form)
    if error is None:
        try:
            course = add_course(slug=form.slug.data, published=False, **_course_values(form))
        except CourseFormError as exc:
            db.session.rollback()
            error = field_errors(form, exc) or ""
    if error is not None:
        return render_template("admin/course_new.html", form=form, error=error), 400
    flash(f"Created {course.title} as a draft: only admins see it. Add its lessons, then "
          "publish it to put it on sale.", "success")
    return redirect(url_for("admin.edit_course", slug=course.slug))


def render_course_page(course, form, error=None, status=200, cover_form=None):
    """The course's admin page: lessons, details form, cover, publish and archive."""
    return render_template(
        "admin/course_edit.html", course=course, form=form, error=error,
        lessons=lesson_service.lessons_of(course), confirm_form=ConfirmForm(),
        archive_form=ArchiveForm(formdata=None),
        move_form=MoveLessonForm(formdata=None),
        cover_form=cover_form or CoverForm(formdata=None, alt=course.cover_alt),
        cover=cover_sources(course),
    ), status


def filled_course_form(course):
    """The details form filled with the course as stored."""
    return CourseForm(formdata=None, obj=course,
                      price=decimal_string(course.price_minor, course.currency))


@bp.route("/courses/<slug>", methods=["GET", "POST"])
@admin_required
def edit_course(slug):
    """Change a course's details and price; list its lessons; its cover; publish."""
    course = course_or_404(slug)
    if request.method == "GET":
        return render_course_page(course, filled_course_form(course))
    form = CourseForm()
    error = csrf_error(form)
    if error is None:
        try:
            update_course(slug, **_course_values(form))
        except CourseFormError as exc:
            db.session.rollback()
            error = field_errors(form, exc) or ""
    if error is not None:
        return render_course_page(course_or_404(slug), form, error, 400)
    flash(f"Saved {course.title}.", "success")
    return redirect(url_for("admin.edit_course", slug=slug))


@bp.post("/courses/<slug>/publish")
@admin_required
def publish_course_view(slug):
    """Publish a draft: it appears in the catalog and can be bought."""
    return _set_active(slug, publish_course, "Published {title}: it is in the catalog and "
                       "on sale now.")


def _set_active(slug, change, message, form_class=None):
    course = course_or_404(slug)
    form = (form_class or ConfirmForm)()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400, description="The form has expired; reload the page and try again.")
        return render_course_page(course, filled_course_form(course),
                                  " ".join(m[0] for m in form.errors.values()), 400)
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


def _lesson_page(course, form, *, lesson=None, preview=None, error=None, status=200,
                 notice=None):
    return render_template(
        "admin/lesson_form.html", course=course, form=form, lesson=lesson,
        preview=preview, error=error, notice=notice,
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
            download_url=form.download_url.data, free_preview=form.free_preview.data), None
    except CourseError as exc:
        return None, str(exc)


def _markdown_alt(alt):
    return "".join("\\" + c if c in "[]\\" else c for c in alt)


def _add_picture(course, form, lesson=None):
    """"Add the picture": store the upload and put its Markdown at the end of the body
    (not saved yet); the form again, with the picture's error beside it if it failed."""
    if not form.validate():
        return _lesson_page(course, form, lesson=lesson, error=_form_errors(form),
                            status=400)
    upload = form.picture.data
    try:
        alt = images.check_alt(form.picture_alt.data, required=False)
        path = images.add_lesson_image(course, upload.read() if upload else b"")
    except CourseError as exc:
        db.session.rollback()
        form.picture.errors = [str(exc)]
        return _lesson_page(course, form, lesson=lesson, status=400)
    form.body.data = f"{(form.body.data or '').rstrip()}\n\n![{_markdown_alt(alt)}]({path})\n"
    form.picture_alt.data = ""
    return _lesson_page(course, form, lesson=lesson, preview=render_markdown(form.body.data),
                        notice="Added the picture at the end of the body. Move it where "
                               "it belongs, then save the lesson.")


@bp.route("/courses/<slug>/lessons/new", methods=["GET", "POST"])
@admin_required
def new_lesson(slug):
    """Write a new lesson (appended to the syllabus), with a preview before saving."""
    course = course_or_404(slug)
    form = LessonForm()
    if request.method == "GET":
        return _lesson_page(course, form)
    if "add_picture" in request.form:
        return _add_picture(course, form)
    fields, error = _checked(form)
    if error:
        return _lesson_page(course, form, error=error, status=400)
    if "preview" in request.form:
        return _lesson_page(course, form, preview=render_markdown(fields.body))
    lesson = lesson_service.add_lesson(course, title=fields.title, body=fields.body,
                                       video_url=fields.video_url,
                                       download_url=fields.download_url,
                                       free_preview=fields.free_preview)
    flash(f"Added lesson {lesson.position}: {lesson.title}.", "success")
    return redirect(url_for("admin.edit_course", slug=slug))


@bp.route("/courses/<slug>/lessons/<id:lesson_id>", methods=["GET", "POST"])
@admin_required
def edit_lesson(slug, lesson_id):
    """Change a lesson, with a preview before saving."""
    course = course_or_404(slug)
    lesson = _lesson_or_404(course, lesson_id)
    if request.method == "GET":
        return _lesson_page(course, LessonForm(formdata=None, obj=lesson), lesson=lesson)
    form = LessonForm()
    if "add_picture" in request.form:
        return _add_picture(course, form, lesson)
    fields, error = _checked(form)
    if error:
        return _lesson_page(course, form, lesson=lesson, error=error, status=400)
    if "preview" in request.form:
        return _lesson_page(course, form, lesson=lesson, preview=render_markdown(fields.body))
    try:
        lesson_service.update_lesson(lesson, title=fields.title, body=fields.body,
                                     video_url=fields.video_url or "",
                                     download_url=fields.download_url or "",
                                     free_preview=fields.free_preview)
    except CourseError as exc:
        return _lesson_page(course, form, error=str(exc), status=409)
    flash(f"Saved lesson {lesson.position}: {lesson.title}.", "success")
    return redirect(url_for("admin.edit_course", slug=slug))


@bp.post("/courses/<slug>/lessons/<id:lesson_id>/move")
@admin_required
def move_lesson(slug, lesson_id):
    """Move a lesson one place up or down (once per rendered button)."""
    course = course_or_404(slug)
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
    course = course_or_404(slug)
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
