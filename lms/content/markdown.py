"""Lesson Markdown to sanitized HTML, with [[check:id]] placeholders split out as segments."""
from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

CHECK_LINE = re.compile(r"^\[\[check:([a-z0-9-]+)\]\]\s*$", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F'’-]+")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)

# html=False escapes raw HTML in the source; nh3 is the second line of defence.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable("table")
_ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "blockquote", "code",
    "pre", "a", "hr", "br", "table", "thead", "tbody", "tr", "th", "td",
}


def render_markdown(text: str) -> str:
    html = _md.render(text)
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def split_checks(body: str) -> list[tuple[str, str | None]]:
    """Split a body into (markdown, None) and ("", check_id) parts in order."""
    parts: list[tuple[str, str | None]] = []
    last = 0
    for match in CHECK_LINE.finditer(body):
        parts.append((body[last:match.start()], None))
        parts.append(("", match.group(1)))
        last = match.end()
    parts.append((body[last:], None))
    return [p for p in parts if p[1] or p[0].strip()]


def count_words(body: str) -> int:
    text = CHECK_LINE.sub(" ", _FENCE.sub(" ", body))
    return len(_WORD.findall(text))
