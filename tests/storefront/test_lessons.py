"""Lessons: the services that keep them numbered 1..n, and the public pages."""

import pytest
from sqlalchemy import select

from app.catalog import lessons as svc
from app.catalog.services import (
    CourseError,
    archive_course,
    get_course,
    restore_course,
    seed_demo,
    update_course,
)
from app.extensions import db
from app.models import Lesson


def _titles(course):
    return [(lesson.position, lesson.title) for lesson in svc.lessons_of(course)]


@pytest.fixture
def course(app_ctx, make_course):
    make_course()
    return get_course("python-jumpstart")


def _three(course):
    return [svc.add_lesson(course, title=t, body=f"Body of {t}") for t in ("A", "B", "C")]


def test_lessons_are_appended_in_order(course):
    """Each new lesson takes the next place."""
    _three(course)
    assert _titles(course) == [(1, "A"), (2, "B"), (3, "C")]


@pytest.mark.parametrize("start, to, expected", [
    (3, 1, ["C", "A", "B"]), (1, 3, ["B", "C", "A"]), (2, 1, ["B", "A", "C"]),
    (2, 3, ["A", "C", "B"]), (2, 2, ["A", "B", "C"]),
])
def test_move_shifts_the_lessons_in_between(course, start, to, expected):
    """Moving renumbers 1..n in the new order."""
    lessons = _three(course)
    moved = svc.move_lesson(course, lessons[start - 1].id, to)
    assert moved.position == to
    assert _titles(course) == list(enumerate(expected, start=1))


def test_move_outside_the_syllabus_or_a_stale_move_changes_nothing(course):
    """Out of range and 'no longer at that place' are refused with a clear message."""
    a, b, c = _three(course)
    with pytest.raises(CourseError, match="between 1 and 3; 4 is outside"):
        svc.move_lesson(course, c.id, 4)
    with pytest.raises(CourseError, match="between 1 and 3; 0 is outside"):
        svc.move_lesson(course, a.id, 0)
    svc.move_lesson(course, b.id, 1, expected_position=2)
    with pytest.raises(svc.StaleLessonError, match="moved to place 1 since the page"):
        svc.move_lesson(course, b.id, 1, expected_position=2)
    with pytest.raises(CourseError, match="no such lesson"):
        svc.move_lesson(course, 987654, 1)
    assert _titles(course) == [(1, "B"), (2, "A"), (3, "C")]


def test_remove_closes_the_gap(course):
    """Deleting the middle lesson renumbers the rest."""
    a, b, c = _three(course)
    assert svc.remove_lesson(course, b.id) == "B"
    assert _titles(course) == [(1, "A"), (2, "C")]
    assert svc.add_lesson(course, title="D", body="").position == 3


def test_lessons_of_another_course_are_not_reachable(course, make_course):
    """A lesson id from another course is 'no such lesson' there."""
    make_course(slug="other", title="Other")
    other = get_course("other")
    [lesson] = [svc.add_lesson(other, title="Theirs", body="x")]
    assert svc.lesson_by_id(course, lesson.id) is None
    assert svc.lesson_by_id(course, 2**40) is None
    with pytest.raises(CourseError, match="no such lesson"):
        svc.remove_lesson(course, lesson.id)


@pytest.mark.parametrize("fields, message", [
    ({"title": "  "}, "The lesson title is required."),
    ({"title": "x" * 201}, "The lesson title is too long (201 characters; at most 200)."),
    ({"title": "bad\x00title"}, "The lesson title contains a control character"),
    ({"body": "x" * 100_001}, "The lesson body is too long"),
    ({"body": "nul\x00byte"}, "The lesson body contains a control character"),
    ({"video_url": "javascript:alert(1)"}, "The video link must be an http:// or https://"),
    ({"video_url": "ftp://files.example.com/a"}, "The video link must be an http://"),
    ({"video_url": "https://"}, "The video link must be an http://"),
    ({"video_url": "https://exa mple.com/"}, "The video link must not contain spaces."),
    ({"download_url": "//evil.example/x"}, "The download link must be an http://"),
    ({"download_url": "https://[::1"}, "The download link is not a valid URL."),
    ({"download_url": "https://x.example/" + "a" * 500}, "The download link is too long"),
])
def test_lesson_fields_are_checked(course, fields, message):
    """Each bad field is refused with a message that names it; nothing is stored."""
    values = {"title": "Fine", "body": "Fine"} | fields
    with pytest.raises(CourseError) as info:
        svc.add_lesson(course, **values)
    assert str(info.value).startswith(message)
    assert svc.lessons_of(course) == []


def test_links_are_kept_and_cleared(course):
    """http(s) links are stored; an empty value removes one; None keeps it."""
    lesson = svc.add_lesson(course, title="T", body="b", video_url=" https://v.example/1 ",
                            download_url="http://d.example/f.zip")
    assert (lesson.video_url, lesson.download_url) == ("https://v.example/1",
                                                       "http://d.example/f.zip")
    svc.update_lesson(lesson, video_url="")
    assert lesson.video_url is None and lesson.download_url == "http://d.example/f.zip"
    svc.update_lesson(lesson, title="New title")
    assert (lesson.title, lesson.body) == ("New title", "b")


def test_course_fields_are_checked(course):
    """Titles and descriptions have limits; control characters are refused."""
    with pytest.raises(CourseError, match="at most 200"):
        update_course("python-jumpstart", title="x" * 201)
    with pytest.raises(CourseError, match="control character"):
        update_course("python-jumpstart", description="a\x00b")
    with pytest.raises(CourseError, match="at most 80"):
        from app.catalog.services import add_course
        add_course(slug="a" * 81, title="T", price="1.00", currency="usd")
    db.session.rollback()
    assert get_course("python-jumpstart").title == "Python Jumpstart"


def test_archive_and_restore(course):
    """Archive takes a course off sale; restore puts it back."""
    assert archive_course("python-jumpstart").active is False
    assert restore_course("python-jumpstart").active is True
    with pytest.raises(CourseError, match="No course"):
        archive_course("missing")


def test_seed_demo_gives_every_demo_course_real_lessons(app_ctx):
    """Each demo course gets several lessons with headings, lists or code; a second run
    adds nothing."""
    from app.catalog.services import DEMO_COURSES

    assert seed_demo() == len(DEMO_COURSES)
    for slug, *_ in DEMO_COURSES:
        lessons = svc.lessons_of(get_course(slug))
        assert len(lessons) >= 3, slug
        assert [lesson.position for lesson in lessons] == list(range(1, len(lessons) + 1))
        bodies = "\n".join(lesson.body for lesson in lessons)
        assert "## " in bodies or "### " in bodies, slug
        assert "```" in bodies or "| " in bodies, slug
        assert "\n- " in bodies or "\n1. " in bodies, slug
    count = db.session.scalar(select(db.func.count()).select_from(Lesson))
    assert seed_demo() == 0
    assert db.session.scalar(select(db.func.count()).select_from(Lesson)) == count


# --- public pages ---------------------------------------------------------------------

@pytest.fixture
def course_with_lessons(app, make_course):
    make_course()
    with app.app_context():
        c = get_course("python-jumpstart")
        svc.add_lesson(c, title="Installing Python", body="## Step one\n\nSECRET-BODY-1",
                       video_url="https://videos.example/1")
        svc.add_lesson(c, title="Variables", body="SECRET-BODY-2\n\n<script>x()</script>")
    return "python-jumpstart"


def test_course_page_shows_the_syllabus_but_not_the_bodies(client, course_with_lessons):
    """Everyone sees the titles and the count; no body text, no lesson links."""
    html = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert "2 lessons" in html
    assert html.index("Installing Python") < html.index("Variables")
    assert "SECRET-BODY" not in html
    assert "/courses/python-jumpstart/lessons/" not in html
    assert "Buy this course to open the lessons." in html


def test_a_lesson_without_access_is_a_403_with_the_way_to_buy(client, course_with_lessons):
    """Not a buyer: 403, the lesson's title, a link to the checkout, no body."""
    response = client.get("/courses/python-jumpstart/lessons/1")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Buy this course to open the lessons." in html
    assert 'href="/courses/python-jumpstart#checkout"' in html
    assert "Installing Python" in html and "SECRET-BODY" not in html
    assert "videos.example" not in html


@pytest.mark.parametrize("url", [
    "/courses/python-jumpstart/lessons/3", "/courses/python-jumpstart/lessons/0",
    "/courses/python-jumpstart/lessons/-1", "/courses/python-jumpstart/lessons/x",
    "/courses/python-jumpstart/lessons/99999999999999999999", "/courses/nope/lessons/1",
])
def test_missing_lessons_are_404(client, course_with_lessons, url):
    """No such lesson or course: a plain 404, never a 500."""
    assert client.get(url).status_code == 404


def test_the_access_seam_opens_the_lessons(app, client, course_with_lessons, monkeypatch):
    """When buyer_has_access says yes the lesson body is shown, sanitized."""
    from app.catalog import access

    monkeypatch.setattr(access, "buyer_has_access",
                        lambda course: course.slug == "python-jumpstart")
    page = client.get("/courses/python-jumpstart")
    lesson = client.get("/courses/python-jumpstart/lessons/2")
    first = client.get("/courses/python-jumpstart/lessons/1").get_data(as_text=True)
    assert 'href="/courses/python-jumpstart/lessons/1"' in page.get_data(as_text=True)
    assert lesson.status_code == 200
    html = lesson.get_data(as_text=True)
    assert "SECRET-BODY-2" in html and "x()" not in html and "<script>x" not in html
    assert "Lesson 2 of 2" in html and "Previous lesson" in html
    assert "<h2>Step one</h2>" in first and 'href="https://videos.example/1"' in first


def test_archived_course_is_hidden_from_non_buyers_and_kept_for_buyers(
        app, client, course_with_lessons, monkeypatch):
    """Archived: 404 for everyone else; its buyers still read the lessons, no checkout."""
    from app.catalog import access

    with app.app_context():
        archive_course("python-jumpstart")
    assert client.get("/courses/python-jumpstart").status_code == 404
    assert client.get("/courses/python-jumpstart/lessons/1").status_code == 404
    monkeypatch.setattr(access, "buyer_has_access", lambda course: True)
    page = client.get("/courses/python-jumpstart")
    lesson = client.get("/courses/python-jumpstart/lessons/1")
    assert page.status_code == 200 and lesson.status_code == 200
    html = page.get_data(as_text=True)
    assert "no longer on sale" in html and 'name="stripeToken"' not in html


def test_a_course_without_lessons_says_so(client, make_course):
    """An empty syllabus is explained, not blank."""
    make_course()
    html = client.get("/courses/python-jumpstart").get_data(as_text=True)
    assert "The lessons are being written." in html


def test_a_checkout_form_error_page_still_shows_the_syllabus(client, course_with_lessons):
    """The checkout's 400 re-renders the course page: the syllabus is there too."""
    from tests.storefront.conftest import csrf_token

    response = client.post("/courses/python-jumpstart/checkout", data={
        "csrf_token": csrf_token(client, "python-jumpstart"), "stripeToken": "",
        "stripeEmail": "not-an-email"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "2 lessons" in html and "Installing Python" in html and "SECRET-BODY" not in html
