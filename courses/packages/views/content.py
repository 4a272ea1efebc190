"""Package files, served from ``/packages/content/<key>/…`` inside a CSP sandbox.

The sandbox (scripts allowed, same-origin not) gives the content an opaque origin: it cannot
read the app's cookies or storage or script the app's pages, and its requests carry no session.
SCORM content finds its ``API`` in its own window: each HTML page of a SCORM package is served
with scorm-again's cross-frame client injected at the top of its head, which answers the SCO
from a cache seeded from ``window.name`` (set by the player) and relays every call to the real
API in the player page by postMessage. The key is 128 random bits.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from flask import Response, abort, request, send_file
from sqlalchemy import select

from courses.packages import lrs_bp
from courses.packages.importer import packages_root
from courses.packages.models import ContentPackage
from courses.packages.views.common import upload_dir
from lms.extensions import db

_KEY = re.compile(r"^[0-9a-f]{32}$")
TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json",
    ".xml": "application/xml", ".xsd": "application/xml", ".svg": "image/svg+xml", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
    ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg", ".wav": "audio/wav", ".ogg": "audio/ogg",
    ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf", ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8", ".vtt": "text/vtt", ".swf": "application/octet-stream",
}


BRIDGE = ('<script src="{0}/static/vendor/scorm-again/cross-frame-api.min.js"></script>'
          '<script src="{0}/static/js/scorm-bridge.js"></script>')


def _policy() -> str:
    origin = request.host_url.rstrip("/")
    sandbox = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads"
    return (f"{sandbox}; default-src {origin} 'unsafe-inline' 'unsafe-eval' data: blob:; "
            f"img-src {origin} data: blob:; media-src {origin} data: blob:; connect-src {origin}; "
            f"frame-ancestors 'self'; object-src 'none'; base-uri {origin}; form-action {origin}")


def _serve(key: str, path: str):
    if not _KEY.match(key) or "\x00" in path:
        abort(404)
    package = db.session.scalar(select(ContentPackage).where(ContentPackage.storage_key == key,
                                                             ContentPackage.deleted_at.is_(None)))
    if package is None:
        abort(404)
    root = (packages_root(upload_dir()) / key).resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file():
        abort(404)
    suffix = Path(path).suffix.lower()
    content_type = TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if package.standard != "cmi5" and suffix in (".html", ".htm"):
        response = Response(_inject(target.read_bytes(), request.host_url.rstrip("/")), mimetype=content_type)
        response.headers["Cache-Control"] = "no-store"
    else:
        response = send_file(target, mimetype=content_type, conditional=True, max_age=300)
    response.headers["Content-Security-Policy"] = _policy()
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _inject(html: bytes, origin: str) -> bytes:
    """The SCORM page with the cross-frame API client first in its head (before any of its own scripts)."""
    bridge = BRIDGE.format(origin).encode()
    match = re.search(rb"<head[^>]*>", html, re.IGNORECASE)
    if match:
        return html[:match.end()] + bridge + html[match.end():]
    match = re.search(rb"<html[^>]*>", html, re.IGNORECASE)
    at = match.end() if match else 0
    return html[:at] + bridge + html[at:]


@lrs_bp.route("/packages/content/<key>/<path:path>")
def content(key: str, path: str):
    return _serve(key, path)
