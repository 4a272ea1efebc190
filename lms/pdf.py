"""PDF rendering with weasyprint, in one function, fetching nothing from outside the app.

The URL fetcher serves only the app's own static files and files handed over explicitly
(``assets``: name -> bytes); ``file:``, ``http(s):`` to any address, ``data:`` and anything
else is refused, so user text can never make the renderer read a local file or reach the
network (SSRF), and nothing it refuses is followed as a redirect.
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path

STATIC_PREFIX = "continuum-static:"
ASSET_PREFIX = "continuum-asset:"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


class FetchRefused(ValueError):
    pass


@lru_cache(maxsize=1)
def font_config():
    # One font configuration per process: building one per render is ~40% slower and grows memory.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=32)
def stylesheet(css_text: str):
    from weasyprint import CSS

    return CSS(string=css_text, font_config=font_config(), url_fetcher=fetcher_class()())


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class RestrictedFetcher(URLFetcher):
        """Answers only ``continuum-static:`` and ``continuum-asset:`` URLs, from memory and disk.

        It never calls the parent's ``fetch``, so urllib (file:, http:, ftp:, data:, redirects)
        is never reached.
        """

        def __init__(self, assets: dict[str, bytes] | None = None):
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
            self.assets = assets or {}

        def fetch(self, url, headers=None):
            if url.startswith(STATIC_PREFIX):
                relative = url[len(STATIC_PREFIX):].lstrip("/")
                path = (STATIC_DIR / relative).resolve()
                if STATIC_DIR not in path.parents or not path.is_file():
                    raise FetchRefused(f"no such static file {relative!r}")
                return URLFetcherResponse(url, path.read_bytes(),
                                          {"Content-Type": mimetypes.guess_type(path.name)[0] or "text/plain"})
            if url.startswith(ASSET_PREFIX):
                name = url[len(ASSET_PREFIX):]
                if name not in self.assets:
                    raise FetchRefused(f"no such asset {name!r}")
                return URLFetcherResponse(url, self.assets[name],
                                          {"Content-Type": mimetypes.guess_type(name)[0] or "image/png"})
            raise FetchRefused(f"refused to fetch {url[:80]!r}")

    return RestrictedFetcher


@lru_cache(maxsize=1)
def fetcher_class():
    return _fetcher_class()


def render_pdf(html: str, *, stylesheets: tuple[str, ...] = (), assets: dict[str, bytes] | None = None,
               attachments: bool = True) -> bytes:
    """Render trusted template HTML (user text already escaped) to PDF bytes.

    ``attachments=False`` drops ``rel=attachment`` links before writing, so the PDF embeds no
    file whatever the HTML says (certificates built from user-edited templates).
    """
    from weasyprint import HTML

    document = HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=fetcher_class()(assets))
    sheets = [stylesheet(css) for css in stylesheets]
    if attachments:
        return document.write_pdf(stylesheets=sheets, font_config=font_config())
    rendered = document.render(stylesheets=sheets, font_config=font_config())
    rendered.metadata.attachments = []
    for page in rendered.pages:
        page.links[:] = [link for link in page.links if link[0] != "attachment"]
    return rendered.write_pdf()
