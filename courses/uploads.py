"""Uploaded course files: recognised by their content, capped in size, stored under random names.

The client's file name and content type are never trusted: the type comes from the file's
first bytes, the stored name is random hex, and the original name is kept (cleaned) only to
offer it back on download.
"""

from __future__ import annotations

import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import current_app
from werkzeug.utils import secure_filename

from lms.errors import RuleViolation
from lms.security import DEFAULT_VIDEO_EMBED_HOSTS

DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_VIDEO_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a small file that decodes to gigabytes of pixels is refused
CHUNK = 1024 * 1024

VIDEO_TYPES = {"video/mp4": ".mp4", "video/webm": ".webm"}
DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}
IMAGE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}
_PILLOW_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


class UploadRefused(RuleViolation, ValueError):
    """The file is not one we accept; the message says why, for the uploader."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int


def spool(stream, limit: int, directory: Path) -> tuple[Path, int]:
    """Copy ``stream`` to a new randomly named file in ``directory``; refused (and removed) over ``limit``."""
    path = directory / secrets.token_hex(16)
    size = 0
    try:
        with path.open("xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(f"The file is larger than {_size_text(limit)}.")
                out.write(chunk)
        if size == 0:
            raise UploadRefused("The file is empty.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size


def _size_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def upload_dir() -> Path:
    base = current_app.config["UPLOAD_DIR"]
    path = Path(base) / "courses"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes(kind: str) -> int:
    limits = current_app.config.get("COURSE_UPLOAD_MAX_BYTES") or {}
    if isinstance(limits, int):
        return limits
    default = {"video": DEFAULT_MAX_VIDEO_BYTES, "image": DEFAULT_MAX_IMAGE_BYTES}.get(kind, DEFAULT_MAX_DOCUMENT_BYTES)
    return int(limits.get(kind, default))


def sniff(path: Path) -> str | None:
    """The content type the file's bytes say it is, among those we accept; None otherwise."""
    with path.open("rb") as fh:
        head = fh.read(64)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in _read(path, 4096):
        return "video/webm"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and "ppt/presentation.xml" in names:
            return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    return None


def sniff_image(path: Path) -> str | None:
    """PNG, JPEG, GIF or WebP if the first bytes say so *and* the image decodes; None otherwise.

    Decoding (Pillow) refuses a file that only starts like an image (an HTML or SVG polyglot
    behind a PNG signature) and one whose pixel count would exhaust memory.
    """
    head = _read(path, 16)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        claimed = "image/png"
    elif head.startswith(b"\xff\xd8\xff"):
        claimed = "image/jpeg"
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        claimed = "image/gif"
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        claimed = "image/webp"
    else:
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if _PILLOW_FORMATS.get(image.format) != claimed or image.width * image.height > MAX_IMAGE_PIXELS:
                return None
            image.verify()
        with Image.open(path) as image:
            image.load()  # verify() checks structure; load() decodes, catching truncated pixel data
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return claimed


def _read(path: Path, n: int) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def clean_name(filename: str | None, content_type: str) -> str:
    """A harmless display name with the extension that matches the content."""
    extension = {**VIDEO_TYPES, **DOCUMENT_TYPES, **IMAGE_TYPES}[content_type]
    stem = secure_filename(os.path.basename((filename or "").replace("\\", "/"))) or "file"
    stem = stem.rsplit(".", 1)[0][:80] or "file"
    return f"{stem}{extension}"


def store_upload(stream, filename: str | None, kind: str) -> StoredFile:
    """Copy ``stream`` to storage if it is an accepted ``kind`` ("video", "attachment" or "image") under the cap."""
    path, size = spool(stream, max_bytes(kind), upload_dir())
    try:
        content_type = sniff_image(path) if kind == "image" else sniff(path)
        accepted = {"video": VIDEO_TYPES, "image": IMAGE_TYPES}.get(kind, DOCUMENT_TYPES)
        if content_type not in accepted:
            wanted = {"video": "an MP4 or WebM video",
                      "image": "a PNG, JPEG, GIF or WebP image (SVG is not accepted)"}.get(
                kind, "a PDF or PowerPoint (.pptx) file")
            raise UploadRefused(f"That file is not {wanted}.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredFile(path.name, clean_name(filename, content_type), content_type, size)


def stored_path(stored_name: str) -> Path:
    if not stored_name or not all(c in "0123456789abcdef" for c in stored_name):
        raise FileNotFoundError(stored_name)
    return upload_dir() / stored_name


def embed_hosts() -> tuple[str, ...]:
    return tuple(current_app.config.get("VIDEO_EMBED_HOSTS") or DEFAULT_VIDEO_EMBED_HOSTS)


def normalise_embed_url(url: str, hosts: tuple[str, ...]) -> str:
    """An https player URL on an allow-listed host, rebuilt from its parts (so nothing else rides along)."""
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or host not in hosts or parts.username or parts.password or parts.port:
        raise UploadRefused("Use an https player link from " + " or ".join(hosts) + ".")
    path = parts.path
    if host.endswith("youtube-nocookie.com"):
        video = path.removeprefix("/embed/")
        if not path.startswith("/embed/") or not video or not all(c.isalnum() or c in "-_" for c in video):
            raise UploadRefused("Use a YouTube privacy-enhanced embed link: https://www.youtube-nocookie.com/embed/…")
        return f"https://{host}/embed/{video}"
    if host == "player.vimeo.com":
        video = path.removeprefix("/video/")
        if not path.startswith("/video/") or not video.isdigit():
            raise UploadRefused("Use a Vimeo player link: https://player.vimeo.com/video/…")
        h = parse_qs(parts.query).get("h", [""])[0]
        return f"https://{host}/video/{video}" + (f"?h={h}" if h.isalnum() else "")
    video = path if all(c.isalnum() or c in "/-_" for c in path) else ""
    if not video:
        raise UploadRefused("That player link has characters we do not accept.")
    return f"https://{host}{video}"
