"""The automation API (``/packages/api``), for the administrator credential only.

What ADL's cmi5 LMS test suite drives through ``tests/conformance/lms.continuum.js``, and what an
organisation's own scripts may use: import a package, get a launch URL for an actor, waive an
AU, abandon a session, delete a package. Packages imported here belong to no organisation.
"""

from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from courses.packages import cmi5, lrs_bp
from courses.packages.archive import PackageRefused
from courses.packages.importer import import_package, remove_files
from courses.packages.models import Cmi5Registration, Cmi5Session, ContentPackage
from courses.packages.views.common import (base_url, is_admin, limits, now, public_url, refused_response, spool_body,
                                           upload_dir)
from courses.packages.xapi import XapiError, parse_agent
from lms.extensions import db


def _admin() -> None:
    if not is_admin(request.headers.get("Authorization", "")):
        raise XapiError("The LRS administrator credential is required.", 401)


def _package(package_id: int) -> ContentPackage:
    package = db.session.get(ContentPackage, package_id)
    if package is None or package.deleted_at is not None:
        raise XapiError("No such package.", 404)
    return package


@lrs_bp.route("/packages/api/courses", methods=["POST"])
def api_import():
    _admin()
    cap = limits().upload_bytes
    if request.content_length is not None and request.content_length > cap:
        return refused_response(PackageRefused(f"The package is larger than {cap // (1024 * 1024)} MB."))
    try:
        path = spool_body(request.stream, cap)
    except PackageRefused as exc:
        return refused_response(exc)
    try:
        package = import_package(path, content_type=request.content_type or "",
                                 filename=request.headers.get("X-Filename", "package")[:200], org_id=None,
                                 user_id=None, now=now(), public_url=public_url(), upload_dir=upload_dir(),
                                 limits=limits())
    except PackageRefused as exc:
        return refused_response(exc)
    finally:
        path.unlink(missing_ok=True)
    return jsonify(id=package.id, standard=package.standard, aus=len(package.aus))


@lrs_bp.route("/packages/api/courses/<int:package_id>", methods=["DELETE"])
def api_delete(package_id: int):
    _admin()
    package = _package(package_id)
    package.deleted_at = now()
    remove_files(package, upload_dir())
    return jsonify(id=package.id, deleted=True)


@lrs_bp.route("/packages/api/courses/<int:package_id>/launch-url/<int:au_index>", methods=["POST"])
def api_launch_url(package_id: int, au_index: int):
    _admin()
    package = _package(package_id)
    if package.standard != "cmi5":
        raise XapiError("Only cmi5 packages launch through this API.", 400)
    data = request.get_json(silent=True) or {}
    actor = parse_agent(data.get("actor"))
    if "account" not in actor:
        raise XapiError("The actor needs an account.", 400)
    registration = cmi5.registration_for(package, actor=actor, registration_id=data.get("registration"), now=now(),
                                         public_url=public_url())
    try:
        session, url = cmi5.launch(registration, package, au_index, launch_mode=data.get("launchMode") or "Normal",
                                   base_url=base_url(), content_base=f"{base_url()}/packages/content",
                                   return_url=data.get("returnURL"), now=now(), public_url=public_url())
    except LookupError:
        raise XapiError("No such AU.", 404) from None
    return jsonify(url=url, registration=registration.id, sessionId=session.id)


@lrs_bp.route("/packages/api/registrations/<registration_id>/waive/<int:au_index>", methods=["POST"])
def api_waive(registration_id: str, au_index: int):
    _admin()
    registration = db.session.get(Cmi5Registration, registration_id[:36])
    if registration is None:
        raise XapiError("No such registration.", 404)
    try:
        cmi5.waive(registration, au_index, (request.get_json(silent=True) or {}).get("reason", ""), now=now(),
                   public_url=public_url())
    except LookupError:
        raise XapiError("No such AU.", 404) from None
    return jsonify(registration=registration.id, waived=au_index)


@lrs_bp.route("/packages/api/sessions/<session_id>/abandon", methods=["POST"])
def api_abandon(session_id: str):
    _admin()
    session = db.session.get(Cmi5Session, session_id[:36])
    if session is None:
        raise XapiError("No such session.", 404)
    cmi5.abandon(session, now=now(), public_url=public_url())
    return jsonify(session=session.id, abandoned=True)


@lrs_bp.route("/packages/api/courses/<int:package_id>/registrations")
def api_registrations(package_id: int):
    _admin()
    _package(package_id)
    rows = db.session.scalars(select(Cmi5Registration).where(Cmi5Registration.package_id == package_id))
    return jsonify([{"id": r.id, "actor": r.actor, "satisfied": r.satisfied_at is not None, "aus": r.au_state}
                    for r in rows])
