"""The templates' `url_for` keeps the URLs it built, and gives what Flask's gives: per
script root, per value (and its type), external URLs and anchors built every time."""

from flask import render_template_string, url_for

TEMPLATE = ("{{ url_for('static', filename='css/site.css') }} "
            "{{ url_for('catalog.show_course', slug=slug) }} "
            "{{ url_for('catalog.list_courses', _external=True) }} "
            "{{ url_for('catalog.show_course', slug=slug, _anchor='checkout') }}")


def _render(app, slug, **environ):
    with app.test_request_context("/", **environ):
        page = render_template_string(TEMPLATE, slug=slug)
        expected = " ".join([
            url_for("static", filename="css/site.css"),
            url_for("catalog.show_course", slug=slug),
            url_for("catalog.list_courses", _external=True),
            url_for("catalog.show_course", slug=slug, _anchor="checkout")])
    return page, expected


def test_kept_urls_are_the_urls_flask_builds(app):
    kept = app.extensions["template_urls"]
    kept.clear()
    for _ in range(2):  # built, then kept
        for slug in ("python", "go"):
            page, expected = _render(app, slug)
            assert page == expected
            assert f"/courses/{slug}" in page
    assert len(kept) == 3  # the stylesheet and two course pages; not the others


def test_another_script_root_or_host_gets_its_own_urls(app):
    app.extensions["template_urls"].clear()
    plain, _ = _render(app, "python")
    mounted, expected = _render(app, "python", base_url="http://shop.example/store/")
    assert mounted == expected
    assert "/store/static/css/site.css" in mounted and "/store/courses/python" in mounted
    assert "http://shop.example/store/" in mounted
    assert "/store/" not in plain


def test_a_value_of_another_type_is_another_url(app):
    app.extensions["template_urls"].clear()
    with app.test_request_context("/"):
        one = render_template_string("{{ url_for('catalog.list_courses', page=1) }}")
        true = render_template_string("{{ url_for('catalog.list_courses', page=True) }}")
    assert one.endswith("page=1") and true.endswith("page=True")
