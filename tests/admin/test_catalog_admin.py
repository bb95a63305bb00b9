"""Admin catalog pages through the test client: courses, prices, archive, lessons."""

import threading

import pytest
import requests

from app.catalog import lessons as svc
from app.catalog.services import get_course
from tests.helpers import csrf_from

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD


def _token(client, url):
    return csrf_from(client.get(url).get_data(as_text=True))


def _post(client, url, data, page=None):
    data = {"csrf_token": _token(client, page or url)} | data
    return client.post(url, data=data)


def _course(app, slug="python-jumpstart"):
    with app.app_context():
        course = get_course(slug)
        lessons = [(lesson.position, lesson.title) for lesson in svc.lessons_of(course)]
        return course.title, course.price_minor, course.currency, course.active, lessons


def _add_lessons(app, *titles, slug="python-jumpstart"):
    with app.app_context():
        course = get_course(slug)
        return [svc.add_lesson(course, title=t, body=f"Body {t}").id for t in titles]


NEW = {"slug": "rust-basics", "title": "Rust Basics", "description": "Ownership first.",
       "price": "5000", "currency": "jpy"}


def test_create_a_course(admin_client, app):
    """The new-course form creates a draft priced in its currency; publishing it puts it
    in the catalog."""
    client = app.test_client()  # a visitor
    response = _post(admin_client, "/admin/courses/new", NEW)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/courses/rust-basics"
    page = admin_client.get("/admin/courses/rust-basics").get_data(as_text=True)
    assert "Created Rust Basics as a draft: only admins see it." in page
    assert _course(app, "rust-basics") == ("Rust Basics", 5000, "jpy", True, [])
    listing = admin_client.get("/admin/courses").get_data(as_text=True)
    assert "Rust Basics" in listing and "¥5,000" in listing and ">draft<" in listing
    assert "Rust Basics" not in client.get("/").get_data(as_text=True)
    response = _post(admin_client, "/admin/courses/rust-basics/publish", {},
                     page="/admin/courses/rust-basics")
    assert response.status_code == 302
    assert "Rust Basics" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("change, message", [
    ({"slug": "Bad Slug!"}, "A slug uses lower-case letters, digits and dashes."),
    ({"slug": ""}, "A slug uses lower-case letters"),
    ({"title": ""}, "A course needs a title."),
    ({"title": "t" * 201}, "The title is too long"),
    ({"price": "abc"}, "&#39;abc&#39; is not a number."),
    ({"price": "12.5"}, "more decimals than JPY allows"),
    ({"price": "0.10", "currency": "usd"}, "The price must be at least $0.50."),
    ({"price": "1e9999", "currency": "usd"}, "&#39;1e9999&#39; is not a number."),
    ({"price": "NaN", "currency": "usd"}, "is not a number"),
    ({"currency": "xxx"}, "Unsupported currency &#39;xxx&#39;."),
    ({"slug": "python-jumpstart"}, "exists already"),
])
def test_bad_course_input_is_a_400_with_a_message(admin_client, app, make_course, change,
                                                   message):
    """Each mistake re-shows the form with a message; nothing is created."""
    make_course()
    response = _post(admin_client, "/admin/courses/new", NEW | change)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html, html[html.find("form-error") - 20:][:300]
    assert "Ownership first.</textarea>" in html  # the form keeps what was typed
    with app.app_context():
        assert get_course("rust-basics") is None
        assert get_course("bad-slug") is None


def test_edit_title_description_and_price(admin_client, app, make_course):
    """The edit form changes the course; the price goes through app.money."""
    make_course()
    page = admin_client.get("/admin/courses/python-jumpstart").get_data(as_text=True)
    assert 'value="69.00"' in page and '<option selected value="usd">' in page
    response = _post(admin_client, "/admin/courses/python-jumpstart",
                     {"title": "Python Jumpstart 2", "description": "New text",
                      "price": "79.50", "currency": "eur"})
    assert response.status_code == 302
    assert _course(app)[:4] == ("Python Jumpstart 2", 7950, "eur", True)
    bad = _post(admin_client, "/admin/courses/python-jumpstart",
                {"title": "Changed", "description": "", "price": "-5", "currency": "usd"})
    assert bad.status_code == 400
    assert "The price must be at least $0.50." in bad.get_data(as_text=True)
    assert _course(app)[:3] == ("Python Jumpstart 2", 7950, "eur")


def test_archive_and_restore_from_the_admin(admin_client, app, make_course):
    """Archive takes the course off the catalog; restore puts it back."""
    make_course()
    client = app.test_client()  # a visitor, not the signed-in admin
    page = "/admin/courses/python-jumpstart"
    unticked = _post(admin_client, f"{page}/archive", {}, page=page)
    assert unticked.status_code == 400 and _course(app)[3] is True
    assert "to archive it" in unticked.get_data(as_text=True)
    response = _post(admin_client, f"{page}/archive", {"confirm": "y"}, page=page)
    assert response.status_code == 302
    html = admin_client.get(page).get_data(as_text=True)
    assert "Archived Python Jumpstart" in html
    assert "Its buyers keep their access and receipts." in html
    assert _course(app)[3] is False
    assert client.get("/courses/python-jumpstart").status_code == 404
    assert "archived" in admin_client.get("/admin/courses").get_data(as_text=True)
    _post(admin_client, f"{page}/restore", {}, page=page)
    assert _course(app)[3] is True
    assert client.get("/courses/python-jumpstart").status_code == 200


def test_archive_without_csrf_is_refused(admin_client, app, make_course):
    """A POST without the token is a 400 and changes nothing."""
    make_course()
    response = admin_client.post("/admin/courses/python-jumpstart/archive")
    assert response.status_code == 400
    assert _course(app)[3] is True


def test_add_a_lesson_with_a_preview_first(admin_client, app, make_course):
    """Preview renders the sanitized Markdown without saving; Add lesson saves it."""
    make_course()
    url = "/admin/courses/python-jumpstart/lessons/new"
    fields = {"title": "Setup", "body": "## Install\n\n<script>bad()</script>\n\n- step",
              "video_url": "https://videos.example/setup", "download_url": ""}
    preview = _post(admin_client, url, fields | {"preview": "1"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Preview (not saved yet)" in html and "<h2>Install</h2>" in html
    assert "<li>step</li>" in html and "bad()</script>" not in html.split("preview-pane")[1]
    assert _course(app)[4] == []
    saved = _post(admin_client, url, fields | {"save": "1"})
    assert saved.status_code == 302
    assert _course(app)[4] == [(1, "Setup")]
    with app.app_context():
        lesson = svc.lesson_at(get_course("python-jumpstart"), 1)
        assert lesson.video_url == "https://videos.example/setup"
        assert lesson.download_url is None


@pytest.mark.parametrize("change, message", [
    ({"title": ""}, "The lesson title is required."),
    ({"video_url": "javascript:alert(1)"}, "The video link must be an http:// or https://"),
    ({"download_url": "data:text/html,x"}, "The download link must be an http://"),
    ({"body": "x" * 100_001}, "The lesson body is too long"),
    ({"title": "a\x00b"}, "NUL character"),  # refused for every form (app/request_guard)
    ({"title": "a\x07b"}, "control character"),
])
def test_bad_lesson_input_is_a_400(admin_client, app, make_course, change, message):
    """Bad fields: 400 with the message, for preview and save alike; nothing saved."""
    make_course()
    url = "/admin/courses/python-jumpstart/lessons/new"
    fields = {"title": "T", "body": "b", "video_url": "", "download_url": ""} | change
    for button in ("preview", "save"):
        response = _post(admin_client, url, fields | {button: "1"})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert _course(app)[4] == []


def test_edit_and_delete_a_lesson(admin_client, app, make_course):
    """Edit saves the fields; delete needs the confirmation box and renumbers the rest."""
    make_course()
    first, second, _ = _add_lessons(app, "A", "B", "C")
    url = f"/admin/courses/python-jumpstart/lessons/{second}"
    page = admin_client.get(url).get_data(as_text=True)
    assert "Lesson 2: B" in page and "Body B" in page
    assert _post(admin_client, url, {"title": "B2", "body": "New", "video_url": "",
                                     "download_url": "https://files.example/b.pdf",
                                     "save": "1"}).status_code == 302
    assert _course(app)[4] == [(1, "A"), (2, "B2"), (3, "C")]
    unconfirmed = _post(admin_client, f"{url}/delete", {"position": "2"}, page=url)
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm the deletion." in unconfirmed.get_data(as_text=True)
    done = _post(admin_client, f"{url}/delete", {"position": "2", "confirm": "y"}, page=url)
    assert done.status_code == 302
    assert "Deleted lesson “B2”" in admin_client.get(done.headers["Location"]).get_data(
        as_text=True)
    assert _course(app)[4] == [(1, "A"), (2, "C")]
    assert admin_client.get(url).status_code == 404
    gone = _post(admin_client, f"{url}/delete", {"position": "2", "confirm": "y"},
                 page=f"/admin/courses/python-jumpstart/lessons/{first}")
    assert gone.status_code == 404


def test_move_up_and_down_and_a_double_click_moves_once(admin_client, app, make_course):
    """Up/Down swap neighbours; the same form posted twice moves the lesson one place."""
    make_course()
    a, b, c = _add_lessons(app, "A", "B", "C")
    base = "/admin/courses/python-jumpstart"
    page = admin_client.get(base).get_data(as_text=True)
    assert page.count('data-testid="move-up"') == 3
    token = csrf_from(page)
    form = {"csrf_token": token, "position": "3", "direction": "up"}
    first = admin_client.post(f"{base}/lessons/{c}/move", data=form)
    second = admin_client.post(f"{base}/lessons/{c}/move", data=form)
    assert first.status_code == second.status_code == 302
    assert _course(app)[4] == [(1, "A"), (2, "C"), (3, "B")]
    html = admin_client.get(base).get_data(as_text=True)
    assert "moved to place 2 since the page was loaded; nothing was changed" in html
    admin_client.post(f"{base}/lessons/{a}/move",
                      data={"csrf_token": token, "position": "1", "direction": "down"})
    assert _course(app)[4] == [(1, "C"), (2, "A"), (3, "B")]


@pytest.mark.parametrize("data, status, message", [
    ({"position": "1", "direction": "up"}, 400, "between 1 and 3; 0 is outside"),
    ({"position": "3", "direction": "down"}, 400, "between 1 and 3; 4 is outside"),
    ({"position": "1", "direction": "sideways"}, 400, "Move a lesson up or down."),
    ({"position": "x", "direction": "up"}, 400, "reload the page"),
    ({"position": "", "direction": "up"}, 400, "reload the page"),
    ({"position": "-4", "direction": "up"}, 400, "reload the page"),
    ({"position": "99999999999999999999999", "direction": "up"}, 400, "reload the page"),
    ({"position": "2", "direction": "up"}, 302, None),  # lesson 1 is not at place 2
])
def test_malformed_moves_are_400_not_500(admin_client, app, make_course, data, status,
                                         message):
    """Bad move forms get a clear 400 (or a 'page changed' notice); the order stays."""
    make_course()
    first, *_ = _add_lessons(app, "A", "B", "C")
    lesson = first + 2 if data["position"] == "3" else first
    token = _token(admin_client, "/admin/courses/python-jumpstart")
    response = admin_client.post(f"/admin/courses/python-jumpstart/lessons/{lesson}/move",
                                 data={"csrf_token": token} | data)
    assert response.status_code == status
    if message:
        assert message in response.get_data(as_text=True)
    assert _course(app)[4] == [(1, "A"), (2, "B"), (3, "C")]


@pytest.mark.parametrize("url", [
    "/admin/courses/nope", "/admin/courses/nope/lessons/new",
    "/admin/courses/python-jumpstart/lessons/99999999999999",
    "/admin/courses/python-jumpstart/lessons/2147483648",
])
def test_unknown_courses_and_lessons_are_404(admin_client, make_course, url):
    """No such course or lesson: 404, even for ids past the database's integer range."""
    make_course()
    assert admin_client.get(url).status_code == 404


def test_signed_in_admin_previews_lessons_on_the_public_pages(admin_client, app,
                                                              make_course):
    """Sellers read their own lessons on the store's pages."""
    make_course()
    _add_lessons(app, "A")
    response = admin_client.get("/courses/python-jumpstart/lessons/1")
    assert response.status_code == 200 and "Body A" in response.get_data(as_text=True)


def test_admin_nav_links_the_catalog(admin_client):
    """Every admin page links to Courses."""
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/courses"' in html


def _signed_in_session(live_server):
    session = requests.Session()
    html = session.get(f"{live_server}/admin/login", timeout=10).text
    response = session.post(f"{live_server}/admin/login", timeout=10, data={
        "csrf_token": csrf_from(html), "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.ok and "/admin/login" not in response.url
    return session


def _concurrently(calls):
    results = []
    threads = [threading.Thread(target=lambda c=c: results.append(c())) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_adds_and_moves_keep_positions_one_to_n(app, admin_account, make_course,
                                                            live_server):
    """Real parallel requests on a threaded server: every add and move succeeds or is
    refused cleanly, and the syllabus stays numbered 1..n without gaps or duplicates."""
    make_course()
    base = f"{live_server}/admin/courses/python-jumpstart"
    session = _signed_in_session(live_server)
    token = csrf_from(session.get(base, timeout=10).text)
    sessions = []
    for _ in range(8):
        s = requests.Session()
        s.cookies.update(session.cookies)
        sessions.append(s)

    def add(s, n):
        return lambda: s.post(f"{base}/lessons/new", timeout=30, allow_redirects=False,
                              data={"csrf_token": token, "title": f"L{n}", "body": "b",
                                    "save": "1"}).status_code

    assert _concurrently([add(s, n) for n, s in enumerate(sessions)]) == [302] * 8
    lessons = _course(app)[4]
    assert [p for p, _ in lessons] == list(range(1, 9))
    assert sorted(t for _, t in lessons) == sorted(f"L{n}" for n in range(8))

    with app.app_context():
        ids = {lesson.position: lesson.id for lesson in
               svc.lessons_of(get_course("python-jumpstart"))}

    def move(s, position, direction):
        return lambda: s.post(f"{base}/lessons/{ids[position]}/move", timeout=30,
                              allow_redirects=False,
                              data={"csrf_token": token, "position": str(position),
                                    "direction": direction}).status_code

    moves = [move(sessions[n], position, direction) for n, (position, direction) in
             enumerate([(2, "up"), (3, "up"), (4, "down"), (5, "up"), (8, "up"), (1, "down"),
                        (6, "down"), (7, "up")])]
    statuses = _concurrently(moves)
    assert set(statuses) <= {302, 400}, statuses
    after = _course(app)[4]
    assert [p for p, _ in after] == list(range(1, 9))
    assert sorted(t for _, t in after) == sorted(t for _, t in lessons)


GARBAGE = [
    {},
    {"title": "\x00", "body": "\x00", "price": "\x00", "currency": "\x00", "slug": "\x00"},
    {"title": ["a", "b"], "price": ["1", "2"], "position": ["1", "x"], "direction": ["up"]},
    {"title": "x" * 100_000, "body": "y" * 100_001, "description": "z" * 100_000,
     "price": "9" * 5000, "video_url": "https://" + "v" * 5000, "position": "9" * 5000},
    {"title": "ok", "body": "ok", "price": "69.00", "currency": "usd", "slug": "ok-course",
     "video_url": "http://[", "download_url": "https://a.b:99999/", "position": "1",
     "direction": "up", "confirm": "y"},
    {"price": "Infinity", "currency": "usd", "title": "T", "position": "0", "confirm": "on"},
]


def test_garbage_posted_to_every_catalog_route_never_gives_a_500(admin_client, app,
                                                                  make_course):
    """Missing, repeated, oversized, NUL-laden and out-of-range fields: 4xx or a redirect."""
    make_course()
    [lesson_id] = _add_lessons(app, "A")
    token = _token(admin_client, "/admin/courses/python-jumpstart")
    rules = [r.rule for r in app.url_map.iter_rules()
             if r.rule.startswith("/admin/courses") and "POST" in r.methods]
    assert len(rules) >= 7
    for rule in rules:
        url = (rule.replace("<slug>", "python-jumpstart")
               .replace("<id:lesson_id>", str(lesson_id)))
        for data in GARBAGE:
            response = admin_client.post(url, data={"csrf_token": token} | data)
            assert response.status_code in (200, 302, 400, 404, 409, 413), (url, data.keys(),
                                                                        response.status_code)
            assert "Traceback" not in response.get_data(as_text=True)
    with app.app_context():
        positions = [lesson.position for lesson in
                     svc.lessons_of(get_course("python-jumpstart"))]
    assert positions == list(range(1, len(positions) + 1))


def test_an_oversized_post_is_a_413_page(admin_client, make_course):
    """A body over the form size limit gets a plain 413 page, not a 500."""
    make_course()
    token = _token(admin_client, "/admin/courses/python-jumpstart/lessons/new")
    response = admin_client.post("/admin/courses/python-jumpstart/lessons/new",
                                 data={"csrf_token": token, "title": "T",
                                       "body": "日本語" * 200_000, "save": "1"})
    assert response.status_code == 413
    assert "Traceback" not in response.get_data(as_text=True)
