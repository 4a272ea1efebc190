"""Certificate jobs. Bodies are calls into services and take IDs; bulk runs commit per item so
their progress shows while they work, and each item is idempotent, so a retried run never
issues a certificate twice."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from sqlalchemy import select

from lms import unit_of_work
from lms.certificates import services, storage
from lms.certificates.models import BulkRun, Certificate
from lms.credits.models import CreditEntry
from lms import activities
from lms.extensions import db
from lms.jobs import enqueue
from lms.mail import deliver, inline_styles
from lms.security import external_url
from lms.types import utcnow
from lms.users.models import User

log = logging.getLogger(__name__)


def _timeout(items: int = 1) -> int:
    return int(current_app.config.get("CERTIFICATE_RENDER_TIMEOUT", 20)) * 2 * max(items, 1) + 30


def after_credit_change(learner_id: int, kind: str, activity_id: int) -> None:
    """Hook run by the credit views after a claim, correction or revocation commits."""
    try:
        enqueue(issue_credit_job, learner_id, kind, activity_id, job_timeout=_timeout())
    except Exception:  # noqa: BLE001 - the credit is recorded; the certificate page offers a retry
        log.exception("certificate for learner %s, %s %s not issued now", learner_id, kind, activity_id)


def issue_credit_job(learner_id: int, kind: str, activity_id: int) -> int | None:
    issued = services.issue_credit_certificate(learner_id, kind, activity_id, now=utcnow())
    return issued.certificate.id if issued.certificate else None


def issue_attendance_job(learner_id: int, meeting_id: int) -> int | None:
    return services.issue_attendance_certificate(learner_id, meeting_id, now=utcnow()).certificate.id


def bulk_targets(kind: str, activity_id: int) -> list[tuple[str, int]]:
    """Who gets a certificate: every claimant, and for a meeting every attendee."""
    learners = db.session.scalars(select(CreditEntry.learner_id).where(
        CreditEntry.activity_kind == kind, CreditEntry.activity_id == activity_id,
        CreditEntry.kind == "claim").distinct()).all()
    targets = [("credit", learner_id) for learner_id in sorted(set(learners))]
    targets += [("attendance", learner_id) for learner_id in activities.attendees(kind, activity_id, now=utcnow())]
    return targets


def run_bulk(run_id: int) -> None:
    """Issue or e-mail the certificates of an activity, committing progress after each person."""
    run = db.session.get(BulkRun, run_id)
    if run is None or run.status == "finished":
        return
    if run.action == "issue":
        items = bulk_targets(run.activity_kind, run.activity_id)
    else:
        items = [("email", c.id) for c in current_certificates(run.activity_kind, run.activity_id)]
    run.status, run.total, run.done, run.failed = "running", len(items), 0, 0
    unit_of_work.commit()
    for what, ident in items:
        try:
            if what == "credit":
                services.issue_credit_certificate(ident, run.activity_kind, run.activity_id, now=utcnow())
            elif what == "attendance":
                services.issue_attendance_certificate(ident, run.activity_id, now=utcnow())
            else:
                send_certificate(db.session.get(Certificate, ident))
            unit_of_work.commit()
            run.done += 1
        except Exception:  # noqa: BLE001 - one person's failure must not stop the others
            unit_of_work.rollback()
            log.exception("bulk run %s: %s %s failed", run_id, what, ident)
            run = db.session.get(BulkRun, run_id)
            run.failed += 1
        unit_of_work.commit()
    run.status, run.finished_at = "finished", utcnow()


def current_certificates(kind: str, activity_id: int) -> list[Certificate]:
    """The latest version of every series of an activity, valid ones only."""
    rows = db.session.scalars(select(Certificate).where(
        Certificate.activity_kind == kind, Certificate.activity_id == activity_id)
        .order_by(Certificate.learner_id, Certificate.kind, Certificate.version)).all()
    latest = {}
    for c in rows:
        latest[(c.learner_id, c.kind)] = c
    return [c for c in latest.values() if c.status == "valid"]


def send_certificate(certificate: Certificate) -> None:
    learner = db.session.get(User, certificate.learner_id)
    if learner is None or not learner.is_active:
        return
    context = {"certificate": certificate, "learner": learner,
               "verify_url": external_url("certificates.verify", code=certificate.code),
               "page_url": external_url("certificates.show", certificate_id=certificate.id),
               "brand": (certificate.snapshot.get("provider") or {}).get("name", "")}
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = learner.email
    msg["Subject"] = f"Your certificate: {certificate.snapshot['activity']['title'][:120]}"
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="continuum.local")
    msg.set_content(render_template("certificates/email.txt", **context))
    msg.add_alternative(inline_styles(render_template("certificates/email.html", **context)), subtype="html")
    msg.add_attachment(storage.path_for(certificate.sha256).read_bytes(), maintype="application", subtype="pdf",
                       filename=certificate.filename)
    deliver(msg)


def start_bulk(run: BulkRun) -> None:
    """Enqueue a run after the commit that created it."""
    enqueue(run_bulk, run.id, job_timeout=_timeout(500), retries=1)
