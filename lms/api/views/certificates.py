"""The token owner's certificates, and the public verification of any certificate's code."""

from __future__ import annotations

from flask import abort, current_app, url_for
from sqlalchemy import select

from lms.api.auth import personal_only, require
from lms.api.pagination import UpdatedSinceArgs, page_schema, paginate
from lms.api.schemas import CertificateSchema, VerificationSchema
from lms.api.views.common import blueprint, me
from lms.certificates import services
from lms.certificates.models import Certificate
from lms.extensions import db, limiter
from lms.permissions import is_admin

blp = blueprint("certificates", "Your certificates (certificates:read) and public verification")


def certificate_json(c: Certificate) -> dict:
    return {"id": c.id, "kind": c.kind, "activity_kind": c.activity_kind, "activity_id": c.activity_id,
            "title": (c.snapshot or {}).get("activity", {}).get("title", ""), "version": c.version,
            "status": c.status, "issued_at": c.issued_at, "superseded_at": c.superseded_at,
            "revoked_at": c.revoked_at, "sha256": c.sha256,
            "verify_url": url_for("certificates.verify", code=c.code, _external=True)}


@blp.route("/me/certificates")
@require("certificates:read")
@blp.arguments(UpdatedSinceArgs, location="query")
@blp.response(200, page_schema(CertificateSchema, "CertificatePage"))
def list_certificates(args):
    """Your certificates, every version (superseded and revoked ones say so)."""
    personal_only()
    query = select(Certificate).where(Certificate.learner_id == me().id)
    if args.get("updated_since"):
        since = args["updated_since"]
        query = query.where((Certificate.issued_at >= since) | (Certificate.revoked_at >= since)
                            | (Certificate.superseded_at >= since))
    return paginate(query, Certificate.id, args, transform=certificate_json)


@blp.route("/me/certificates/<int:certificate_id>")
@require("certificates:read")
@blp.response(200, CertificateSchema)
def get_certificate(certificate_id: int):
    """One of your certificates (anyone else's is 404, as on the certificate page)."""
    personal_only()
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or (certificate.learner_id != me().id and not is_admin(me())):
        abort(404)
    return certificate_json(certificate)


@blp.route("/certificates/verify/<string:code>")
@limiter.limit(lambda: current_app.config.get("CERTIFICATE_VERIFY_LIMIT", "60 per minute"))
@blp.doc(security=[])
@blp.response(200, VerificationSchema)
def verify(code: str):
    """Public, no token: the facts behind a certificate's verification code (its QR code)."""
    facts = services.verification(code[:200])
    if facts["status"] == "unknown":
        abort(404, "No certificate has this code.")
    return facts
