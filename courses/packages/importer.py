"""Importing a package: recognise it, check it whole, then store its files and one ``ContentPackage`` row.

Nothing is kept for a refused package: the manifest is checked from the zip's directory before
anything is inflated, and a refusal while inflating removes the folder it was inflating into.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime
from pathlib import Path

from courses.packages import archive as zips
from courses.packages.archive import Limits, PackageRefused
from courses.packages.manifest import parse_cmi5, parse_scorm
from courses.packages.models import ContentPackage
from lms.extensions import db

MAX_MANIFEST_BYTES = 8 * 1024 * 1024
ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-zip", "application/octet-stream"}
XML_TYPES = {"text/xml", "application/xml"}


def packages_root(upload_dir: str) -> Path:
    path = Path(upload_dir) / "packages"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_package(path: Path, *, content_type: str, filename: str, org_id: int | None, user_id: int | None,
                   now: datetime, public_url: str, upload_dir: str, limits: Limits) -> ContentPackage:
    """Import the upload at ``path`` (a zip, or a cmi5.xml alone) and return its new package, flushed."""
    content_type = (content_type or "").split(";")[0].strip().lower()
    with path.open("rb") as fh:
        head = fh.read(8)
    package_uuid = str(uuid.uuid4())
    lms_iri = f"{public_url.rstrip('/')}/xapi/activities/course/{package_uuid}"
    if head.startswith(b"PK"):
        return _import_zip(path, filename=filename, org_id=org_id, user_id=user_id, now=now, lms_iri=lms_iri,
                           package_uuid=package_uuid, upload_dir=upload_dir, limits=limits)
    if content_type in ZIP_TYPES and content_type != "application/octet-stream":
        raise PackageRefused("The file is not a zip archive (or it is damaged).", "14.1.0.0-1")
    if content_type not in XML_TYPES and not head.lstrip().startswith(b"<"):
        raise PackageRefused("Upload a zip package (cmi5, SCORM 1.2 or SCORM 2004) or a cmi5.xml file.",
                             "14.0.0.0-1")
    if content_type not in XML_TYPES | {"", "application/octet-stream"}:
        raise PackageRefused(f"A {content_type} file is not a package.", "14.0.0.0-1")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise PackageRefused("The course structure file is too large.")
    structure = parse_cmi5(path.read_bytes(), members=None)
    package = ContentPackage(uuid=package_uuid, org_id=org_id, standard="cmi5", schema_version="cmi5 (2016)",
                             title=structure["course"]["title"] or filename, original_name=filename[:200],
                             storage_key=None, lms_iri=lms_iri, structure=structure, created_by_id=user_id,
                             created_at=now)
    db.session.add(package)
    db.session.flush()
    return package


def _read_manifest(archive, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_MANIFEST_BYTES:
        raise PackageRefused(f"{name} is too large.")
    return archive.read(info)


def _import_zip(path: Path, *, filename, org_id, user_id, now, lms_iri, package_uuid, upload_dir,
                limits: Limits) -> ContentPackage:
    archive = zips.open_zip(path, limits)
    with archive:
        members = zips.member_names(archive)
        if "cmi5.xml" in members:
            structure = parse_cmi5(_read_manifest(archive, "cmi5.xml"), members=members)
            standard, version, title = "cmi5", "cmi5 (2016)", structure["course"]["title"]
        elif "imsmanifest.xml" in members:
            structure = parse_scorm(_read_manifest(archive, "imsmanifest.xml"), members=members)
            standard, version, title = structure["standard"], structure["version"], structure["title"]
        else:
            raise PackageRefused("The package has no cmi5.xml or imsmanifest.xml at its root.", "14.1.0.0-2")
        key = uuid.uuid4().hex
        dest = packages_root(upload_dir) / key
        size, count = zips.extract(archive, dest, limits)
    try:
        package = ContentPackage(uuid=package_uuid, org_id=org_id, standard=standard, schema_version=version,
                                 title=(title or filename)[:300], original_name=filename[:200], storage_key=key,
                                 lms_iri=lms_iri, structure=structure, size_bytes=size, file_count=count,
                                 created_by_id=user_id, created_at=now)
        db.session.add(package)
        db.session.flush()
    except Exception:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return package


def remove_files(package: ContentPackage, upload_dir: str) -> None:
    if package.storage_key:
        shutil.rmtree(packages_root(upload_dir) / package.storage_key, ignore_errors=True)
