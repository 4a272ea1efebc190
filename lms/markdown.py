"""Markdown written by educators and managers, rendered to HTML that cannot run script.

markdown-it renders with raw HTML disabled, then nh3 (ammonia) cleans the result against an
allow-list, so neither Markdown links (``[x](javascript:...)``) nor embedded HTML survive.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitised HTML, safe to insert into a page."""
    text = text or ""
    # A pure function of the text: agendas, minutes and lessons shown on every visit are rendered once.
    return _render_kept(text) if len(text) <= KEEP_CHARS else _render(text)


KEEP_CHARS = 20_000  # longer texts are rendered each time rather than held in memory


@lru_cache(maxsize=512)
def _render_kept(text: str) -> Markup:
    return _render(text)


def _render(text: str) -> Markup:
    html = _md.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # nh3 output is an allow-listed fragment: it is what makes this Markup safe.
    return Markup(clean)
