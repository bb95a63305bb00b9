"""`flask courses lessons …` (a course's syllabus) and `flask courses restore`."""

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from app.catalog import lessons as lesson_service
from app.catalog.services import CourseError, get_course, restore_course

lessons_cli = AppGroup("lessons", help="Add, list, change, reorder and remove the "
                          "lessons of a course (positions start at 1).")


def _course(slug):
    course = get_course(slug)
    if course is None:
        raise click.ClickException(f"No course with slug {slug!r} "
                                   "(see `flask courses list`).")
    return course


def _lesson(course, position):
    lesson = lesson_service.lesson_at(course, position) if 0 < position < 2**31 else None
    if lesson is None:
        raise click.ClickException(f"{course.slug} has no lesson {position} "
                                   f"(see `flask courses lessons list {course.slug}`).")
    return lesson


def _body(body, body_file):
    if body is not None and body_file is not None:
        raise click.UsageError("Give --body or --body-file, not both.")
    if body_file is None:
        return body
    try:
        return Path(body_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"Cannot read {body_file}: {exc}") from None


BODY = click.option("--body", default=None, help="The lesson text in Markdown.")
BODY_FILE = click.option("--body-file", type=click.Path(dir_okay=False), default=None,
                         help="Read the Markdown text from this file.")
VIDEO = click.option("--video-url", default=None, help="An http(s) link to the video; "
                     "an empty value removes it.")
DOWNLOAD = click.option("--download-url", default=None, help="An http(s) link to "
                        "download material; an empty value removes it.")
PREVIEW = click.option("--preview/--no-preview", "free_preview", default=None,
                       help="A free preview anyone may open without buying (or not).")


@lessons_cli.command("list")
@click.argument("slug")
def list_lessons(slug):
    """List a course's lessons in order."""
    course = _course(slug)
    lessons = lesson_service.lessons_of(course)
    if not lessons:
        click.echo(f"{course.slug} has no lessons yet.")
        return
    click.echo(f"{'#':>3}  {'TITLE':50}  LINKS")
    for lesson in lessons:
        links = " ".join(name for name, url in (("video", lesson.video_url),
                                                 ("download", lesson.download_url),
                                                 ("free-preview", lesson.free_preview))
                         if url)
        click.echo(f"{lesson.position:>3}  {lesson.title[:50]:50}  {links}".rstrip())


@lessons_cli.command("add")
@click.argument("slug")
@click.option("--title", required=True, help="The lesson's title in the syllabus.")
@BODY
@BODY_FILE
@VIDEO
@DOWNLOAD
@PREVIEW
def add_lesson(slug, title, body, body_file, video_url, download_url, free_preview):
    """Append a lesson to a course."""
    course = _course(slug)
    try:
        lesson = lesson_service.add_lesson(course, title=title,
                                           body=_body(body, body_file) or "",
                                           video_url=video_url, download_url=download_url,
                                           free_preview=bool(free_preview))
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added lesson {lesson.position} to {course.slug}: {lesson.title}")


@lessons_cli.command("edit")
@click.argument("slug")
@click.argument("position", type=int)
@click.option("--title", default=None, help="New title.")
@BODY
@BODY_FILE
@VIDEO
@DOWNLOAD
@PREVIEW
def edit_lesson(slug, position, title, body, body_file, video_url, download_url,
                free_preview):
    """Change a lesson's title, text, links or preview (options left out stay)."""
    course = _course(slug)
    lesson = _lesson(course, position)
    body = _body(body, body_file)
    if all(v is None for v in (title, body, video_url, download_url, free_preview)):
        raise click.UsageError("Nothing to change: give --title, --body, --body-file, "
                               "--video-url, --download-url or --preview/--no-preview.")
    try:
        lesson_service.update_lesson(lesson, title=title, body=body, video_url=video_url,
                                     download_url=download_url, free_preview=free_preview)
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Updated lesson {lesson.position} of {course.slug}: {lesson.title}")


@lessons_cli.command("move")
@click.argument("slug")
@click.argument("position", type=int)
@click.option("--to", "to_position", type=int, required=True,
              help="The new place (1 is first); the lessons in between shift.")
def move_lesson(slug, position, to_position):
    """Move the lesson at POSITION to another place."""
    course = _course(slug)
    lesson = _lesson(course, position)
    try:
        lesson = lesson_service.move_lesson(course, lesson.id, to_position,
                                            expected_position=position)
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Moved {lesson.title!r} of {course.slug} to place {lesson.position}.")


@lessons_cli.command("remove")
@click.argument("slug")
@click.argument("position", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def remove_lesson(slug, position, yes):
    """Delete the lesson at POSITION; the lessons after it move up."""
    course = _course(slug)
    lesson = _lesson(course, position)
    if not yes and not click.confirm(
            f"Delete lesson {position} {lesson.title!r} of {course.slug}?"):
        click.echo("Nothing removed.")  # a "no" is an answer, not a failure
        return
    try:
        title = lesson_service.remove_lesson(course, lesson.id, expected_position=position)
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Removed lesson {position} of {course.slug}: {title}")


@click.command("restore")
@click.argument("slug")
@with_appcontext
def restore(slug):
    """Put an archived course back on sale."""
    try:
        restore_course(slug)
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {slug}: it is on sale again.")
