"""Lesson bodies: Markdown to HTML (markdown-it-py), then ammonia's allow-list (nh3).

Sellers may write CommonMark with tables and strikethrough, and a little inline HTML
(<kbd>, <sub>, <details>...). Whatever the parser emits goes through nh3, which keeps
only allow-listed tags and attributes and http(s)/mailto links: <script>, <style> and
<iframe> go (script and style with their content), and so do event attributes,
style attributes and javascript: URLs.

Then code blocks and tables, which may be wider than a phone and scroll sideways, are made
reachable by keyboard: `<pre tabindex="0">`, and each table inside a focusable, labelled
region (WCAG's scrollable-region-focusable). nh3 emits these tags bare (no attribute of
theirs is allowed) and escapes every `<` in text, so the exact tags are safe to replace.
"""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
_parser.enable(["table", "strikethrough"])

#: ammonia's default tags, without images (they would load third-party content into a
#: paid page) and without layout tags a lesson has no use for.
TAGS = frozenset(nh3.ALLOWED_TAGS - {"img", "map", "area", "center", "nav", "header",
                                     "footer", "article", "aside", "hgroup"})
ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "abbr": {"title"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: What a lesson's table scrolls in (site.css `.table-wrap`).
SCROLL_REGION = '<div class="table-wrap" tabindex="0" role="region" aria-label="Table">'


@lru_cache(maxsize=512)
def render_markdown(text):
    """Sanitized HTML for a Markdown body, safe to put into a page."""
    html = _parser.render(text or "")
    clean = nh3.clean(html, tags=set(TAGS), attributes=ATTRIBUTES,
                      url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer nofollow",
                      clean_content_tags={"script", "style"})
    clean = clean.replace("<pre>", '<pre tabindex="0">')
    clean = clean.replace("<table>", SCROLL_REGION + "<table>").replace("</table>",
                                                                         "</table></div>")
    return Markup(clean)  # noqa: S704  (nh3's allow-list output is the safe HTML)
