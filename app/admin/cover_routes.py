"""Admin: a course's cover image (upload, change its alt text, remove). The pictures of
lessons are added from the lesson form (catalog_routes). Thin views over
app.catalog.images."""

from flask import abort, flash, redirect, url_for

from app.admin import bp
from app.admin.auth import admin_required
from app.admin.catalog_forms import ConfirmForm, CoverForm
from app.admin.catalog_routes import (
    course_or_404,
    csrf_error,
    field_errors,
    filled_course_form,
    render_course_page,
)
from app.catalog import images
from app.catalog.services import CourseError, CourseFormError
from app.extensions import db


@bp.post("/courses/<slug>/cover")
@admin_required
def upload_cover(slug):
    """Upload (or replace) the course's cover image, or change only its alt text."""
    course = course_or_404(slug)
    form = CoverForm()
    error = csrf_error(form)
    upload = form.file.data
    data = upload.read() if upload else b""
    if error is None:
        try:
            if not data and course.cover_key:
                images.set_cover_alt(course, form.alt.data)
            else:
                images.set_cover(course, data=data, alt=form.alt.data)
        except CourseFormError as exc:
            db.session.rollback()
            error = field_errors(form, exc) or ""
        except CourseError as exc:
            db.session.rollback()
            form.alt.errors, error = [str(exc)], ""
    if error is not None:
        return render_course_page(course, filled_course_form(course), error, 400, form)
    flash("Saved the cover image." if data else "Saved the cover's description.", "success")
    return redirect(url_for("admin.edit_course", slug=slug, _anchor="cover"))


@bp.post("/courses/<slug>/cover/remove")
@admin_required
def remove_cover(slug):
    """Delete the course's cover image."""
    course = course_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form has expired; reload the page and try again.")
    images.remove_cover(course)
    flash("Removed the cover image.", "success")
    return redirect(url_for("admin.edit_course", slug=slug, _anchor="cover"))
