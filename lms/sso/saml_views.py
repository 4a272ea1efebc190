"""SAML 2.0 endpoints: SP metadata, the start of a sign-in, and the assertion consumer service."""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, request, url_for

from lms.extensions import csrf, db, limiter
from lms.security import external_url, safe_next
from lms.sessions.login import sign_in
from lms.sso import bp, saml, services
from lms.sso.models import SsoConnection
from lms.sso.responses import failure, leave_for_provider
from lms.types import utcnow


def _urls(conn: SsoConnection) -> dict:
    return {"entity_id": external_url("sso.saml_metadata", connection_id=conn.id),
            "acs_url": external_url("sso.saml_acs", connection_id=conn.id)}


@bp.route("/saml/<int:connection_id>/metadata")
def saml_metadata(connection_id: int):
    conn = db.session.get(SsoConnection, connection_id) or abort(404)
    return Response(saml.metadata_xml(conn, **_urls(conn)), mimetype="application/samlmetadata+xml")


def begin_saml(conn: SsoConnection, email: str, next_url: str | None):
    try:
        location = saml.authn_request(conn, now=utcnow(), relay_state=safe_next(next_url) or "", **_urls(conn))
    except saml.SamlError as exc:
        return failure(str(exc), exc.reason, method="saml", status=502, email=email, org_id=conn.org_id)
    return leave_for_provider(conn, location)


@bp.route("/saml/<int:connection_id>/acs", methods=["POST"])
@csrf.exempt  # the identity provider posts here from its own page; the signed assertion is the proof
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"])
def saml_acs(connection_id: int):
    now = utcnow()
    conn = db.session.get(SsoConnection, connection_id)
    if conn is None or not conn.enabled or conn.protocol != "saml" or not conn.idp_metadata_xml:
        return failure("Unknown identity provider: single sign-on is not set up for this organisation.",
                       "unknown-idp", method="saml", status=404)
    raw = request.form.get("SAMLResponse", "")
    if not raw or len(raw) > 500_000:
        return failure("The identity provider sent no sign-in response.", "no-response", method="saml",
                       org_id=conn.org_id)
    try:
        parsed = saml.parse_response(conn, raw, now=now, **_urls(conn))
        attributes = parsed["attributes"]
        email = saml.first(attributes, saml.EMAIL_ATTRIBUTES)
        if not email and parsed["name_id_format"] == saml.NAMEID_FORMAT_EMAILADDRESS:
            email = parsed["subject"]
        title = saml.first(attributes, (conn.job_title_claim,)) if conn.job_title_claim else ""
        # SAML has no email_verified: an address the organisation's own IdP signs for, inside the
        # domains the organisation claimed, counts as verified.
        claims = services.Claims(subject=parsed["subject"], email=email, email_verified=True,
                                 first_name=saml.first(attributes, saml.GIVEN_NAME_ATTRIBUTES),
                                 last_name=saml.first(attributes, saml.SURNAME_ATTRIBUTES), job_title=title)
        user = services.sign_in_from_claims(conn, claims, now=now)
    except (saml.SamlError, services.SsoError) as exc:
        return failure(str(exc), exc.reason, method="saml", org_id=conn.org_id)
    sign_in(user, method="saml", org_id=conn.org_id)
    # RelayState came back through the browser and the IdP: only a path on this site is followed.
    return redirect(safe_next(request.form.get("RelayState")) or url_for("main.dashboard"))
