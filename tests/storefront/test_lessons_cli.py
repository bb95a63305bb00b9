"""`flask courses lessons …` and `flask courses restore`."""

import pytest

from app.catalog import lessons as svc
from app.catalog.services import get_course


def _titles(app, slug="python-jumpstart"):
    with app.app_context():
        return [(lesson.position, lesson.title, lesson.video_url)
                for lesson in svc.lessons_of(get_course(slug))]


@pytest.fixture
def course(make_course):
    make_course()
    return "python-jumpstart"


def _ok(cli, *args):
    result = cli.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_add_list_edit_move_remove(app, cli, course, tmp_path):
    """The whole life of a syllabus from the command line."""
    body = tmp_path / "intro.md"
    body.write_text("## Hello\n\n- one\n", encoding="utf-8")
    assert "Added lesson 1 to python-jumpstart: Intro" in _ok(
        cli, "courses", "lessons", "add", course, "--title", "Intro", "--body-file", str(body),
        "--video-url", "https://videos.example/intro")
    _ok(cli, "courses", "lessons", "add", course, "--title", "Second", "--body", "Text")
    _ok(cli, "courses", "lessons", "add", course, "--title", "Third")
    listing = _ok(cli, "courses", "lessons", "list", course)
    assert listing.splitlines()[0].split() == ["#", "TITLE", "LINKS"]
    assert listing.splitlines()[1].split() == ["1", "Intro", "video"]
    assert "Moved 'Third' of python-jumpstart to place 1." in _ok(
        cli, "courses", "lessons", "move", course, "3", "--to", "1")
    _ok(cli, "courses", "lessons", "edit", course, "2", "--title", "Introduction",
        "--video-url", "")
    assert _titles(app) == [(1, "Third", None), (2, "Introduction", None),
                            (3, "Second", None)]
    with app.app_context():
        assert svc.lesson_at(get_course(course), 2).body == "## Hello\n\n- one\n"
    assert "Removed lesson 1 of python-jumpstart: Third" in _ok(
        cli, "courses", "lessons", "remove", course, "1", "--yes")
    assert _titles(app) == [(1, "Introduction", None), (2, "Second", None)]


@pytest.mark.parametrize("args, message", [
    (["add", "nope", "--title", "T"], "No course with slug 'nope'"),
    (["add", "python-jumpstart", "--title", " "], "The lesson title is required."),
    (["add", "python-jumpstart", "--title", "T", "--download-url", "javascript:x"],
     "The download link must be an http:// or https:// address"),
    (["add", "python-jumpstart", "--title", "T", "--body", "x", "--body-file", "f"],
     "Give --body or --body-file, not both."),
    (["add", "python-jumpstart", "--title", "T", "--body-file", "/nonexistent/file.md"],
     "Cannot read /nonexistent/file.md"),
    (["edit", "python-jumpstart", "7", "--title", "T"], "python-jumpstart has no lesson 7"),
    (["edit", "python-jumpstart", "99999999999999999999", "--title", "T"], "has no lesson"),
    (["edit", "python-jumpstart", "1"], "Nothing to change"),
    (["move", "python-jumpstart", "1", "--to", "5"], "between 1 and 1; 5 is outside"),
    (["move", "python-jumpstart", "1"], "Missing option '--to'"),
    (["remove", "python-jumpstart", "0", "--yes"], "has no lesson 0"),
    (["list", "nope"], "No course with slug 'nope'"),
])
def test_mistakes_get_a_clear_message_and_a_non_zero_exit(app, cli, course, args, message):
    """Bad input exits non-zero with one readable line, no traceback, nothing changed."""
    _ok(cli, "courses", "lessons", "add", course, "--title", "Only")
    result = cli.invoke(args=["courses", "lessons", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert _titles(app) == [(1, "Only", None)]


def test_remove_asks_first(app, cli, course):
    """Without --yes, answering no keeps the lesson: "Nothing removed.", exit status 0
    (a "no" is an answer, not a failure)."""
    _ok(cli, "courses", "lessons", "add", course, "--title", "Keep me")
    result = cli.invoke(args=["courses", "lessons", "remove", course, "1"], input="n\n")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("Nothing removed.\n") and "Aborted" not in result.output
    assert _titles(app) == [(1, "Keep me", None)]


def test_archive_then_restore(app, cli, course, client):
    """An archived course leaves the catalog; restore puts it back on sale."""
    _ok(cli, "courses", "archive", course)
    assert client.get(f"/courses/{course}").status_code == 404
    assert "Restored python-jumpstart: it is on sale again." in _ok(
        cli, "courses", "restore", course)
    assert client.get(f"/courses/{course}").status_code == 200
    result = cli.invoke(args=["courses", "restore", "nope"])
    assert result.exit_code == 1 and "No course with slug 'nope'" in result.output
