"""Educator pages of an activity's credit: claims with corrections and revocations, and the
files accreditors take (ACCME PARS learner data, ACPE CPE Monitor) with a validation report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.credits import bp
from lms.credits import services as credits
from lms.credits.forms import CorrectionForm, RevocationForm
from lms.credits.models import CreditEntry
from lms.credits.signals import credit_changed
from lms.csvexport import csv_response
from lms.extensions import db
from lms.unit_of_work import refuse
from lms.permissions import get_org_or_404
from lms.types import utcnow
from lms.users.identifiers import npi_problem
from lms.users.models import PHYSICIAN_PROFESSIONS, User

PARS_TYPES = ("ama_pra_1", "abim_moc")


@dataclass
class ClaimLine:
    claim: CreditEntry
    learner: User
    net: Decimal
    follow_ups: list[CreditEntry]


def _activity_for_educator(kind: str, activity_id: int):
    try:
        info = credits.load_activity(kind, activity_id)
    except credits.NotReady:
        abort(404)
    get_org_or_404(info.provider_org_id, "educator")
    return info


def claim_lines(kind: str, activity_id: int) -> list[ClaimLine]:
    """Every claim of the activity with its net amount and learner: four queries whatever the size."""
    entries = db.session.scalars(select(CreditEntry).where(
        CreditEntry.activity_kind == kind, CreditEntry.activity_id == activity_id).order_by(CreditEntry.id)).all()
    learner_ids = {e.learner_id for e in entries}
    learners = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(learner_ids)).options(
        selectinload(User.licences), selectinload(User.board_certifications)))} if learner_ids else {}
    follow_ups: dict[int, list[CreditEntry]] = defaultdict(list)
    for e in entries:
        if e.claim_id:
            follow_ups[e.claim_id].append(e)
    return [ClaimLine(e, learners[e.learner_id], (e.amount + sum((f.amount for f in follow_ups[e.id]), Decimal(0))),
                      follow_ups[e.id]) for e in entries if e.kind == "claim"]


def pars_problems(learner: User) -> list[str]:
    problems = []
    if not (learner.first_name and learner.last_name):
        problems.append("first or last name missing")
    if not (learner.birth_month and learner.birth_day):
        problems.append("birth month and day missing")
    if learner.npi and npi_problem(learner.npi):
        problems.append("NPI invalid")
    if not learner.npi and not learner.licences:
        problems.append("neither a licence nor an NPI")
    return problems


@bp.route("/activities/<any(course, meeting):kind>/<int:activity_id>/claims")
@login_required
def activity_claims(kind: str, activity_id: int):
    info = _activity_for_educator(kind, activity_id)
    lines = claim_lines(kind, activity_id)
    learners = {line.learner.id: line.learner for line in lines}
    physicians = sum(1 for u in learners.values() if u.profession in PHYSICIAN_PROFESSIONS)
    consented = [line for line in lines if line.learner.consent_to_report and line.net > 0
                 and line.claim.credit_type_code in PARS_TYPES]
    validation = [(line, pars_problems(line.learner)) for line in consented]
    return render_template(
        "lms/credits/activity_claims.html", info=info, lines=lines, fmt=credits.fmt,
        physicians=physicians, others=len(learners) - physicians,
        validation=[(line, p) for line, p in validation if p],
        excluded=sum(1 for line in lines if not line.learner.consent_to_report and line.net > 0),
        correction_form=CorrectionForm(), revocation_form=RevocationForm(),
    )


def _claim_for_educator(entry_id: int) -> CreditEntry:
    claim = db.session.get(CreditEntry, entry_id)
    if claim is None or claim.kind != "claim" or claim.activity_kind == "external" or claim.provider_org_id is None:
        abort(404)
    get_org_or_404(claim.provider_org_id, "educator")
    return claim


def _change_claim(entry_id: int, form, change, done: str):
    """Apply a correction or revocation from the claims page; certificates follow the signal."""
    claim = _claim_for_educator(entry_id)
    back = url_for("credits.activity_claims", kind=claim.activity_kind, activity_id=claim.activity_id)
    if not form.validate_on_submit():
        return refuse(" ".join(e for errors in form.errors.values() for e in errors), back)
    try:
        change(current_user._get_current_object(), claim, form)
    except credits.CreditError as exc:
        return refuse(str(exc), back)
    credit_changed.send(current_app._get_current_object(), learner_id=claim.learner_id,
                        kind=claim.activity_kind, activity_id=claim.activity_id)
    flash(done, "success")
    return redirect(back)


@bp.route("/entries/<int:entry_id>/correct", methods=["POST"])
@login_required
def correct(entry_id: int):
    return _change_claim(entry_id, CorrectionForm(), lambda actor, claim, form: credits.correct_claim(
        actor, claim, credits.parse_amount(form.amount.data), reason=form.reason.data, now=utcnow(),
        ip=request.remote_addr), "The claim is corrected; the original entry and the correction are both kept.")


@bp.route("/entries/<int:entry_id>/revoke", methods=["POST"])
@login_required
def revoke(entry_id: int):
    return _change_claim(entry_id, RevocationForm(), lambda actor, claim, form: credits.revoke_claim(
        actor, claim, reason=form.reason.data, now=utcnow(), ip=request.remote_addr),
        "The claim is revoked; the record of it is kept.")


@bp.route("/activities/<any(course, meeting):kind>/<int:activity_id>/pars.csv")
@login_required
def pars_csv(kind: str, activity_id: int):
    """ACCME PARS learner completion data: consented learners' physician credit only."""
    _activity_for_educator(kind, activity_id)
    rows = []
    for line in claim_lines(kind, activity_id):
        u = line.learner
        if not u.consent_to_report or line.net <= 0 or line.claim.credit_type_code not in PARS_TYPES:
            continue
        licences = u.licences or [None]
        boards = {b.board: b.diplomate_id for b in u.board_certifications}
        for licence in licences:
            rows.append([
                u.first_name, u.last_name,
                f"{u.birth_month:02d}/{u.birth_day:02d}" if u.birth_month and u.birth_day else "",
                licence.state if licence else "", licence.number if licence else "", u.npi or "",
                "ABIM" if "ABIM" in boards else "", boards.get("ABIM", ""),
                line.claim.activity_date.isoformat(), line.claim.credit_type.name, credits.fmt(line.net), "Yes",
            ])
    return csv_response(f"pars-{kind}-{activity_id}.csv", [
        "First name", "Last name", "Birth month/day (MM/DD)", "Licence state", "Licence number", "NPI",
        "Certifying board", "Diplomate ID", "Completion date", "Credit type", "Credit amount",
        "Permission to share"], rows)


@bp.route("/activities/<any(course, meeting):kind>/<int:activity_id>/cpe-monitor.csv")
@login_required
def cpe_monitor_csv(kind: str, activity_id: int):
    """ACPE CPE Monitor data: NABP e-Profile ID, birth MMDD, UAN, date, contact hours."""
    info = _activity_for_educator(kind, activity_id)
    rows = []
    for line in claim_lines(kind, activity_id):
        u = line.learner
        if not u.consent_to_report or line.net <= 0 or line.claim.credit_type_code != "acpe":
            continue
        rows.append([
            u.nabp_eprofile_id or "", f"{u.birth_month:02d}{u.birth_day:02d}" if u.birth_month and u.birth_day else "",
            info.acpe_uan or "", line.claim.activity_date.isoformat(), credits.fmt(line.net),
            "T" if u.profession == "pharmacy_technician" else "P", u.first_name, u.last_name,
        ])
    return csv_response(f"cpe-monitor-{kind}-{activity_id}.csv", [
        "NABP e-Profile ID", "Birth MMDD", "UAN", "Completion date", "Contact hours", "Participant type",
        "First name", "Last name"], rows)
