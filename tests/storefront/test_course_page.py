"""A course page that sells and drafts, over HTTP: drafts hidden from buyers on every
route (the checkout POSTs of every PAYMENT_FLOW included), free previews open to visitors,
buyers' progress after reading lessons, the course page's teacher and points."""

import re

import pytest
from sqlalchemy import func, select

from app.catalog.lessons import add_lesson
from app.catalog.services import add_course, get_course, update_course
from app.extensions import db
from app.models import Course, LessonProgress, Order
from tests.helpers import csrf_from

SLUG = "draft-course"
SLUG_SELLING = "python-jumpstart"
FLOWS = ["charges", "payment_intents", "checkout"]


@pytest.fixture
def draft(app, emulator_control):
    """A draft with two lessons (the second a free preview) and a published course."""
    with app.app_context():
        add_course(slug="python-jumpstart", title="Python Jumpstart", price="69.00",
                   currency="usd")
        course = add_course(slug=SLUG, title="Secret Draft", price="49.00", currency="usd",
                            published=False)
        add_lesson(course, title="Draft lesson one", body="DRAFT-BODY-1")
        add_lesson(course, title="Draft lesson two", body="DRAFT-BODY-2", free_preview=True)
    return SLUG


def _csrf(client):
    """A CSRF token of this client's session (from a page every visitor can open)."""
    return csrf_from(client.get("/courses/python-jumpstart").get_data(as_text=True))


@pytest.mark.parametrize("url", [f"/courses/{SLUG}", f"/courses/{SLUG}/start",
                                 f"/courses/{SLUG}/lessons/1", f"/courses/{SLUG}/lessons/2",
                                 f"/courses/{SLUG}/one-click"])
def test_a_draft_is_not_found_by_buyers(client, draft, url):
    """Every page of a draft is a 404 to anyone but an admin (free previews too)."""
    response = client.get(url)
    assert response.status_code == 404
    assert "Secret Draft" not in response.get_data(as_text=True)


def test_a_draft_is_not_in_the_catalog(client, draft):
    """The catalog lists published courses only."""
    html = client.get("/").get_data(as_text=True)
    assert "Python Jumpstart" in html and "Secret Draft" not in html


@pytest.mark.parametrize("flow", FLOWS)
def test_every_checkout_of_every_flow_refuses_a_draft(app, client, draft, card_token,
                                                      flow):
    """The checkout POSTs of each PAYMENT_FLOW (and one click) answer 404 for a draft:
    no order is placed, nothing reaches Stripe."""
    app.config["PAYMENT_FLOW"] = flow
    try:
        token = _csrf(client)
        posts = {
            "charges": (f"/courses/{SLUG}/checkout",
                        {"stripeToken": card_token(), "stripeEmail": "ada@example.com"}),
            "payment_intents": (f"/courses/{SLUG}/payment-intent",
                                {"email": "ada@example.com"}),
            "checkout": (f"/courses/{SLUG}/checkout-session", {"email": "ada@example.com"}),
        }
        url, data = posts[flow]
        response = client.post(url, data={"csrf_token": token, **data},
                               headers={"Accept": "application/json"})
        assert response.status_code == 404, response.get_data(as_text=True)
        one_click = client.post(f"/courses/{SLUG}/one-click",
                                data={"csrf_token": token, "card_id": "1"})
        assert one_click.status_code == 404
    finally:
        app.config["PAYMENT_FLOW"] = "charges"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_publishing_puts_a_draft_on_sale(app, client, draft):
    """After publishing, buyers find it and its checkout form."""
    with app.app_context():
        update_course(SLUG, published=True)
    assert "Secret Draft" in client.get("/").get_data(as_text=True)
    html = client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert 'name="stripeToken"' in html and "draft-banner" not in html


def test_courses_from_before_drafts_and_the_demo_stay_published(app_ctx):
    """seed-demo publishes its courses (tests/test_migration_course_page.py: the
    migration publishes the courses that existed)."""
    from app.catalog.services import seed_demo

    seed_demo()
    assert db.session.scalar(select(func.count()).select_from(Course)
                             .where(Course.published.is_(False))) == 0


@pytest.fixture
def selling(app, emulator_control):
    """A course with teacher, points, and three lessons of which the first is a preview."""
    with app.app_context():
        course = add_course(
            slug="python-jumpstart", title="Python Jumpstart", price="69.00",
            currency="usd", teacher_name="Ada Lovelace",
            teacher_bio="Wrote the first program.",
            learning_points="Write scripts\n\n  Read files  \nAutomate chores")
        add_lesson(course, title="Welcome", body="PREVIEW-BODY", free_preview=True)
        add_lesson(course, title="Files", body="PAID-BODY-2")
        add_lesson(course, title="Chores", body="PAID-BODY-3")
    return "python-jumpstart"


def test_the_course_page_shows_teacher_points_and_previews(client, selling):
    """Teacher, bio, the points in order (blank lines dropped), the preview linked."""
    html = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert "Your teacher: Ada Lovelace" in html and "Wrote the first program." in html
    assert re.findall(r"<li>([^<]+)</li>", html)[:3] == ["Write scripts", "Read files",
                                                         "Automate chores"]
    assert 'href="/courses/python-jumpstart/lessons/1"' in html
    assert 'href="/courses/python-jumpstart/lessons/2"' not in html
    assert "free preview" in html and "Buy this course to open the other lessons." in html


def test_a_visitor_opens_the_preview_but_not_the_others(app, client, selling):
    """A free preview is open to anyone (with a way to buy); the others stay locked;
    nothing is recorded for a visitor."""
    preview = client.get("/courses/python-jumpstart/lessons/1")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "PREVIEW-BODY" in html and 'data-testid="preview-note"' in html
    for position in (2, 3):
        locked = client.get(f"/courses/python-jumpstart/lessons/{position}")
        assert locked.status_code == 403
        assert f"PAID-BODY-{position}" not in locked.get_data(as_text=True)
        assert ('Free to open without buying: <a href="/courses/python-jumpstart/lessons/1">'
                "lesson 1, Welcome</a>.") in locked.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_progress_after_reading_two_lessons(app, client, selling, checkout, card_token):
    """A buyer who opened lessons 1 and 3 (and 1 again) sees "2 of 3 lessons" on the
    course page and in /account, with a link back to lesson 3; /start goes there too."""
    paid = checkout("python-jumpstart", card_token())
    assert paid.status_code == 302
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert "0 of 3 lessons" in page and "Start with lesson 1" in page
    for position in (1, 3, 1, 3):
        assert client.get(f"/courses/python-jumpstart/lessons/{position}").status_code == 200
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert '<span data-testid="progress-count">2 of 3 lessons</span>' in page
    assert ('href="/courses/python-jumpstart/lessons/3" data-testid="continue-link">'
            "Continue where you left off: lesson 3, Chores") in page
    account = client.get("/account").get_data(as_text=True)
    assert '<span data-testid="progress-count">2 of 3 lessons</span>' in account
    assert "Continue where you left off (lesson 3)" in account
    start = client.get("/courses/python-jumpstart/start")
    assert start.headers["Location"].endswith("/courses/python-jumpstart/lessons/3")
    with app.app_context():
        rows = db.session.scalars(select(LessonProgress)).all()
        assert len(rows) == 2  # one row per lesson, however often it is opened


def test_removing_a_lesson_removes_its_progress(app, client, selling, checkout, card_token):
    """Progress counts only lessons that exist."""
    from app.catalog.lessons import lessons_of, remove_lesson

    checkout("python-jumpstart", card_token())
    client.get("/courses/python-jumpstart/lessons/2")
    with app.app_context():
        course = get_course("python-jumpstart")
        remove_lesson(course, lessons_of(course)[1].id)
        assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0
    page = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert "0 of 2 lessons" in page


def test_the_cli_adds_drafts_and_publishes_them(app, cli, emulator_control):
    """`courses add` makes a draft (saying how to publish), `--publish` puts it on sale,
    `courses publish` publishes a draft; `courses list` names the state."""
    added = cli.invoke(args=["courses", "add", "rust", "--title", "Rust", "--price", "9"])
    assert added.exit_code == 0, added.output
    assert "a draft (only admins see it)" in added.output
    assert "flask --app app courses publish rust" in added.output
    now = cli.invoke(args=["courses", "add", "go", "--title", "Go", "--price", "9",
                           "--publish"])
    assert "on sale" in now.output
    with app.app_context():
        assert (get_course("rust").published, get_course("go").published) == (False, True)
    listing = cli.invoke(args=["courses", "list"]).output
    assert re.search(r"rust\s+\$9\.00\s+draft", listing)
    assert cli.invoke(args=["courses", "publish", "rust"]).output == \
        "Published rust: it is on sale.\n"
    with app.app_context():
        assert get_course("rust").published
    missing = cli.invoke(args=["courses", "publish", "nope"])
    assert missing.exit_code == 1 and "No course with slug 'nope'" in missing.output


def test_the_cli_marks_free_previews(app, cli, selling):
    """`lessons add --preview` and `lessons edit N --no-preview`."""
    added = cli.invoke(args=["courses", "lessons", "add", "python-jumpstart", "--title",
                             "Extra", "--preview"])
    assert added.exit_code == 0, added.output
    assert cli.invoke(args=["courses", "lessons", "edit", "python-jumpstart", "1",
                            "--no-preview"]).exit_code == 0
    with app.app_context():
        from app.catalog.lessons import lessons_of

        previews = [lesson.free_preview for lesson in lessons_of(get_course(SLUG_SELLING))]
    assert previews == [False, False, False, True]
    listing = cli.invoke(args=["courses", "lessons", "list", "python-jumpstart"]).output
    assert re.search(r"4\s+Extra\s+free-preview", listing)


def test_the_demo_courses_show_a_teacher_points_and_a_free_preview(app, client):
    """`make run`'s demo store shows the new course page: each demo course has a
    teacher, points and its first lesson open as a free preview."""
    from app.catalog.services import DEMO_COURSES, seed_demo

    with app.app_context():
        seed_demo()
    for slug, *_ in DEMO_COURSES:
        html = client.get(f"/courses/{slug}").get_data(as_text=True)
        assert "Your teacher:" in html and "What you will learn" in html, slug
        assert client.get(f"/courses/{slug}/lessons/1").status_code == 200, slug
        assert client.get(f"/courses/{slug}/lessons/2").status_code == 403, slug
