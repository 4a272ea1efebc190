"""Markdown written by educators and managers, rendered to HTML that cannot run script.

markdown-it renders with raw HTML disabled, then nh3 (ammonia) cleans the result against an
allow-list, so neither Markdown links (``[x](javascript:...)``) nor embedded HTML survive.
Images are kept only when they are the app's own uploaded course images
(``/courses/<id>/images/<random name>``): no other host (a tracking pixel), no ``data:`` or
``javascript:`` URL, no path elsewhere on the site.
"""

from __future__ import annotations

import re
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
IMAGE_SRC = re.compile(r"^/courses/[0-9]+/images/[0-9a-f]{32}$")


def _attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if IMAGE_SRC.match(value) else None
    return value


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitised HTML, safe to insert into a page."""
    text = text or ""
    # A pure function of the text: agendas, minutes and lessons shown on every visit are rendered once.
    return _render_kept(text) if len(text) <= KEEP_CHARS else _render(text)


KEEP_CHARS = 20_000  # longer texts are rendered each time rather than held in memory


@lru_cache(maxsize=512)
def _render_kept(text: str) -> Markup:
    return _render(text)


_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_ALT = re.compile(r'\salt="([^"]*)"')


def _alt_text(tag: str) -> str:
    found = _ALT.search(tag)
    return found.group(1) if found else ""


def _render(text: str) -> Markup:
    html = _md.render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # An image whose source was refused keeps no <img> at all: its alt text stays, as text.
    clean = _IMG_WITHOUT_SRC.sub(lambda m: _alt_text(m.group(0)), clean)
    # nh3 output is an allow-listed fragment: it is what makes this Markup safe.
    return Markup(clean)
