"""Package files, served from ``/packages/content/<key>/…`` inside a CSP sandbox.

The sandbox (scripts allowed, same-origin not) gives the content an opaque origin: it cannot
read the app's cookies or storage or script the app's pages, and its requests carry no session.
SCORM content must script the player's ``API`` object in the parent page, which needs the same
origin: its files are served under ``/packages/scorm/<key>/…`` with ``allow-same-origin``, and
production should give that path its own host (see README). The key is 128 random bits.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from flask import abort, request, send_file
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


def _policy(same_origin: bool) -> str:
    origin = request.host_url.rstrip("/")
    sandbox = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads" + \
        (" allow-same-origin" if same_origin else "")
    return (f"{sandbox}; default-src {origin} 'unsafe-inline' 'unsafe-eval' data: blob:; "
            f"img-src {origin} data: blob:; media-src {origin} data: blob:; connect-src {origin}; "
            f"frame-ancestors 'self'; object-src 'none'; base-uri {origin}; form-action {origin}")


def _serve(key: str, path: str, *, same_origin: bool):
    if not _KEY.match(key) or "\x00" in path:
        abort(404)
    package = db.session.scalar(select(ContentPackage).where(ContentPackage.storage_key == key,
                                                             ContentPackage.deleted_at.is_(None)))
    if package is None or (package.standard == "cmi5") == same_origin:
        abort(404)
    root = (packages_root(upload_dir()) / key).resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file():
        abort(404)
    suffix = Path(path).suffix.lower()
    content_type = TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = send_file(target, mimetype=content_type, conditional=True, max_age=300)
    response.headers["Content-Security-Policy"] = _policy(same_origin)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@lrs_bp.route("/packages/content/<key>/<path:path>")
def content(key: str, path: str):
    return _serve(key, path, same_origin=False)


@lrs_bp.route("/packages/scorm/<key>/<path:path>")
def scorm_content(key: str, path: str):
    return _serve(key, path, same_origin=True)
