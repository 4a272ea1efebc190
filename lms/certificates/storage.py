"""Issued PDFs on disk, named by their SHA-256: written to a temporary name, synced, then renamed,
so a crash or a failed render never leaves a half-written certificate behind."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from flask import current_app


def directory() -> Path:
    path = Path(current_app.config["CERTIFICATE_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
        raise ValueError("not a sha256")
    return directory() / f"{sha256}.pdf"


def store(data: bytes) -> tuple[str, int]:
    """Store ``data`` under its hash; storing the same bytes twice is harmless."""
    sha = hashlib.sha256(data).hexdigest()
    final = path_for(sha)
    if final.exists() and final.stat().st_size == len(data):
        return sha, len(data)
    tmp = final.with_name(f"{final.name}.tmp-{secrets.token_hex(8)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    return sha, len(data)


def discard(sha256: str) -> None:
    """Remove a file no row names (a lost race); content-addressed, so nobody else can need it."""
    try:
        path_for(sha256).unlink()
    except FileNotFoundError:
        pass
