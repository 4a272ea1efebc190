"""The features' signals, turned into webhook events for the organisations concerned."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from lms.extensions import db
from lms.orgs.models import Membership
from lms.types import utcnow
from lms.webhooks.services import emit

CENT = Decimal("0.01")


def _learner_orgs(user_id: int) -> set[int]:
    return set(db.session.scalars(select(Membership.org_id).where(Membership.user_id == user_id,
                                                                  Membership.deactivated_at.is_(None))))


def on_course_completed(completion, provider_org_id=None, **_):
    # The provider, and the learner's own organisations (a practice tracking its staff's training).
    emit({provider_org_id} | _learner_orgs(completion.user_id), "course.completed", {
        "completion_id": completion.id, "user_id": completion.user_id, "activity_id": completion.course_id,
        "version_id": completion.version_id, "round": completion.round,
        "completed_at": completion.completed_at.isoformat()}, now=utcnow())


def _entry(entry) -> dict:
    return {"entry_id": entry.id, "kind": entry.kind, "claim_id": entry.claim_id or entry.id,
            "learner_id": entry.learner_id, "activity_kind": entry.activity_kind, "activity_id": entry.activity_id,
            "credit_type": entry.credit_type_code, "amount": str(Decimal(entry.amount).quantize(CENT)),
            "reason": entry.reason}


def on_credit_claimed(entry, **_):
    emit({entry.provider_org_id}, "credit.claimed", _entry(entry), now=utcnow())


def on_credit_corrected(entry, claim=None, **_):
    emit({(claim or entry).provider_org_id}, "credit.corrected", _entry(entry), now=utcnow())


def _certificate(c) -> dict:
    return {"certificate_id": c.id, "learner_id": c.learner_id, "kind": c.kind, "activity_kind": c.activity_kind,
            "activity_id": c.activity_id, "version": c.version, "status": c.status}


def on_certificate_issued(certificate, **_):
    emit({certificate.provider_org_id}, "certificate.issued", _certificate(certificate), now=utcnow())


def on_certificate_revoked(certificate, **_):
    emit({certificate.provider_org_id}, "certificate.revoked", _certificate(certificate), now=utcnow())


def on_assignment_overdue(org_id, **kw):
    emit({org_id}, "assignment.overdue", {
        "assignment_id": kw["assignment_id"], "membership_id": kw["membership_id"], "user_id": kw["user_id"],
        "title": kw["title"], "due_on": kw["due_on"].isoformat() if kw.get("due_on") else None}, now=utcnow())


def on_attendance_finalised(meeting, **_):
    emit({meeting.org_id}, "meeting.attendance_finalised", {
        "meeting_id": meeting.id, "title": meeting.title, "ended_at": meeting.ended_at.isoformat()}, now=utcnow())


def connect() -> None:
    from courses.signals import course_completed
    from lms.certificates.signals import certificate_issued, certificate_revoked
    from lms.credits.signals import credit_claimed, credit_corrected
    from lms.training.signals import assignment_overdue
    from meetings.signals import attendance_finalised

    course_completed.connect(on_course_completed)
    credit_claimed.connect(on_credit_claimed)
    credit_corrected.connect(on_credit_corrected)
    certificate_issued.connect(on_certificate_issued)
    certificate_revoked.connect(on_certificate_revoked)
    assignment_overdue.connect(on_assignment_overdue)
    attendance_finalised.connect(on_attendance_finalised)
