"""A course page that sells, in Chromium at 390 and 1280 px: the cover (the width the
screen needs, from srcset), the teacher, what you will learn and the free preview; a
visitor opens the preview but not the others; a buyer's progress after two lessons; the
admin's course form with every error beside its field, the cover upload and publishing.
axe-core finds no serious violation on any of these pages. Screenshots go to
$AXE_SCREENSHOTS when it is set."""

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image as PILImage
from PIL import ImageDraw
from playwright.sync_api import expect

from app.catalog import images
from app.catalog.lessons import add_lesson
from app.catalog.services import add_course, get_course
from tests.browser_helpers import buy_in_browser
from tests.conftest import PHONE
from tests.helpers import serious_axe_violations

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = {"phone": PHONE, "laptop": {"width": 1280, "height": 800}}
SLUG = "python-jumpstart"


def cover_picture(size=(2400, 1200)):
    """A cover that looks like one: a gradient with a few shapes (a PNG's bytes)."""
    picture = PILImage.new("RGB", size)
    draw = ImageDraw.Draw(picture)
    for x in range(0, size[0], 8):
        shade = int(255 * x / size[0])
        draw.rectangle([x, 0, x + 8, size[1]], fill=(40 + shade // 3, 60, 200 - shade // 3))
    draw.rounded_rectangle([size[0] // 8, size[1] // 5, size[0] // 2, size[1] * 4 // 5],
                           radius=40, fill=(30, 35, 48))
    for row in range(6):
        y = size[1] // 5 + 80 + row * 110
        draw.rectangle([size[0] // 8 + 80, y, size[0] // 8 + 300 + row * 90, y + 40],
                       fill=(120, 220, 140) if row % 2 else (250, 200, 90))
    draw.ellipse([size[0] * 5 // 8, size[1] // 4, size[0] * 7 // 8, size[1] * 3 // 4],
                 fill=(255, 210, 70))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def selling(app, emulator_control):
    """Python Jumpstart with a cover, a teacher, points and three lessons, the first a
    free preview with an uploaded picture."""
    with app.app_context():
        course = add_course(
            slug=SLUG, title="Python Jumpstart", price="69.00", currency="usd",
            description="From zero to writing useful Python scripts in a weekend.",
            teacher_name="Ada Lovelace",
            teacher_bio="Ada has taught Python to 4,000 beginners and writes the "
                        "store's automation scripts.",
            learning_points="Install Python and run your first script\n"
                            "Variables, lists, loops and dictionaries\n"
                            "Read and rename files safely\n"
                            "Automate a chore you do every week")
        images.set_cover(course, data=cover_picture(),
                         alt="A code editor beside a yellow sun")
        picture = images.add_lesson_image(course, cover_picture((1600, 900)))
        add_lesson(course, title="Installing Python", free_preview=True,
                   body=f"## What you need\n\n![A terminal running hello.py]({picture})\n\n"
                        "Python 3.12 or newer.")
        add_lesson(course, title="Variables and numbers", body="PAID-BODY-2")
        add_lesson(course, title="Lists and loops", body="PAID-BODY-3")
    return SLUG


def _shot(page, name, width):
    """Wait for the page, take its screenshot (with $AXE_SCREENSHOTS), list axe's
    serious findings."""
    page.wait_for_load_state("networkidle")
    folder = os.environ.get("AXE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/course-page-{name}-{width}.png", full_page=True)
    return [f"{name} @ {width}: {line}" for line in serious_axe_violations(page)]


def _loaded(locator):
    """The image's decoded width and the address the browser chose from srcset."""
    return locator.evaluate("img => [img.complete && img.naturalWidth, img.currentSrc]")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_visitor_sees_the_course_page_and_opens_the_preview_only(browser, live_server,
                                                                   selling, width):
    """Cover (the phone loads the 480 px file, the laptop a wider one), teacher, points,
    the free preview open with its picture inside the screen, the others locked."""
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server}/courses/{SLUG}")
        cover = page.locator("[data-testid=cover]")
        expect(cover).to_have_attribute("alt", "A code editor beside a yellow sun")
        natural, chosen = _loaded(cover)
        assert natural > 0
        assert chosen.endswith("-480.webp") if width == "phone" else \
            re.search(r"-(960|1600)\.webp$", chosen), chosen
        assert cover.bounding_box()["width"] <= WIDTHS[width]["width"]
        expect(page.locator("[data-testid=teacher] h2")).to_have_text(
            "Your teacher: Ada Lovelace")
        expect(page.locator("[data-testid=learning-points] li")).to_have_count(4)
        syllabus = page.locator("[data-testid=syllabus]")
        expect(syllabus.locator("[data-testid=preview-tag]")).to_have_count(1)
        expect(syllabus.locator("a")).to_have_text(["Installing Python"])
        problems = _shot(page, "visitor", width)

        syllabus.locator("a", has_text="Installing Python").click()
        page.wait_for_url(re.compile(r"/lessons/1$"))
        expect(page.locator("[data-testid=preview-note]")).to_be_visible()
        picture = page.locator(".lesson-body img")
        expect(picture).to_have_attribute("alt", "A terminal running hello.py")
        assert _loaded(picture)[0] > 0
        assert picture.bounding_box()["width"] <= WIDTHS[width]["width"]
        problems += _shot(page, "preview-lesson", width)

        response = page.goto(f"{live_server}/courses/{SLUG}/lessons/2")
        assert response.status == 403
        assert "PAID-BODY-2" not in page.content()
        expect(page.locator("[data-testid=lesson-locked]")).to_be_visible()
        assert problems == []
    finally:
        context.close()


def test_a_buyers_progress_after_reading_two_lessons(page, live_server, selling):
    """Buy, read lessons 1 and 2: the course page says 2 of 3 and continues at lesson 2;
    /account says the same."""
    buy_in_browser(page, live_server, slug=SLUG)
    page.goto(f"{live_server}/courses/{SLUG}")
    expect(page.locator("[data-testid=progress-count]")).to_have_text("0 of 3 lessons")
    page.locator("[data-testid=syllabus] a", has_text="Installing Python").click()
    page.locator("a[rel=next]").click()
    expect(page.locator("[data-testid=lesson-body]")).to_contain_text("PAID-BODY-2")
    page.goto(f"{live_server}/courses/{SLUG}")
    expect(page.locator("[data-testid=progress-count]")).to_have_text("2 of 3 lessons")
    problems = _shot(page, "buyer-progress", "phone")
    page.locator("[data-testid=continue-link]").click()
    page.wait_for_url(re.compile(r"/lessons/2$"))
    page.goto(f"{live_server}/account")
    mine = page.locator("[data-testid=my-courses] li", has_text="Python Jumpstart")
    expect(mine.locator("[data-testid=progress-count]")).to_have_text("2 of 3 lessons")
    expect(mine.locator("[data-testid=continue-link]")).to_have_text(
        "Continue where you left off (lesson 2)")
    problems += _shot(page, "account-progress", "phone")
    assert problems == []


def _sign_in(page, live_server):
    page.goto(f"{live_server}/admin/login")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_admin_creates_a_draft_with_a_cover_and_publishes_it(
        browser, live_server, app, admin_account, tmp_path, width):
    """Every mistake of the new-course form beside its field at once; then the draft,
    its cover (a file that is not an image refused beside the field), the Draft banner
    on its page, and publishing."""
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _sign_in(page, live_server)
        page.goto(f"{live_server}/admin/courses/new")
        page.fill("input[name=slug]", "Rust Basics!")
        page.fill("input[name=price]", "0.10")
        page.fill("textarea[name=learning_points]", "\n".join(f"P{n}" for n in range(13)))
        page.click("[data-testid=save-course]")
        for name in ("slug", "title", "price", "learning_points"):
            expect(page.locator(f"[data-testid=error-{name}]")).to_be_visible()
        expect(page.locator("#title")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("[data-testid=form-error] li")).to_have_count(4)
        problems = _shot(page, "admin-form-errors", width)

        page.fill("input[name=slug]", "rust-basics")
        page.fill("input[name=title]", "Rust Basics")
        page.fill("input[name=price]", "39.00")
        page.fill("input[name=teacher_name]", "Ferris Crab")
        page.fill("textarea[name=learning_points]", "Ownership\nBorrowing\nTraits")
        page.click("[data-testid=save-course]")
        expect(page.locator("[data-testid=course-state]")).to_have_text("draft")

        bad = tmp_path / "notes.png"
        bad.write_text("not a picture")
        page.set_input_files("input[name=file]", str(bad))
        page.fill("input[name=alt]", "A crab on a laptop")
        page.click("[data-testid=upload-cover]")
        expect(page.locator("[data-testid=error-file]")).to_contain_text(
            "not an image the store takes")
        good = tmp_path / "cover.png"
        good.write_bytes(cover_picture())
        page.set_input_files("input[name=file]", str(good))
        page.fill("input[name=alt]", "A crab on a laptop")
        page.click("[data-testid=upload-cover]")
        expect(page.locator(".flash-success")).to_have_text("Saved the cover image.")
        expect(page.locator("[data-testid=cover-preview]")).to_be_visible()
        problems += _shot(page, "admin-course-draft", width)

        page.goto(f"{live_server}/courses/rust-basics")
        expect(page.locator("[data-testid=draft-banner]")).to_be_visible()
        expect(page.locator("#pay-button")).to_have_count(0)
        problems += _shot(page, "draft-page", width)
        page.goto(f"{live_server}/admin/courses/rust-basics")
        page.click("[data-testid=publish]")
        expect(page.locator("[data-testid=course-state]")).to_have_text("on sale")
        with app.app_context():
            assert get_course("rust-basics").published
        assert problems == []
    finally:
        context.close()
