"""Uploaded images (course covers, pictures in lessons): checked by decoding them, then
re-encoded at a few widths and stored in the database.

The file's name and the browser's Content-Type are never trusted: Pillow opens the bytes
with only the JPEG, PNG, WebP and GIF decoders (no other format's code runs on an
upload), refuses more than IMAGE_MAX_PIXELS before decoding (a decompression bomb is a
small file that claims a huge picture), then decodes it fully (a truncated or corrupt
file fails here), turns it upright (EXIF orientation) and writes fresh WebP files of at
most the widths below. What is stored holds no metadata of the upload (no EXIF, no
location) and nothing but pixels.
"""

import io
import secrets
import warnings
from dataclasses import dataclass

from flask import current_app
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from sqlalchemy import delete, select

from app.catalog.validation import CourseError, CourseFormError, clean_text
from app.extensions import db
from app.models import Course, Image
from app.models.course import COVER_ALT_MAX

FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
#: Widths a cover is stored at (never wider than the upload): phones, then desktops.
COVER_WIDTHS = (480, 960, 1600)
#: Pictures in a lesson: one width, shown at most as wide as the lesson's text.
LESSON_WIDTHS = (1200,)
CONTENT_TYPE = "image/webp"
EXTENSION = "webp"


class ImageError(CourseError):
    """An upload that is not an image the store takes; the message says why."""


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes


def _limits():
    config = current_app.config
    return config["IMAGE_MAX_BYTES"], config["IMAGE_MAX_PIXELS"]


def _mib(size):
    return f"{size / (1024 * 1024):.0f} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _open(data):
    """Decode `data` fully; the upright picture, or ImageError saying what is wrong."""
    max_bytes, max_pixels = _limits()
    if not data:
        raise ImageError("Choose an image file to upload (JPEG, PNG, WebP or GIF).")
    if len(data) > max_bytes:
        raise ImageError(f"The image is too large ({_mib(len(data))}); upload one of at "
                         f"most {_mib(max_bytes)}.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            picture = PILImage.open(io.BytesIO(data), formats=FORMATS)
            width, height = picture.size
            if width * height > max_pixels:
                raise ImageError(f"The image has too many pixels ({width}×{height}); "
                                 f"upload one of at most {max_pixels / 1e6:g} megapixels.")
            picture.load()
            picture = ImageOps.exif_transpose(picture)
    except ImageError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ImageError("The image has too many pixels; upload a smaller one.") from None
    except UnidentifiedImageError:
        raise ImageError("This file is not an image the store takes: upload a JPEG, PNG, "
                         "WebP or GIF.") from None
    except (OSError, ValueError, SyntaxError, EOFError):  # truncated or corrupt data
        raise ImageError("This image file is damaged or incomplete and cannot be read; "
                         "save it again and upload it.") from None
    return picture


def renditions(data, widths):
    """The upload re-encoded as WebP at each of `widths` no wider than the original
    (and at its own width when it is narrower than all of them)."""
    picture = _open(data)
    try:
        if picture.mode not in ("RGB", "RGBA"):
            has_alpha = picture.mode in ("LA", "PA") or "transparency" in picture.info
            picture = picture.convert("RGBA" if has_alpha else "RGB")
        sizes = sorted({min(width, picture.width) for width in widths})
        found = []
        for width in sizes:
            height = max(1, round(picture.height * width / picture.width))
            scaled = picture if width == picture.width else picture.resize(
                (width, height), PILImage.Resampling.LANCZOS)
            out = io.BytesIO()
            scaled.save(out, format="WEBP", quality=82, method=4)
            found.append(Rendition(width, height, out.getvalue()))
    except (OSError, ValueError):  # a colour mode WebP cannot hold, say
        raise ImageError("This image cannot be converted for the web; save it as an "
                         "ordinary JPEG or PNG and upload that.") from None
    return found


def _store(course, kind, found):
    key = secrets.token_urlsafe(12)  # 16 characters, a new address for every upload
    for item in found:
        db.session.add(Image(key=key, course_id=course.id, kind=kind, width=item.width,
                             height=item.height, content_type=CONTENT_TYPE,
                             data=item.data))
    return key


def check_alt(alt, *, required):
    """The alt text: required for a cover (it says what the picture shows)."""
    alt = clean_text(alt, "The description of the image", max_length=COVER_ALT_MAX)
    if required and not alt:
        raise ImageError("Describe the image for people who cannot see it (alt text), "
                         "e.g. “A laptop showing Python code”.")
    return alt


def set_cover(course, *, data, alt):
    """Check and store a new cover for `course` (the old one's files are deleted);
    raises CourseFormError with every problem ("file", "alt")."""
    errors, found = {}, None
    try:
        found = renditions(data, COVER_WIDTHS)
    except ImageError as exc:
        errors["file"] = str(exc)
    try:
        alt = check_alt(alt, required=True)
    except CourseError as exc:
        errors["alt"] = str(exc)
    if errors:
        raise CourseFormError(errors)
    old = course.cover_key
    course.cover_key = _store(course, "cover", found)
    course.cover_alt = alt
    if old:
        db.session.execute(delete(Image).where(Image.key == old))
    db.session.commit()
    return course


def set_cover_alt(course, alt):
    """Change only the cover's alt text."""
    course.cover_alt = check_alt(alt, required=True)
    db.session.commit()
    return course


def remove_cover(course):
    """Delete the course's cover (its page then shows none)."""
    if course.cover_key:
        db.session.execute(delete(Image).where(Image.key == course.cover_key))
    course.cover_key = None
    course.cover_alt = ""
    db.session.commit()


def add_lesson_image(course, data):
    """Store a picture for the course's lessons; its address (/media/…) to put in
    Markdown as ![what it shows](address)."""
    found = renditions(data, LESSON_WIDTHS)
    key = _store(course, "lesson", found)
    db.session.commit()
    return image_path(key, found[-1].width)


def image_path(key, width):
    """The address the store serves an image at."""
    return f"/media/{key}-{width}.{EXTENSION}"


def cover_sources(course):
    """[(address, width, height)] of the course's cover, narrowest first ([] if none)."""
    if not course.cover_key:
        return []
    rows = db.session.execute(
        select(Image.width, Image.height).where(Image.key == course.cover_key)
        .order_by(Image.width)).all()
    return [(image_path(course.cover_key, width), width, height) for width, height in rows]


def find_image(key, width):
    """(the stored image, its course) at this address, or (None, None)."""
    if not isinstance(key, str) or len(key) > 32:
        return None, None
    row = db.session.execute(
        select(Image, Course).join(Course, Course.id == Image.course_id)
        .where(Image.key == key, Image.width == width)).first()
    return (row[0], row[1]) if row else (None, None)
