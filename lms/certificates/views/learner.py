"""Learner and public certificate pages: my certificates, downloads (PDF, Open Badges), the
certificate of attendance, public verification and the providers' public keys."""

from __future__ import annotations

import hashlib

import json
import logging

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import aliased

from lms.certificates import badges, bp, services, storage
from lms.certificates.forms import ConfirmForm, VerifyForm
from lms.certificates.jobs import issue_attendance_job, issue_credit_job
from lms.certificates.models import Certificate
from lms.credits.models import CreditEntry
from lms import activities
from lms.extensions import db, limiter
from lms.jobs import enqueue
from lms.orgs.models import Organisation
from lms.permissions import is_admin
from lms.security import external_url
from lms.types import utcnow

log = logging.getLogger(__name__)


def _verify_limit() -> str:
    return current_app.config.get("CERTIFICATE_VERIFY_LIMIT", "60 per minute")


def get_certificate_or_404(certificate_id: int) -> Certificate:
    """The learner's own certificate (admins see any); anyone else's id is 404."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or (certificate.learner_id != current_user.id and not is_admin(current_user)):
        abort(404)
    return certificate


def _enqueue_safely(func, *args) -> bool:
    try:
        enqueue(func, *args, job_timeout=int(current_app.config.get("CERTIFICATE_RENDER_TIMEOUT", 20)) * 2 + 30)
        return True
    except Exception:  # noqa: BLE001 - told to the learner; the job is retried from the page
        log.exception("certificate job %s%r failed", func.__name__, args)
        return False


@bp.route("/certificates/")
@login_required
def index():
    rows = db.session.scalars(select(Certificate).where(Certificate.learner_id == current_user.id)
                              .order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(500)).all()
    return render_template("certificates/index.html", certificates=rows, preparing=being_prepared(current_user.id))


def being_prepared(learner_id: int) -> list[CreditEntry]:
    """Claims whose credit certificate is not issued yet (a worker is on it, or retrying): one per activity."""
    # Built here, not at import: aliasing configures every mapper, before other features have loaded theirs.
    CreditEntry_ = aliased(CreditEntry)  # noqa: N806
    revoked = select(CreditEntry.id).where(CreditEntry.kind == "revocation", CreditEntry.claim_id == CreditEntry_.id)
    issued = select(Certificate.id).where(
        Certificate.learner_id == learner_id, Certificate.kind == "credit",
        Certificate.activity_kind == CreditEntry_.activity_kind, Certificate.activity_id == CreditEntry_.activity_id)
    claims = db.session.scalars(select(CreditEntry_).where(
        CreditEntry_.learner_id == learner_id, CreditEntry_.kind == "claim", CreditEntry_.activity_kind != "external",
        ~revoked.exists(), ~issued.exists()).order_by(CreditEntry_.id.desc()).limit(50)).all()
    return list({(c.activity_kind, c.activity_id): c for c in reversed(claims)}.values())[::-1]


@bp.route("/certificates/<int:certificate_id>")
@login_required
def show(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id)
    newer = services.current_certificate(certificate.learner_id, certificate.kind, certificate.activity_kind,
                                         certificate.activity_id)
    name_changed = certificate.snapshot["learner"]["display_name"] != current_user.display_name
    return render_template("certificates/show.html", certificate=certificate, snap=certificate.snapshot,
                           newer=newer if newer and newer.id != certificate.id else None,
                           name_changed=name_changed and certificate.learner_id == current_user.id,
                           form=ConfirmForm())


@bp.route("/certificates/<int:certificate_id>/download")
@login_required
def download(certificate_id: int):
    """The stored file, byte for byte, never re-rendered."""
    certificate = get_certificate_or_404(certificate_id)
    response = send_file(storage.path_for(certificate.sha256), mimetype="application/pdf", as_attachment=True,
                         download_name=certificate.filename, etag=certificate.sha256, conditional=True,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _badge_parts(certificate: Certificate):
    if certificate.provider_org_id is None:
        abort(404)
    org = db.session.get(Organisation, certificate.provider_org_id)
    key = badges.signing_key(org.id, now=utcnow())
    return org, key


@bp.route("/certificates/<int:certificate_id>/badge.json")
@login_required
def badge(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id)
    org, key = _badge_parts(certificate)
    body = json.dumps(badges.signed_credential(certificate, org.name, key), ensure_ascii=False, indent=2)
    return current_app.response_class(body, mimetype="application/ld+json", headers={
        "Content-Disposition": f'attachment; filename="certificate-{certificate.id}-v{certificate.version}.json"'})


@bp.route("/certificates/<int:certificate_id>/badge.jwt")
@login_required
def badge_jwt(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id)
    org, key = _badge_parts(certificate)
    return current_app.response_class(badges.credential_jwt(certificate, org.name, key), mimetype="application/vc+jwt",
                                      headers={"Content-Disposition": f'attachment; filename="certificate-'
                                                                      f'{certificate.id}-v{certificate.version}.jwt"'})


@bp.route("/certificates/<int:certificate_id>/reissue", methods=["POST"])
@login_required
def reissue(certificate_id: int):
    """A corrected name: the next version of the series, superseding this one."""
    certificate = get_certificate_or_404(certificate_id)
    if not ConfirmForm().validate_on_submit() or certificate.learner_id != current_user.id:
        abort(400)
    if certificate.kind == "credit":
        ok = _enqueue_safely(issue_credit_job, certificate.learner_id, certificate.activity_kind, certificate.activity_id)
    else:
        ok = _enqueue_safely(issue_attendance_job, certificate.learner_id, certificate.activity_id)
    flash("A corrected certificate is being issued." if ok else "The certificate could not be issued just now; "
          "try again in a minute.", "success" if ok else "danger")
    latest = services.current_certificate(certificate.learner_id, certificate.kind, certificate.activity_kind,
                                          certificate.activity_id)
    return redirect(url_for("certificates.show", certificate_id=(latest or certificate).id))


def _own_claim_or_404(claim_id: int) -> CreditEntry:
    claim = db.session.get(CreditEntry, claim_id)
    if claim is None or claim.kind != "claim" or claim.learner_id != current_user.id or claim.activity_kind == "external":
        abort(404)
    return claim


@bp.route("/certificates/claims/<int:claim_id>")
@login_required
def for_claim(claim_id: int):
    claim = _own_claim_or_404(claim_id)
    certificate = services.current_certificate(claim.learner_id, "credit", claim.activity_kind, claim.activity_id)
    if certificate is not None:
        return redirect(url_for("certificates.show", certificate_id=certificate.id))
    return render_template("certificates/pending.html", claim=claim, form=ConfirmForm())


@bp.route("/certificates/claims/<int:claim_id>/issue", methods=["POST"])
@login_required
def issue_for_claim(claim_id: int):
    claim = _own_claim_or_404(claim_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not _enqueue_safely(issue_credit_job, claim.learner_id, claim.activity_kind, claim.activity_id):
        flash("The certificate could not be issued just now; try again in a minute.", "danger")
    return redirect(url_for("certificates.for_claim", claim_id=claim.id))


@bp.route("/certificates/attendance/<int:meeting_id>", methods=["GET", "POST"])
@login_required
def request_attendance(meeting_id: int):
    """A certificate of attendance with the minutes attended, for the learner's own attendance."""
    summary = activities.attendance_summary("meeting", current_user.id, meeting_id)
    if summary is None:
        abort(404)
    existing = services.current_certificate(current_user.id, "attendance", "meeting", meeting_id)
    if request.method == "GET" and request.args.get("requested"):
        if existing is not None:
            return redirect(url_for("certificates.show", certificate_id=existing.id))
        flash("Your certificate is being prepared; it will appear here and under My certificates.", "info")
    form = ConfirmForm()
    if form.validate_on_submit():
        if not summary.attended:
            abort(404)
        if _enqueue_safely(issue_attendance_job, current_user.id, meeting_id):
            # The job runs once this request commits (at once without a worker): come back for it.
            return redirect(url_for("certificates.request_attendance", meeting_id=meeting_id, requested=1))
        flash("The certificate could not be issued just now; try again in a minute.", "danger")
    return render_template("certificates/attendance.html", summary=summary, existing=existing, form=form)


# --- public ------------------------------------------------------------------------------------

def _no_store(response, status: int):
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/verify")
@limiter.limit(_verify_limit)
def verify_form():
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(url_for("certificates.verify", code=form.code.data))
    return _no_store(current_app.make_response(render_template("certificates/verify_form.html", form=form)), 200)


@bp.route("/verify/<string:code>")
@limiter.limit(_verify_limit)
def verify(code: str):
    facts = services.verification(code)
    page = render_template("certificates/verify.html", facts=facts, code=code[:64])
    return _no_store(current_app.make_response(page), 404 if facts["status"] == "unknown" else 200)


@bp.route("/verify/<string:code>.json")
@limiter.limit(_verify_limit)
def verify_json(code: str):
    facts = services.verification(code)
    return _no_store(jsonify(facts), 404 if facts["status"] == "unknown" else 200)


@bp.route("/certificates/keys/<int:org_id>.json")
def public_key(org_id: int):
    """The provider's issuer profile and public key (Multikey and JWK): verify credentials offline."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    from lms.certificates.models import SigningKey

    key = db.session.scalar(select(SigningKey).where(SigningKey.org_id == org_id))
    if key is None:
        abort(404)
    response = jsonify(badges.issuer_document(org, key))
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.add_etag()  # verifiers revalidate with If-None-Match and get a 304 until the key changes
    return response.make_conditional(request)


@bp.route("/certificates/status/<int:org_id>/<int:block>.json")
def status_list(org_id: int, block: int):
    """A provider's signed BitstringStatusList credential: the revocation bits of its certificates."""
    from lms.certificates import status_list as lists
    from lms.certificates.models import SigningKey

    key = db.session.scalar(select(SigningKey).where(SigningKey.org_id == org_id))
    if key is None or block > 10_000:
        abort(404)
    now = utcnow().replace(microsecond=0)
    document = lists.list_credential(org_id, block, issuer=badges.issuer_url(org_id), now=now)
    # The list is signed afresh on every request (its validFrom is now), so its bytes always differ;
    # its meaning is the revocation bits and the key. A wallet that polls gets a 304, unsigned, until a
    # certificate in the block is revoked.
    etag = hashlib.sha256(f"{key.id}:{document['credentialSubject']['encodedList']}".encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(
            json.dumps(badges.add_proof(document, key, created=document["validFrom"])), mimetype="application/vc")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/certificates/achievements/<any(course, meeting):kind>/<int:activity_id>")
def achievement(kind: str, activity_id: int):
    """The public description of an achievement that credentials name."""
    row = db.session.execute(select(Certificate.snapshot).where(
        Certificate.activity_kind == kind, Certificate.activity_id == activity_id).limit(1)).first()
    if row is None:
        abort(404)
    return jsonify({"id": external_url("certificates.achievement", kind=kind, activity_id=activity_id), "type": ["Achievement"], "name": row[0]["activity"]["title"],
                    "creator": row[0]["provider"]["name"]})
