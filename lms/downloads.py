"""Serving files people uploaded: the sniffed, allow-listed type, as an attachment, sandboxed.

A stored upload is never served with a type taken from its name: the first bytes decide, and
only types on the caller's allow-list are served as themselves (anything else is an opaque
``application/octet-stream``). ``nosniff`` stops the browser guessing, the CSP sandbox stops a
file that is opened anyway from running script on this origin, and the download name loses bidi
and control characters so ``invoice\u202Efdp.exe`` cannot pose as a PDF.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, send_file

from lms.text import safe_filename

SIGNATURES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
SANDBOX = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def sniff(path: Path) -> str | None:
    with path.open("rb") as fh:
        head = fh.read(16)
    return next((kind for magic, kind in SIGNATURES.items() if head.startswith(magic)), None)


def harden(response: Response, *, cache: str = "private, no-store") -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX
    response.headers["Cache-Control"] = cache
    return response


def send_upload(path: Path, download_name: str | None, *, allowed: set[str], mimetype: str | None = None,
                attachment: bool = True, cache: str = "private, no-store", **kwargs) -> Response:
    """Send ``path`` with its sniffed type if allowed (or ``mimetype``, if given and allowed), sandboxed."""
    kind = mimetype or sniff(path)
    if kind not in allowed:
        kind = "application/octet-stream"
    name = safe_filename(download_name, "download")
    extension = EXTENSIONS.get(kind)
    if extension and not name.lower().endswith(extension):
        name = name.rsplit(".", 1)[0] + extension
    return harden(send_file(path, mimetype=kind, as_attachment=attachment, download_name=name, **kwargs), cache=cache)
