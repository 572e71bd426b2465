"""Lesson Markdown to sanitized HTML, with [[check:id]] and [[activity:id]] placeholders split out as segments."""
from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

PLACEHOLDER_LINE = re.compile(r"^\[\[(check|activity):([a-z0-9-]+)\]\]\s*$", re.MULTILINE)
# A line that looks like a placeholder but is not one (a typo would otherwise show as text).
LOOSE_PLACEHOLDER_LINE = re.compile(r"^[ \t]*\[\[[^\]\n]*\]\][ \t]*$", re.MULTILINE)
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


def split_placeholders(body: str) -> list[tuple[str, str | None, str | None, int]]:
    """Split a body into (markdown, None, None, line) and ("", kind, id, line) parts in order, where kind
    is "check" or "activity" and line is the 0-based line of the body where the part starts."""
    parts: list[tuple[str, str | None, str | None, int]] = []
    last = 0
    for match in PLACEHOLDER_LINE.finditer(body):
        parts.append((body[last:match.start()], None, None, body.count("\n", 0, last)))
        parts.append(("", match.group(1), match.group(2), body.count("\n", 0, match.start())))
        last = match.end()
    parts.append((body[last:], None, None, body.count("\n", 0, last)))
    return [p for p in parts if p[1] or p[0].strip()]


def loose_placeholders(body: str) -> list[tuple[int, str]]:
    """(0-based line, text) of lines written like a placeholder that are not a valid one."""
    return [(body.count("\n", 0, m.start()), m.group(0).strip()) for m in LOOSE_PLACEHOLDER_LINE.finditer(body)
            if not PLACEHOLDER_LINE.fullmatch(m.group(0).strip())]


def count_words(body: str) -> int:
    """Words a learner reads in the body: placeholders and code fences excluded (formats spec 2)."""
    text = PLACEHOLDER_LINE.sub(" ", _FENCE.sub(" ", body))
    return len(_WORD.findall(text))
