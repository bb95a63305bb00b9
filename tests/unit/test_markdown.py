"""Lesson Markdown becomes HTML through markdown-it-py, then nh3's allow-list."""

import pytest

from app.catalog.markdown import render_markdown


def test_markdown_structure_survives():
    """Headings, lists, fenced code, tables, emphasis and safe links render."""
    html = str(render_markdown(
        "## Setup\n\n- one\n- two\n\n1. first\n\n```python\nprint('<b>hi</b>')\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n*em* **strong** `code` ~~old~~\n\n"
        "[docs](https://docs.python.org/3/ \"Python docs\")\n\n> quoted\n"
    ))
    for fragment in ("<h2>Setup</h2>", "<li>one</li>", "<ol>", '<pre tabindex="0"><code>',
                     "print('&lt;b&gt;hi&lt;/b&gt;')", "<table>", "<td>2</td>", "<em>em</em>",
                     "<strong>strong</strong>", "<code>code</code>", "<s>old</s>",
                     "<blockquote>"):
        assert fragment in html, fragment
    assert ('<a href="https://docs.python.org/3/" title="Python docs" '
            'rel="noopener noreferrer nofollow">docs</a>') in html


def test_code_blocks_and_tables_can_be_scrolled_by_keyboard():
    """A code block is focusable, a table sits in a focusable, labelled region; an
    author's own attributes on them are still removed."""
    html = str(render_markdown(
        "```\n" + "x" * 300 + "\n```\n\n| a |\n|---|\n| 1 |\n\n"
        '<pre onclick="x()" tabindex="5">raw</pre>\n\n`<pre>`'))
    assert html.count('<pre tabindex="0">') == 2 and "onclick" not in html
    assert 'tabindex="5"' not in html and "<code>&lt;pre&gt;</code>" in html
    assert ('<div class="table-wrap" tabindex="0" role="region" aria-label="Table"><table>'
            in html) and html.count("</table></div>") == 1


@pytest.mark.parametrize("source, forbidden", [
    ("<script>alert('x')</script>\n\nafter", ["<script", "alert"]),
    ("<iframe src=\"https://evil.example\"></iframe>\n\nafter", ["<iframe", "evil.example"]),
    ("[click](javascript:alert(1))", ["<a ", "href="]),  # left as plain text
    ('<a href="javascript:alert(1)">x</a>', ["javascript:"]),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', ["avascript"]),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', ["data:"]),
    ('<p onclick="steal()">hi</p>', ["onclick", "steal"]),
    ('<img src="x" onerror="steal()">', ["<img", "onerror", "steal"]),  # no source
    ('<svg onload="steal()"><circle r="1"/></svg>', ["<svg", "onload", "steal"]),
    ('<p style="background:url(javascript:x)">hi</p>', ["style=", "javascript"]),
    ("<style>body{display:none}</style>\n\nafter", ["<style", "display:none"]),
    ('<form action="https://evil.example"><input name="card"></form>', ["<form", "<input"]),
    ('<object data="x.swf"></object><embed src="x.swf">', ["<object", "<embed"]),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example">', ["<meta", "refresh"]),
    ('<base href="https://evil.example/">', ["<base"]),
])
def test_dangerous_markup_is_removed(source, forbidden):
    """Scripts, frames, javascript:/data: links, event and style attributes never survive."""
    html = str(render_markdown(source)).lower()
    for text in forbidden:
        assert text.lower() not in html, (source, html)


def test_allowed_inline_html_is_kept():
    """A little harmless HTML is fine: keyboard keys, subscripts, details."""
    html = str(render_markdown("Press <kbd>Ctrl</kbd>+<kbd>C</kbd>, H<sub>2</sub>O\n\n"
                               "<details><summary>Answer</summary>42</details>"))
    assert "<kbd>Ctrl</kbd>" in html and "<sub>2</sub>" in html
    assert "<details><summary>Answer</summary>42</details>" in html


def test_empty_and_odd_input():
    """None, empty text and a lone NUL do not break the renderer."""
    assert str(render_markdown(None)) == ""
    assert str(render_markdown("")) == ""
    assert "\x00" not in str(render_markdown("a\x00b"))


@pytest.mark.parametrize("source, expected", [
    ("![A cat](https://images.example.com/cat.png)",
     '<img src="https://images.example.com/cat.png" alt="A cat" loading="lazy">'),
    ("![](/media/AbC_d-9-1200.webp)", '<img src="/media/AbC_d-9-1200.webp" alt="" '
                                      'loading="lazy">'),
    ('<img src="https://images.example.com/a.png" width="300" height="x9">',
     '<img src="https://images.example.com/a.png" width="300" loading="lazy" alt="">'),
])
def test_pictures_from_https_or_the_store_are_kept_with_alt_text(source, expected):
    """https and uploaded pictures stay (lazy, alt text, an empty alt when none)."""
    assert expected in str(render_markdown(source))


@pytest.mark.parametrize("source", [
    '<img src="javascript:alert(1)" alt="x">',
    '<img src="JAVASCRIPT:alert(1)" alt="x">',
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">',
    '<img src="http://images.example.com/a.png" alt="x">',
    '<img src="//images.example.com/a.png" alt="x">',
    '<img src="https://" alt="x">',
    '<img src="/media/../admin" alt="x">',
    '<img src="/static/js/admin.js" alt="x">',
    '<img alt="no source">',
    '<img src="https://ok.example/a.png" onerror="steal()" style="x" alt="x">',
])
def test_pictures_from_anywhere_else_are_dropped(source):
    """Any other source drops the whole picture; event and style attributes never stay."""
    html = str(render_markdown(source))
    assert "onerror" not in html and "style" not in html
    if "ok.example" not in source:
        assert "<img" not in html, html


def test_image_problems_name_each_picture():
    """The admin's check says which picture is wrong and why."""
    from app.catalog.markdown import image_problems

    assert image_problems("![a](https://x.example/a.png) ![](/media/k-1-1200.webp)") == []
    problems = image_problems('<img src="http://x.example/a.png" alt="a">\n\n'
                              '<img src="https://x.example/b.png">')
    assert problems[0].startswith("Picture 1 (http://x.example/a.png) must be at an https")
    assert problems[1].startswith("Picture 2 (https://x.example/b.png) has no alt text")
