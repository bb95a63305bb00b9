"""The catalog admin in Chromium: create a course, write two lessons, reorder them, and
see the syllabus on the public course page."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, live_server):
    page.goto(f"{live_server}/admin/courses")
    page.wait_for_url(re.compile(r"/admin/login"))
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/courses$"))


def _add_lesson(page, title, body, video=""):
    page.click("[data-testid=new-lesson]")
    page.fill("input[name=title]", title)
    page.fill("textarea[name=body]", body)
    page.fill("input[name=video_url]", video)
    page.click("[data-testid=save-lesson]")
    expect(page.locator(".flash-success")).to_contain_text(f": {title}.")


def test_create_a_course_with_two_lessons_reorder_and_see_the_syllabus(
        page, browser, live_server, admin_account, tmp_path):
    """Admin: new course → two lessons (one previewed first) → move the second up.
    A visitor then sees both titles in the new order, the count and no lesson text."""
    _sign_in(page, live_server)
    page.click("[data-testid=new-course]")
    page.fill("input[name=slug]", "docker-basics")
    page.fill("input[name=title]", "Docker Basics")
    page.fill("textarea[name=description]", "Images, containers and compose files.")
    page.fill("input[name=price]", "0.10")
    page.select_option("select[name=currency]", "eur")
    page.click("[data-testid=save-course]")
    expect(page.locator("[data-testid=error-price]")).to_have_text(
        "Error: The price must be at least €0.50.")
    expect(page.locator("[data-testid=form-error]")).to_contain_text(
        "Price: The price must be at least €0.50.")
    page.fill("input[name=price]", "39.00")
    page.click("[data-testid=save-course]")
    expect(page.locator(".flash-success")).to_contain_text("Created Docker Basics as a draft")
    expect(page.locator("[data-testid=course-state]")).to_have_text("draft")
    page.click("[data-testid=publish]")
    expect(page.locator(".flash-success")).to_contain_text("Published Docker Basics")
    expect(page.locator("[data-testid=course-state]")).to_have_text("on sale")

    page.click("[data-testid=new-lesson]")
    page.fill("input[name=title]", "Images and containers")
    page.fill("textarea[name=body]", "## Pull an image\n\n```bash\ndocker pull python:3.12\n"
                                     "```\n\n<script>document.title='owned'</script>\n\n"
                                     "- run\n- stop")
    page.click("[data-testid=preview]")
    preview = page.locator("[data-testid=preview-pane]")
    expect(preview.locator("h2", has_text="Pull an image")).to_be_visible()
    expect(preview.locator("pre code")).to_contain_text("docker pull python:3.12")
    expect(preview.locator("script")).to_have_count(0)
    assert "owned" not in page.title()
    page.screenshot(path=tmp_path / "1-lesson-preview.png", full_page=True)
    page.click("[data-testid=save-lesson]")
    expect(page.locator(".flash-success")).to_contain_text("Added lesson 1")
    _add_lesson(page, "Compose files", "## Services\n\nOne file, many containers.",
                video="https://videos.example/compose")

    rows = page.locator("table.lessons tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Images and containers")
    expect(rows.nth(0).locator("[data-testid=move-up]")).to_be_disabled()
    rows.nth(1).locator("[data-testid=move-up]").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Moved “Compose files” to place 1.")
    expect(rows.nth(0)).to_contain_text("Compose files")
    expect(rows.nth(1)).to_contain_text("Images and containers")
    page.screenshot(path=tmp_path / "2-admin-course.png", full_page=True)

    visitor = browser.new_context()
    try:
        public = visitor.new_page()
        public.goto(f"{live_server}/courses/docker-basics")
        syllabus = public.locator("[data-testid=syllabus]")
        expect(syllabus.locator("[data-testid=lesson-count]")).to_have_text("2 lessons")
        expect(syllabus.locator("li")).to_have_text(["Compose files video",
                                                     "Images and containers"])
        expect(public.locator("[data-testid=locked-note]")).to_have_text(
            "Buy this course to open the lessons.")
        expect(public.locator("#pay-button")).to_have_text("Pay €39.00")
        assert "docker pull" not in public.content()
        public.screenshot(path=tmp_path / "3-public-course.png", full_page=True)
        response = public.goto(f"{live_server}/courses/docker-basics/lessons/1")
        assert response.status == 403
        expect(public.locator("[data-testid=lesson-locked] h1")).to_have_text("Compose files")
        public.click("[data-testid=buy-link]")
        public.wait_for_url(re.compile(r"/courses/docker-basics#checkout$"))
    finally:
        visitor.close()

    page.goto(f"{live_server}/courses/docker-basics/lessons/2")
    body = page.locator("[data-testid=lesson-body]")
    expect(body.locator("h2")).to_have_text("Pull an image")
    expect(body.locator("script")).to_have_count(0)
    page.screenshot(path=tmp_path / "4-lesson-admin-preview.png", full_page=True)


def test_demo_lessons_fit_a_phone_without_sideways_scrolling(page, live_server, app,
                                                             admin_account):
    """Every demo lesson (code blocks included) fits 390 px: no horizontal scroll."""
    from sqlalchemy import select

    from app.catalog.services import seed_demo
    from app.extensions import db
    from app.models import Course, Lesson

    with app.app_context():
        seed_demo()
        paths = [f"/courses/{slug}/lessons/{position}" for slug, position in db.session.execute(
            select(Course.slug, Lesson.position).join(Course, Lesson.course_id == Course.id))]
    assert paths
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server)  # the admin previews lessons
    for path in paths:
        page.goto(f"{live_server}{path}")
        expect(page.locator("[data-testid=lesson]")).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
