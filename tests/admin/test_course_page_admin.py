"""The admin's side of a course page that sells, over HTTP: drafts, the course form's
errors beside every field at once, cover uploads (checked by decoding: not images, too
large, decompression bombs, wrong types get a clear 400, never a 500), pictures in
lessons (uploaded, or https only, with alt text), free previews."""

import io
import re
import struct
import zlib

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select

from app.catalog import images
from app.catalog.lessons import add_lesson, lessons_of
from app.catalog.services import add_course, get_course
from app.extensions import db
from app.models import Image
from tests.helpers import csrf_from

SLUG = "python-jumpstart"
COURSE = f"/admin/courses/{SLUG}"


def _picture(fmt="PNG", size=(2000, 1000), color=(84, 75, 230), mode="RGB"):
    """A real image file of this format and size."""
    out = io.BytesIO()
    PILImage.new(mode, size, color).save(out, format=fmt)
    return out.getvalue()


def _png_claiming(width, height):
    """A tiny PNG whose header claims width × height pixels (a decompression bomb)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.fixture
def course(app, emulator_control):
    with app.app_context():
        add_course(slug=SLUG, title="Python Jumpstart", price="69.00", currency="usd")
    return SLUG


def _upload(client, data, alt="A laptop showing Python code", name="cover.png",
            content_type="image/png"):
    token = csrf_from(client.get(COURSE).get_data(as_text=True))
    form = {"csrf_token": token, "alt": alt}
    if data is not None:
        form["file"] = (io.BytesIO(data), name, content_type)
    return client.post(f"{COURSE}/cover", data=form, content_type="multipart/form-data")


def _error(html, field):
    match = re.search(rf'data-testid="error-{field}"><span class="visually-hidden">Error: '
                      r"</span>([^<]*)</p>", html)
    return match and match.group(1)


def test_an_admin_sees_a_draft_with_a_banner_and_no_checkout(admin_client, app):
    """A signed-in admin opens the draft's page and lessons, marked Draft; no Pay."""
    with app.app_context():
        draft = add_course(slug="secret", title="Secret Draft", price="49.00",
                           currency="usd", published=False)
        add_lesson(draft, title="One", body="DRAFT-BODY-1")
    page = admin_client.get("/courses/secret")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="draft-banner"' in html and "Secret Draft" in html
    assert 'name="stripeToken"' not in html and "A draft cannot be bought" in html
    lesson = admin_client.get("/courses/secret/lessons/1").get_data(as_text=True)
    assert "DRAFT-BODY-1" in lesson and 'data-testid="draft-banner"' in lesson
    assert "Secret Draft" not in admin_client.get("/").get_data(as_text=True)
    edit = admin_client.get("/admin/courses/secret").get_data(as_text=True)
    assert 'data-testid="course-state">draft<' in edit and 'data-testid="publish"' in edit


def test_the_course_form_reports_every_error_at_once_beside_its_field(admin_client, app):
    """Five wrong fields: five messages, each beside its field (aria-invalid, described
    by the message) and listed at the top; what was typed stays; nothing is created."""
    token = csrf_from(admin_client.get("/admin/courses/new").get_data(as_text=True))
    response = admin_client.post("/admin/courses/new", data={
        "csrf_token": token, "slug": "Bad Slug!", "title": "", "price": "abc",
        "currency": "usd", "description": "Kept text", "teacher_name": "n" * 121,
        "learning_points": "\n".join(f"Point {n}" for n in range(13))})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert _error(html, "slug") == "A slug uses lower-case letters, digits and dashes."
    assert _error(html, "title") == "A course needs a title."
    assert _error(html, "price").startswith("&#39;abc&#39; is not a number.")
    assert _error(html, "teacher_name").startswith("The teacher&#39;s name is too long")
    assert _error(html, "learning_points") == "Write at most 12 points (13 given)."
    assert _error(html, "currency") is None and _error(html, "description") is None
    assert re.search(r'<input aria-describedby="title-error" aria-invalid="true" id="title"',
                     html)
    assert "These 5 need fixing; nothing was saved:" in html
    assert 'href="#slug"' in html and "Kept text</textarea>" in html
    with app.app_context():
        assert get_course("bad-slug") is None


def test_the_edit_form_reports_every_error_at_once(admin_client, app, course):
    """Editing: title and price wrong at once, both shown; the course is unchanged."""
    token = csrf_from(admin_client.get(COURSE).get_data(as_text=True))
    response = admin_client.post(COURSE, data={
        "csrf_token": token, "title": "", "price": "0.01", "currency": "usd",
        "teacher_bio": "b" * 1001})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert _error(html, "title") == "A course needs a title."
    assert _error(html, "price") == "The price must be at least $0.50."
    assert _error(html, "teacher_bio").startswith("The teacher&#39;s bio is too long")
    with app.app_context():
        assert get_course(SLUG).price_minor == 6900


def test_teacher_and_points_are_saved_from_the_form(admin_client, app, course):
    """The course page's fields go through the form to the page."""
    token = csrf_from(admin_client.get(COURSE).get_data(as_text=True))
    response = admin_client.post(COURSE, data={
        "csrf_token": token, "title": "Python Jumpstart", "price": "69.00",
        "currency": "usd", "teacher_name": "Grace Hopper", "teacher_bio": "Admiral.",
        "learning_points": "Loops\r\nFunctions\r\n"})
    assert response.status_code == 302
    with app.app_context():
        saved = get_course(SLUG)
        assert (saved.teacher_name, saved.teacher_bio, saved.points) == (
            "Grace Hopper", "Admiral.", ["Loops", "Functions"])


def test_a_cover_is_re_encoded_at_phone_and_desktop_widths(admin_client, app, course):
    """A 2000 px PNG is stored as WebP at 480, 960 and 1600 px; the course page and the
    catalog serve it with srcset and its alt text, cached for a year."""
    response = _upload(admin_client, _picture())
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        key = get_course(SLUG).cover_key
        rows = db.session.execute(select(Image.width, Image.height, Image.content_type)
                                  .where(Image.key == key).order_by(Image.width)).all()
    assert [tuple(r) for r in rows] == [(480, 240, "image/webp"), (960, 480, "image/webp"),
                                        (1600, 800, "image/webp")]
    client = app.test_client()  # a visitor
    html = client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert (f'srcset="/media/{key}-480.webp 480w, /media/{key}-960.webp 960w, '
            f'/media/{key}-1600.webp 1600w"') in html
    assert 'alt="A laptop showing Python code"' in html
    assert f"/media/{key}-480.webp 480w" in client.get("/").get_data(as_text=True)
    image = client.get(f"/media/{key}-480.webp")
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/webp"
    assert image.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert PILImage.open(io.BytesIO(image.data)).size == (480, 240)
    assert client.get(f"/media/{key}-481.webp").status_code == 404


def test_a_small_cover_is_not_enlarged_and_a_new_one_replaces_it(admin_client, app,
                                                                  course):
    """A 300 px JPEG is kept at 300 px; the next upload's files replace the old ones."""
    assert _upload(admin_client, _picture("JPEG", (300, 200)),
                   name="c.jpg").status_code == 302
    with app.app_context():
        first = get_course(SLUG).cover_key
        assert db.session.scalars(select(Image.width).where(Image.key == first)).all() \
            == [300]
    assert _upload(admin_client, _picture("WEBP", (600, 300))).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Image)
                                 .where(Image.key == first)) == 0
    assert admin_client.get(f"/media/{first}-300.webp").status_code == 404


BAD_UPLOADS = {
    "text named .png": (b"hello, I am not a picture" * 10, "not an image the store takes"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "not an image the store takes"),
    "pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "not an image the store"),
    "bmp (a format the store does not take)": (None, "not an image the store takes"),
    "tiff": ("TIFF", "not an image the store takes"),
    "truncated png": ("TRUNCATED", "damaged or incomplete"),
    "decompression bomb": (_png_claiming(40_000, 40_000), "too many pixels"),
    "just over the pixel limit": (_png_claiming(5001, 5000), "too many pixels (5001×5000)"),
    "empty": (b"", "Choose an image file"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_uploads_that_are_not_acceptable_images_get_a_clear_error(admin_client, app,
                                                                   course, case):
    """Each bad upload is a 400 with its reason beside the file field; nothing stored."""
    data, message = BAD_UPLOADS[case]
    if data is None:
        data = _picture("BMP", (50, 50))
    elif data == "TIFF":
        data = _picture("TIFF", (50, 50))
    elif data == "TRUNCATED":
        data = _picture("PNG", (400, 400), mode="RGB")
        noisy = PILImage.effect_noise((400, 400), 64).convert("RGB")
        out = io.BytesIO()
        noisy.save(out, format="PNG")
        data = out.getvalue()[:len(out.getvalue()) // 2]
    response = _upload(admin_client, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in (_error(html, "file") or ""), _error(html, "file")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Image)) == 0
        assert get_course(SLUG).cover_key is None


def test_a_file_over_the_size_limit_and_a_missing_alt_are_reported_together(
        admin_client, app, course):
    """Too large and no alt text: both errors at once, beside their fields."""
    app.config["IMAGE_MAX_BYTES"] = 10_000
    try:
        response = _upload(admin_client, _picture("BMP", (100, 100)) + b"\0" * 20_000,
                           alt="")
    finally:
        app.config["IMAGE_MAX_BYTES"] = 5 * 1024 * 1024
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert _error(html, "file").startswith("The image is too large (")
    assert "upload one of at most 10,000 bytes" in _error(html, "file")
    assert _error(html, "alt").startswith("Describe the image for people who cannot see")


def test_a_body_over_the_upload_limit_is_a_413_that_says_so(admin_client, app, course):
    """Larger than the upload form accepts: 413 naming the image limit, never a 500."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import stream_encode_multipart

    token = csrf_from(admin_client.get(COURSE).get_data(as_text=True))
    # Encoded in memory: the test client would spool a body this large to a file.
    body, length, boundary = stream_encode_multipart({
        "csrf_token": token, "alt": "A cover",
        "file": FileStorage(io.BytesIO(b"\xff" * (6 * 1024 * 1024)), "big.png")},
        use_tempfile=False)
    response = admin_client.post(f"{COURSE}/cover", data=body.getvalue(),
                                 content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413, response.text
    assert "The image is too large: upload an image of at most 5 MiB" in \
        response.get_data(as_text=True)


def test_other_forms_keep_the_one_mib_limit(admin_client, app, course):
    """Only the upload forms accept large bodies."""
    token = csrf_from(admin_client.get(COURSE).get_data(as_text=True))
    response = admin_client.post(COURSE, data={"csrf_token": token,
                                               "description": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_the_alt_text_alone_can_change_and_the_cover_can_be_removed(admin_client, app,
                                                                    course):
    client = app.test_client()  # a visitor
    """Without a new file, Save changes the alt text; Remove deletes the files."""
    _upload(admin_client, _picture())
    assert _upload(admin_client, None, alt="Code on a screen").status_code == 302
    assert 'alt="Code on a screen"' in client.get(f"/courses/{SLUG}").get_data(as_text=True)
    token = csrf_from(admin_client.get(COURSE).get_data(as_text=True))
    assert admin_client.post(f"{COURSE}/cover/remove",
                             data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Image)) == 0
    assert 'data-testid="cover"' not in client.get(f"/courses/{SLUG}").get_data(as_text=True)


def test_a_drafts_images_are_not_served_to_visitors(admin_client, app):
    """A draft's cover and lesson pictures answer 404 to visitors, and are not cached
    for admins."""
    with app.app_context():
        add_course(slug=SLUG, title="Python Jumpstart", price="69.00", currency="usd",
                   published=False)
    assert _upload(admin_client, _picture()).status_code == 302
    with app.app_context():
        key = get_course(SLUG).cover_key
        picture = images.add_lesson_image(get_course(SLUG), _picture(size=(100, 50)))
    assert app.test_client().get(f"/media/{key}-480.webp").status_code == 404
    assert app.test_client().get(picture).status_code == 404
    seen = admin_client.get(f"/media/{key}-480.webp")
    assert seen.status_code == 200 and "no-store" in seen.headers["Cache-Control"]


def _lesson_form(client, url, **fields):
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "title": "Pictures", "body": "Text."} | fields
    return client.post(url, data=data, content_type="multipart/form-data")


def test_a_picture_uploaded_in_the_lesson_form_goes_into_the_body(admin_client, app,
                                                                   course):
    """"Add the picture" stores it and appends its Markdown (not saved yet); saving
    keeps it; the lesson shows it sized for phones, with its alt text."""
    url = f"{COURSE}/lessons/new"
    response = _lesson_form(admin_client, url, add_picture="1",
                            picture=(io.BytesIO(_picture(size=(3000, 1500))), "p.png"),
                            picture_alt="A [diagram] of loops")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    path = re.search(r"\(/media/([A-Za-z0-9_-]+)-1200\.webp\)", html)
    assert path, html
    src = f"/media/{path.group(1)}-1200.webp"
    body = f"Text.\n\n![A \\[diagram\\] of loops]({src})\n"
    assert f'<img src="{src}" alt="A [diagram] of loops" loading="lazy">' in html
    saved = _lesson_form(admin_client, url, body=body, free_preview="y", save="1")
    assert saved.status_code == 302
    with app.app_context():
        [lesson] = lessons_of(get_course(SLUG))
        assert lesson.free_preview and src in lesson.body
    visitor = app.test_client()
    page = visitor.get(f"/courses/{SLUG}/lessons/1")  # a free preview: anyone opens it
    assert f'<img src="{src}" alt="A [diagram] of loops" loading="lazy">' in page.text
    assert PILImage.open(io.BytesIO(visitor.get(src).data)).size == (1200, 600)


def test_a_picture_that_is_not_an_image_is_refused_beside_its_field(admin_client, course):
    """A text file as the lesson's picture: 400, the message beside the field."""
    response = _lesson_form(admin_client, f"{COURSE}/lessons/new", add_picture="1",
                            picture=(io.BytesIO(b"not a picture"), "p.png"))
    assert response.status_code == 400
    assert "not an image the store takes" in _error(response.text, "picture")


@pytest.mark.parametrize("body, message", [
    ('<img src="javascript:alert(1)" alt="x">', "must be at an https:// address or "
                                                "uploaded here"),
    ('<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">', "must be at an https://"),
    ("![x](http://example.com/a.png)", "must be at an https://"),
    ('<img src="https://example.com/a.png">', "has no alt text"),
])
def test_lesson_pictures_from_elsewhere_or_without_alt_are_refused(admin_client, course,
                                                                   body, message):
    """Saving a lesson whose picture loads from javascript:, data: or http:, or has no
    alt text, is a 400 saying which picture and why."""
    response = _lesson_form(admin_client, f"{COURSE}/lessons/new", body=body, save="1")
    assert response.status_code == 400
    assert message in response.text


def test_an_https_picture_is_kept_and_the_lesson_page_may_load_it(admin_client, app,
                                                                   course):
    """An https picture with alt text is saved and shown; the lesson page's policy
    lets https images load, the course page's does not."""
    body = "![A chart](https://images.example.com/chart.png)"
    assert _lesson_form(admin_client, f"{COURSE}/lessons/new", body=body,
                        save="1").status_code == 302
    page = admin_client.get(f"/courses/{SLUG}/lessons/1")
    assert ('<img src="https://images.example.com/chart.png" alt="A chart" '
            'loading="lazy">') in page.text
    assert "img-src 'self' data: https:;" in page.headers["Content-Security-Policy"]
    course_page = admin_client.get(f"/courses/{SLUG}")
    assert "https:;" not in course_page.headers["Content-Security-Policy"].split(
        "img-src")[1].split(";")[0] + ";"


SEEDS = [_picture(fmt, (64, 48)) for fmt in ("PNG", "JPEG", "WEBP", "GIF")]


def _fuzzed_image():
    """Real images with bytes flipped, cut or added, and plain random bytes."""
    from hypothesis import strategies as st

    def mutate(args):
        seed, edits, cut = args
        data = bytearray(seed)
        for position, value in edits:
            data[position % len(data)] = value
        return bytes(data[:cut]) if cut else bytes(data)

    mutated = st.tuples(st.sampled_from(SEEDS),
                        st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)),
                                 max_size=8),
                        st.one_of(st.none(), st.integers(1, 2000))).map(mutate)
    return st.one_of(mutated, st.binary(max_size=2000), st.just(_png_claiming(1, 10**9)),
                     st.just(_png_claiming(2**31 - 1, 2**31 - 1)))


def test_fuzzed_uploads_are_images_or_a_clear_error(app_ctx):
    """Whatever the bytes, the decoder answers renditions or an ImageError (which the
    upload forms show beside the field): never another exception, so never a 500."""
    from hypothesis import HealthCheck, given, settings

    from app.catalog.images import COVER_WIDTHS, ImageError, renditions

    @settings(max_examples=300, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(_fuzzed_image())
    def check(data):
        try:
            found = renditions(data, COVER_WIDTHS)
        except ImageError as exc:
            assert str(exc)
        else:
            assert found and all(PILImage.open(io.BytesIO(r.data)).format == "WEBP"
                                 for r in found)

    check()


@pytest.mark.parametrize("mode, fmt, stored", [
    ("I;16", "PNG", "RGB"), ("1", "PNG", "RGB"), ("L", "PNG", "RGB"), ("LA", "PNG", "RGBA"),
    ("P", "PNG", "RGB"), ("CMYK", "JPEG", "RGB"), ("RGBA", "PNG", "RGBA"),
    ("P", "GIF", "RGB"), ("RGBA", "WEBP", "RGBA")])
def test_images_of_every_colour_mode_are_stored(app_ctx, mode, fmt, stored):
    """16-bit, black-and-white, grey, palette, CMYK and transparent images are stored as
    WebP (transparency kept)."""
    from app.catalog.images import renditions

    [only] = renditions(_picture(fmt, (40, 30), color=0, mode=mode), (480,))
    assert (only.width, only.height) == (40, 30)
    assert PILImage.open(io.BytesIO(only.data)).mode == stored
