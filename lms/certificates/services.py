"""Issuing certificates: snapshot the facts, render once, store by hash, supersede or revoke.

A certificate is never re-rendered: the PDF is made once from its snapshot and served from
storage. A changed name or credit issues the next version of the series and marks the
previous one superseded; its code still verifies and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.errors import RuleViolation
from lms import activities
from lms.activities import FORMATS
from lms.audit.services import record
from lms.certificates import codes, storage
from lms.certificates import pdf as certificate_pdf
from lms.certificates.models import Certificate, CertificateTemplate
from lms.certificates.signals import certificate_issued, certificate_revoked
from lms.credits.models import CreditEntry
from lms.credits import statements
from lms.credits.services import CENT, fmt, is_jointly_accredited
from lms.extensions import db
from lms.security import external_url
from lms.text import clean_text
from lms.users.models import User


class CertificateError(RuleViolation):
    """A certificate rule was broken; ``str(exc)`` is the message for the person."""


class NotAttended(CertificateError):
    pass


def _day(value: date | datetime | None, tz: str = "UTC") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone(tz)).date()
    return f"{value.day} {value.strftime('%B %Y')}"


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except Exception:  # noqa: BLE001 - an unknown zone shows UTC rather than failing an issue
        return ZoneInfo("UTC")


def _learner(user: User) -> dict:
    return {"name": clean_text(user.full_name), "credentials": clean_text(user.credentials or ""),
            "display_name": clean_text(user.display_name)}


def credit_content(learner: User, kind: str, activity_id: int) -> dict | None:
    """What a credit certificate for this learner and activity says now; None when no credit is left."""
    entries = db.session.scalars(select(CreditEntry).where(
        CreditEntry.learner_id == learner.id, CreditEntry.activity_kind == kind,
        CreditEntry.activity_id == activity_id).order_by(CreditEntry.id)).all()
    claims = [e for e in entries if e.kind == "claim"]
    if not claims:
        return None
    net = {c.id: sum((e.amount for e in entries if e.id == c.id or e.claim_id == c.id), Decimal(0)) for c in claims}
    live = sorted((c for c in claims if net[c.id] > 0), key=lambda c: c.credit_type.sort_order)
    if not live:
        return None
    try:
        # The activity as this learner took it (a course's completed version: its UAN, its designations).
        info = activities.activity_info_for(kind, learner.id, activity_id)
    except LookupError:
        info = None
    first = claims[0]
    tz = info.timezone if info else "UTC"
    joint = is_jointly_accredited(first.provider_org_id)
    provider = info.provider_name if info else first.provider_name
    lines = []
    for claim in live:
        amount = net[claim.id].quantize(CENT)
        designated = info.designations.get(claim.credit_type_code, amount) if info else amount
        parts = statements.designation(
            claim.credit_type_code, provider=provider, format_name=FORMATS.get(claim.activity_format, "activity"),
            amount=designated, uan=(info.acpe_uan or "") if info else "", joint=joint)
        lines.append({"code": claim.credit_type_code, "name": statements.plain(statements.credit_name(
                          claim.credit_type_code, amount)), "name_parts": statements.credit_name(
                          claim.credit_type_code, amount),
                      "amount": fmt(amount), "unit": statements.unit(claim.credit_type.unit, amount),
                      "statement": statements.plain(parts), "statement_parts": parts})
    accreditation = statements.accreditation([line["code"] for line in lines], provider=provider, joint=joint)
    participation_only = all(line["code"] == "participation" for line in lines)
    if first.activity_format == "live" and info and info.start_date and info.end_date != info.start_date:
        dates = f"{_day(info.start_date)} – {_day(info.end_date)}"
    elif first.activity_format == "live":
        dates = f"Held {_day(first.activity_date)}"
    else:
        dates = f"Completed {_day(first.activity_date)}"
    return {
        "kind": "credit",
        "title": "Certificate of Participation" if participation_only else "Certificate of Completion",
        "learner": _learner(learner),
        "activity": {"title": first.activity_title, "format": FORMATS.get(first.activity_format, "activity"),
                     "dates": dates + (f" ({tz})" if first.activity_format == "live" else ""),
                     "date": first.activity_date.isoformat(), "timezone": tz,
                     "uan": (info.acpe_uan or "") if info and any(x["code"] == "acpe" for x in lines) else ""},
        # Each accreditor's statement once, for the credit this certificate awards (a nurse's names ANCC,
        # not ACCME); a jointly accredited provider's is the Joint Accreditation statement alone.
        "provider": {"name": first.provider_name, "accreditation_statement": "\n\n".join(accreditation),
                     "accreditation_statements": accreditation, "joint_accreditation": joint},
        "credits": lines,
        "attendance": None,
    }


def attendance_content(learner: User, meeting_id: int, *, now: datetime) -> tuple[dict, int | None]:
    """What a certificate of attendance says, from the meeting's own attendance summary."""
    summary = activities.attendance_summary("meeting", learner.id, meeting_id, now=now)
    if summary is None or not summary.attended or summary.minutes <= 0:
        raise NotAttended("There is no attendance on record for you at this meeting.")
    org_id = summary.org_id
    zone = _zone(summary.timezone)
    start, end = summary.starts_at.astimezone(zone), summary.ends_at.astimezone(zone)
    content = {
        "kind": "attendance",
        "title": "Certificate of Attendance",
        "learner": _learner(learner),
        "activity": {"title": summary.title, "format": "meeting",
                     "dates": f"{_day(start)}, {start:%H:%M}–{end:%H:%M} {start.tzname()}",
                     "date": start.date().isoformat(), "timezone": summary.timezone, "uan": ""},
        "provider": {"name": summary.organisation, "accreditation_statement": ""},
        "credits": [],
        "attendance": {"minutes": int(summary.minutes), "category": summary.category,
                       "span": f"{fmt(Decimal(summary.minutes) / 60)} hours" if summary.minutes >= 60 else ""},
    }
    return content, org_id


def current_certificate(learner_id: int, kind: str, activity_kind: str, activity_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(
        Certificate.learner_id == learner_id, Certificate.kind == kind, Certificate.activity_kind == activity_kind,
        Certificate.activity_id == activity_id).order_by(Certificate.version.desc()).limit(1))


def active_template(org_id: int | None, kind: str) -> CertificateTemplate | None:
    if org_id is None:
        return None
    return db.session.scalar(select(CertificateTemplate).where(
        CertificateTemplate.org_id == org_id, CertificateTemplate.kind == kind,
        CertificateTemplate.is_active.is_(True)).limit(1))


@dataclass(frozen=True)
class Issued:
    certificate: Certificate | None
    created: bool


def issue_credit_certificate(learner_id: int, kind: str, activity_id: int, *, now: datetime,
                             actor: User | None = None) -> Issued:
    """Bring the learner's credit certificate for an activity in line with the ledger.

    Issues the first version, the next version (superseding) when the name or credit changed,
    revokes it when no credit is left, and does nothing when it already says the right thing,
    so a retried or repeated job never issues twice.
    """
    learner = db.session.get(User, learner_id)
    if learner is None:
        return Issued(None, False)
    content = credit_content(learner, kind, activity_id)
    current = current_certificate(learner_id, "credit", kind, activity_id)
    if content is None:
        if current is not None and current.status == "valid":
            reason = db.session.scalar(select(CreditEntry.reason).where(
                CreditEntry.learner_id == learner_id, CreditEntry.activity_kind == kind,
                CreditEntry.activity_id == activity_id, CreditEntry.kind == "revocation")
                .order_by(CreditEntry.id.desc()).limit(1))
            revoke(current, reason=reason or "The credit was revoked.", actor=actor, now=now)
        return Issued(current, False)
    org_id = db.session.scalar(select(CreditEntry.provider_org_id).where(
        CreditEntry.learner_id == learner_id, CreditEntry.activity_kind == kind,
        CreditEntry.activity_id == activity_id).limit(1))
    return _issue(learner, "credit", kind, activity_id, org_id, content, current, now=now, actor=actor)


def issue_attendance_certificate(learner_id: int, meeting_id: int, *, now: datetime,
                                 actor: User | None = None) -> Issued:
    """Issue (or re-issue after a name change) a certificate of attendance with the minutes attended."""
    learner = db.session.get(User, learner_id)
    if learner is None:
        raise NotAttended("There is no such learner.")
    content, org_id = attendance_content(learner, meeting_id, now=now)
    current = current_certificate(learner_id, "attendance", "meeting", meeting_id)
    return _issue(learner, "attendance", "meeting", meeting_id, org_id, content, current, now=now, actor=actor)


def _same(snapshot: dict, content: dict) -> bool:
    return all(snapshot.get(key) == content.get(key) for key in certificate_pdf.CONTENT_KEYS)


def _issue(learner, kind, activity_kind, activity_id, org_id, content, current, *, now, actor) -> Issued:
    if current is not None and _same(current.snapshot, content):
        return Issued(current, False)
    template = active_template(org_id, kind)
    version = template.latest if template else None
    code = codes.new_code()
    tz = content["activity"]["timezone"]
    snapshot = dict(content, code=code, verify_url=external_url("certificates.verify", code=code),
                    issued_on=_day(now, tz), version=(current.version + 1) if current else 1,
                    page_size=version.page_size if version else _default_page_size(),
                    signatory={"name": version.signatory_name if version else "",
                               "title": version.signatory_title if version else ""})
    job = certificate_pdf.build_job(snapshot, html=version.html if version else None,
                                    css=version.css if version else None, **certificate_pdf.version_images(version))
    data = certificate_pdf.render(job)
    sha, size = storage.store(data)
    certificate = Certificate(
        learner_id=learner.id, kind=kind, activity_kind=activity_kind, activity_id=activity_id,
        provider_org_id=org_id, version=snapshot["version"], status="valid",
        supersedes_id=current.id if current else None, template_version_id=version.id if version else None,
        template_ref=f"template:{template.id}/v{version.number}" if version else certificate_pdf.BUILTIN_REF,
        snapshot=snapshot, sha256=sha, size=size, code_hash=codes.code_hash(code), code=code, issued_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:
        # Another worker issued this version first: keep theirs, drop our file.
        storage.discard(sha)
        return Issued(current_certificate(learner.id, kind, activity_kind, activity_id), False)
    if current is not None and current.status == "valid":
        current.status, current.superseded_at = "superseded", now
        record(actor, "certificate.supersede", current, now=now, org_id=org_id, after={"by": certificate.id})
    record(actor, "certificate.issue", certificate, now=now, org_id=org_id,
           after={"version": certificate.version, "sha256": sha, "template": certificate.template_ref})
    certificate_issued.send(certificate)
    return Issued(certificate, True)


def _default_page_size() -> str:
    from flask import current_app

    return current_app.config.get("CERTIFICATE_PAGE_SIZE", "Letter")


def revoke(certificate: Certificate, *, reason: str, actor: User | None, now: datetime) -> Certificate:
    """Revoke with a reason (kept, shown to nobody but the record); the code then verifies as revoked."""
    if not (reason or "").strip():
        raise CertificateError("Give the reason for the revocation: it is part of the record.")
    if certificate.status == "revoked":
        raise CertificateError("This certificate is already revoked.")
    certificate.status, certificate.revoked_at, certificate.revoked_reason = "revoked", now, reason.strip()[:2000]
    record(actor, "certificate.revoke", certificate, now=now, org_id=certificate.provider_org_id,
           after={"reason": certificate.revoked_reason})
    db.session.flush()
    certificate_revoked.send(certificate)
    return certificate


VERIFY_KEYS = ("status", "holder", "activity", "credits", "date", "provider", "certificate")


def verification(raw_code: str | None) -> dict:
    """The public facts behind a code, with the same keys (nulls) for an unknown one.

    One indexed query by the code's hash, whatever the input, so unknown and known codes take
    the same work.
    """
    found = db.session.scalar(select(Certificate).where(Certificate.code_hash == codes.code_hash(raw_code)))
    if found is None:
        return dict.fromkeys(VERIFY_KEYS) | {"status": "unknown"}
    snap = found.snapshot
    credit_lines = [{"type": line["name"], "amount": line["amount"], "unit": line["unit"]} for line in snap["credits"]]
    if snap.get("attendance"):
        credit_lines = [{"type": "Attendance", "amount": str(snap["attendance"]["minutes"]), "unit": "minutes"}]
    return {"status": found.status, "holder": snap["learner"]["display_name"], "activity": snap["activity"]["title"],
            "credits": credit_lines, "date": snap["activity"]["date"], "provider": snap["provider"]["name"],
            "certificate": snap["title"]}
