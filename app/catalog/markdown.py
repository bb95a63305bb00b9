"""Lesson bodies: Markdown to HTML (markdown-it-py), then ammonia's allow-list (nh3).

Sellers may write CommonMark with tables and strikethrough, and a little inline HTML
(<kbd>, <sub>, <details>...). Whatever the parser emits goes through nh3, which keeps
only allow-listed tags and attributes and http(s)/mailto links: <script>, <style> and
<iframe> go (script and style with their content), and so do event attributes,
style attributes and javascript: URLs.

Pictures are allowed from two places only: an https:// address, or a picture uploaded in
the admin (`/media/<key>-<width>.webp`, served by the store). Any other `src` (http:,
javascript:, data:, a protocol-relative //host) is dropped, and so is the picture with it;
a picture without alt text gets an empty one (decorative) here, while the admin refuses
to save one (`image_problems`). site.css keeps pictures within the lesson's width.

Then code blocks and tables, which may be wider than a phone and scroll sideways, are made
reachable by keyboard: `<pre tabindex="0">`, and each table inside a focusable, labelled
region (WCAG's scrollable-region-focusable). nh3 emits these tags bare (no attribute of
theirs is allowed) and escapes every `<` in text, so the exact tags are safe to replace.
"""

import re
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
_parser.enable(["table", "strikethrough"])

#: ammonia's default tags, without layout tags a lesson has no use for.
TAGS = frozenset(nh3.ALLOWED_TAGS - {"map", "area", "center", "nav", "header",
                                     "footer", "article", "aside", "hgroup"})
ATTRIBUTES = {
    "img": {"src", "alt", "title", "width", "height"},
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "abbr": {"title"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: What a lesson's table scrolls in (site.css `.table-wrap`).
SCROLL_REGION = '<div class="table-wrap" tabindex="0" role="region" aria-label="Table">'


#: A picture uploaded in the admin (app/catalog/images.py's addresses).
UPLOADED_IMAGE = re.compile(r"/media/[A-Za-z0-9_-]{1,32}-[1-9][0-9]{0,4}\.webp")
_IMG_TAG = re.compile(r"<img\b[^>]*>")


def allowed_image_source(src):
    """Whether a picture may load from `src`: https with a host, or an uploaded one."""
    src = src or ""
    if UPLOADED_IMAGE.fullmatch(src):
        return True
    if not src.startswith("https://") or any(c.isspace() or c in "\"'<>\\" for c in src):
        return False
    try:
        return bool(urlsplit(src).hostname)
    except ValueError:
        return False


def _attribute_filter(tag, attribute, value):
    if tag != "img":
        return value
    if attribute == "src":
        return value if allowed_image_source(value) else None
    if attribute in ("width", "height"):
        return value if value.isdigit() and len(value) <= 4 else None
    return value


def _finish_image(match):
    """A cleaned <img>: dropped without a source, given alt="" without alt text."""
    tag = match.group(0)
    if " src=" not in tag:
        return ""
    if " alt=" not in tag:
        tag = tag[:-1] + ' alt="">'
    return tag


@lru_cache(maxsize=512)
def render_markdown(text):
    """Sanitized HTML for a Markdown body, safe to put into a page."""
    html = _parser.render(text or "")
    clean = nh3.clean(html, tags=set(TAGS), attributes=ATTRIBUTES,
                      url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer nofollow",
                      clean_content_tags={"script", "style"},
                      attribute_filter=_attribute_filter,
                      set_tag_attribute_values={"img": {"loading": "lazy"}})
    clean = _IMG_TAG.sub(_finish_image, clean)
    clean = clean.replace("<pre>", '<pre tabindex="0">')
    clean = clean.replace("<table>", SCROLL_REGION + "<table>").replace("</table>",
                                                                         "</table></div>")
    return Markup(clean)  # noqa: S704  (nh3's allow-list output is the safe HTML)


class _Pictures(HTMLParser):
    """Collects the attributes of every <img> the Markdown turns into."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.found.append(dict(attrs))

    handle_startendtag = handle_starttag


def image_problems(text):
    """What is wrong with the pictures of a Markdown body, one message each ([] if
    nothing): a source that is not https or uploaded here, a picture without alt text."""
    collector = _Pictures()
    collector.feed(_parser.render(text or ""))
    problems = []
    for number, attrs in enumerate(collector.found, start=1):
        src = attrs.get("src") or ""
        shown = src if len(src) <= 60 else src[:60] + "…"
        if not allowed_image_source(src):
            problems.append(f"Picture {number} ({shown or 'no address'}) must be at an "
                            "https:// address or uploaded here; other addresses "
                            "(http:, data:, javascript:) are not shown.")
        elif attrs.get("alt") is None:
            problems.append(f"Picture {number} ({shown}) has no alt text: write "
                            "![what it shows](address), or ![](address) if it is only "
                            "decoration.")
    return problems
