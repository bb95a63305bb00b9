"""Catalog pages."""

from flask import abort, render_template, session

from app.catalog import bp
from app.catalog.services import active_courses, get_active_course
from app.checkout.forms import CheckoutForm


@bp.get("/")
def list_courses():
    """The catalog of active courses."""
    return render_template("catalog/list.html", courses=active_courses())


@bp.get("/courses/<slug>")
def show_course(slug):
    """A course page with its checkout form."""
    course = get_active_course(slug)
    if course is None:
        abort(404, description="There is no such course, or it is no longer on sale.")
    form = CheckoutForm()
    form.stripeEmail.data = form.stripeEmail.data or session.pop("checkout_email", None)
    return render_template("catalog/course.html", course=course, form=form)
