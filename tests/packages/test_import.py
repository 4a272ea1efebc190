"""Importing packages: good SCORM 1.2, SCORM 2004 and cmi5 packages are stored; every bad one is refused
with a message for the educator and leaves nothing behind (no folder, no row)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from courses.packages.archive import DEFAULT_LIMITS, Limits, PackageRefused
from courses.packages.importer import import_package, packages_root
from courses.packages.models import ContentPackage
from lms.extensions import db
from lms.types import utcnow
from tests.conftest import service_missing
from tests.packages.builders import bomb_zip, cmi5_xml, cmi5_zip, raw_zip, scorm12_zip, scorm2004_zip

EXAMPLES = next((p for p in (Path(os.environ.get("CMI5_EXAMPLES_DIR", "/nonexistent")),
                                Path(__file__).resolve().parents[3] / "shared" / "conformance" / "cmi5" / "course_examples",
                                Path("/work/shared/conformance/cmi5/course_examples")) if p.is_dir()),
                Path(__file__).resolve().parents[3] / "shared" / "conformance" / "cmi5" / "course_examples")


def _import(app, tmp_path, data: bytes, *, content_type="application/zip", limits: Limits | None = None,
            name="package.zip"):
    path = tmp_path / name
    path.write_bytes(data)
    return import_package(path, content_type=content_type, filename=name, org_id=None, user_id=None, now=utcnow(),
                          public_url="https://continuum.example.org", upload_dir=app.config["UPLOAD_DIR"],
                          limits=limits or Limits(**DEFAULT_LIMITS))


def _stored(app) -> set[str]:
    return set(os.listdir(packages_root(app.config["UPLOAD_DIR"])))


def test_a_scorm_12_package_is_imported_with_its_sco_and_files(app, db, tmp_path):
    package = _import(app, tmp_path, scorm12_zip())
    assert package.standard == "scorm12" and package.schema_version == "1.2"
    assert package.structure["scos"][0]["href"] == "index_lms.html"
    assert package.structure["scos"][0]["mastery_score"] == 80
    folder = packages_root(app.config["UPLOAD_DIR"]) / package.storage_key
    assert (folder / "lms" / "scormdriver.js").is_file() and package.file_count == 4


@pytest.mark.parametrize("edition", ["2004 3rd Edition", "2004 4th Edition", "CAM 1.3"])
def test_scorm_2004_editions_are_recognised(app, db, tmp_path, edition):
    package = _import(app, tmp_path, scorm2004_zip(version=edition))
    assert package.standard == "scorm2004" and package.schema_version == edition


def test_a_cmi5_package_keeps_its_structure_and_gets_lms_ids(app, db, tmp_path):
    package = _import(app, tmp_path, cmi5_zip())
    au = package.aus[0]
    assert package.standard == "cmi5" and au["move_on"] == "CompletedAndPassed" and au["mastery_score"] == 0.8
    assert package.lms_iri.startswith("https://continuum.example.org/xapi/activities/course/")
    assert package.lms_iri != package.structure["course"]["id"]


@pytest.mark.parametrize("name", ["single_au_basic_responsive.zip", "masteryscore_responsive.zip"])
def test_the_real_cmi5_course_examples_import(app, db, tmp_path, name):
    if not (EXAMPLES / name).exists():
        service_missing(f"cmi5 course example {name} (shared/conformance) not found")
    package = _import(app, tmp_path, (EXAMPLES / name).read_bytes(), name=name)
    assert package.standard == "cmi5" and package.aus and package.file_count > 1


BAD = {
    "not a zip": (b"%PDF-1.4 this is not a package", "application/zip", "not a zip archive"),
    "markdown": (b"# A package?\n", "text/markdown", "Upload a zip package"),
    "no manifest": (raw_zip([("index.html", b"<html></html>")]), "application/zip", "no cmi5.xml or imsmanifest"),
    "unknown SCORM version": (scorm12_zip(version="CAM 9.9"), "application/zip", "Unknown SCORM schema version"),
    "resource outside (parent dir)": (scorm12_zip(href="../outside.html"), "application/zip", "climbs out"),
    "resource outside (web)": (scorm12_zip(href="https://evil.example/x.html"), "application/zip",
                               "outside the package"),
    "resource not in the zip": (scorm12_zip(drop=("index_lms.html",)), "application/zip", "not in the package"),
    "zip slip (parent)": (raw_zip([("cmi5.xml", cmi5_xml().encode()), ("index.html", b"x"),
                                   ("../../evil.txt", b"x")]), "application/zip", "climbs out"),
    "zip slip (absolute)": (raw_zip([("/etc/cron.d/evil", b"x")]), "application/zip", "absolute path"),
    "zip slip (backslash)": (raw_zip([("..\\..\\evil.txt", b"x")]), "application/zip", "unsafe name"),
    "zip bomb (ratio)": (bomb_zip(), "application/zip", "possible zip bomb"),
    "cmi5 AU outside (relative in an XML alone)": (cmi5_xml().encode(), "text/xml", "needs the AU's files"),
    "cmi5 unknown schema": (cmi5_xml().replace("cmi5/v1/CourseStructure.xsd", "cmi5/v9/Other.xsd").encode(),
                            "text/xml", "Unknown cmi5 course structure schema"),
    "cmi5 AU file missing": (cmi5_zip(url="missing.html"), "application/zip", "does not hold"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_packages_are_refused_and_nothing_is_stored(app, db, tmp_path, case):
    data, content_type, message = BAD[case]
    before = _stored(app)
    with pytest.raises(PackageRefused) as refused:
        _import(app, tmp_path, data, content_type=content_type)
    assert message in str(refused.value)
    assert _stored(app) == before
    assert db.session.query(ContentPackage).count() == 0


def test_a_package_inflating_past_the_total_cap_is_refused(app, db, tmp_path):
    random_member = os.urandom(3 * 1024 * 1024)  # incompressible: the ratio check alone would not see it
    data = scorm12_zip(extra={"story_content/video.bin": random_member})
    limits = Limits(**{**DEFAULT_LIMITS, "total_bytes": 2 * 1024 * 1024})
    before = _stored(app)
    with pytest.raises(PackageRefused, match="possible zip bomb"):
        _import(app, tmp_path, data, limits=limits)
    assert _stored(app) == before


def test_an_oversize_upload_is_refused_before_it_is_opened(app, db, tmp_path):
    limits = Limits(**{**DEFAULT_LIMITS, "upload_bytes": 1024})
    with pytest.raises(PackageRefused, match="larger than"):
        _import(app, tmp_path, scorm12_zip(extra={"big.bin": os.urandom(4096)}), limits=limits)


def test_a_member_that_lies_about_its_size_is_caught_while_inflating(app, db, tmp_path):
    data = bytearray(scorm12_zip())
    # Shrink the declared size of index_lms.html in the central directory: inflating reads more than declared.
    before = _stored(app)
    offset = bytes(data).find(b"index_lms.html", bytes(data).find(b"PK\x01\x02"))
    header = offset - 46  # the central directory record starts 46 bytes before its file name
    assert bytes(data[header:header + 4]) == b"PK\x01\x02"
    data[header + 24:header + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10 bytes
    with pytest.raises(PackageRefused):
        _import(app, tmp_path, bytes(data))
    assert _stored(app) == before
