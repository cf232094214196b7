"""Turning residents' text into safe HTML: Markdown rendered once, then sanitised by nh3."""

import unicodedata

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "h3", "h4", "a", "code", "pre", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# Bidirectional controls can make text read differently from how it is stored.
_BIDI_CONTROLS = {
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
}


def clean_text(value: str) -> str:
    """Plain text as residents typed it, minus bidi overrides and control characters."""
    return "".join(
        ch
        for ch in unicodedata.normalize("NFC", value or "")
        if ch not in _BIDI_CONTROLS and (ch in "\n\t" or unicodedata.category(ch) != "Cc")
    ).strip()


# CommonMark without raw HTML; markdown-it-py stays near-linear on hostile input, where
# Python-Markdown took minutes on unclosed brackets. Nesting is capped as well.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "maxNesting": 10})


def render_markdown(source: str) -> str:
    """Markdown to HTML that keeps only harmless tags; links get rel=nofollow noopener."""
    html = _MARKDOWN.render(clean_text(source)).strip()
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )
