"""Checking a package zip before a byte of it is kept: size, paths, bombs.

Every refusal is a ``PackageRefused`` whose message is written for the educator who uploaded it.
The checks read the zip's directory first (names, declared sizes, ratios) and then count the
bytes actually inflated, so a header that lies about a member's size is caught too.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

DEFAULT_LIMITS = {
    "upload_bytes": 500 * 1024 * 1024,       # the zip as uploaded
    "total_bytes": 1024 * 1024 * 1024,       # everything inflated
    "member_bytes": 512 * 1024 * 1024,       # one file inflated
    "ratio": 200,                            # inflated / compressed, for members past 1 MiB
    "files": 20000,
}
CHUNK = 1024 * 1024


class PackageRefused(ValueError):
    """The package cannot be imported; the message says why. ``requirement`` names a cmi5 rule when one applies."""

    def __init__(self, message: str, requirement: str | None = None):
        super().__init__(message)
        self.requirement = requirement


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    total_bytes: int
    member_bytes: int
    ratio: int
    files: int

    @classmethod
    def from_config(cls, config) -> "Limits":
        values = dict(DEFAULT_LIMITS)
        if config.get("PACKAGE_MAX_UPLOAD_MB"):
            values["upload_bytes"] = int(config["PACKAGE_MAX_UPLOAD_MB"]) * 1024 * 1024
        values.update({k: int(v) for k, v in (config.get("PACKAGE_LIMITS") or {}).items()})
        return cls(**values)


def safe_member_name(name: str) -> str:
    """The member's path inside the package, or a refusal for anything that could land outside it."""
    if not name or "\x00" in name or "\\" in name:
        raise PackageRefused(f"The package holds a file with an unsafe name ({name[:80]!r}).")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise PackageRefused(f"The package holds an absolute path ({name[:80]!r}); paths must stay inside it.")
    parts = PurePosixPath(name).parts
    if any(part == ".." for part in parts):
        raise PackageRefused(f"The package holds a path that climbs out of it ({name[:80]!r}).")
    return "/".join(part for part in parts if part not in ("", "."))


def open_zip(path: Path, limits: Limits) -> zipfile.ZipFile:
    """Open and vet the zip's directory: every name safe, no links, sizes and ratios within the limits."""
    if path.stat().st_size > limits.upload_bytes:
        raise PackageRefused(f"The package is larger than {limits.upload_bytes // (1024 * 1024)} MB.")
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise PackageRefused("The file is not a zip archive (or it is damaged).", "14.1.0.0-1") from None
    try:
        if len(infos) > limits.files:
            raise PackageRefused(f"The package holds more than {limits.files} files.")
        total = 0
        for info in infos:
            safe_member_name(info.filename)
            mode = info.external_attr >> 16
            if mode and stat.S_ISLNK(mode):
                raise PackageRefused(f"The package holds a symbolic link ({info.filename[:80]!r}).")
            if info.flag_bits & 0x1:
                raise PackageRefused("The package holds encrypted files.")
            if info.file_size > limits.member_bytes:
                raise PackageRefused(f"{info.filename[:80]} would inflate past the limit of one file.")
            if info.file_size > CHUNK and info.file_size > limits.ratio * max(info.compress_size, 1):
                raise PackageRefused(f"{info.filename[:80]} is compressed more than {limits.ratio} to 1: "
                                     "refused as a possible zip bomb.")
            total += info.file_size
            if total > limits.total_bytes:
                raise PackageRefused(f"The package would inflate to more than "
                                     f"{limits.total_bytes // (1024 * 1024)} MB: refused as a possible zip bomb.")
    except PackageRefused:
        archive.close()
        raise
    return archive


def member_names(archive: zipfile.ZipFile) -> set[str]:
    return {safe_member_name(i.filename) for i in archive.infolist() if not i.is_dir()}


def extract(archive: zipfile.ZipFile, dest: Path, limits: Limits) -> tuple[int, int]:
    """Inflate every member under ``dest`` counting real bytes; on any refusal ``dest`` is removed."""
    total = count = 0
    try:
        dest.mkdir(parents=True, exist_ok=False)
        root = dest.resolve()
        for info in archive.infolist():
            name = safe_member_name(info.filename)
            if not name:
                continue
            target = (root / name).resolve()
            if root not in target.parents:
                raise PackageRefused(f"The package holds a path that climbs out of it ({name[:80]!r}).")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with archive.open(info) as src, target.open("wb") as out:
                while chunk := src.read(CHUNK):
                    written += len(chunk)
                    total += len(chunk)
                    if written > info.file_size or written > limits.member_bytes or total > limits.total_bytes:
                        raise PackageRefused(f"{name[:80]} inflates past what the zip declares: "
                                             "refused as a possible zip bomb.")
                    out.write(chunk)
            count += 1
    except PackageRefused:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise PackageRefused(f"The package could not be unpacked ({exc.__class__.__name__}).") from None
    return total, count
