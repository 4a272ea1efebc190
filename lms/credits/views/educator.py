"""Educator pages of an activity's credit: claims with corrections and revocations, and the
files accreditors take (ACCME PARS learner data, ACPE CPE Monitor) with a validation report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms import activities
from lms.credits import bp, cpe_monitor, pars
from lms.credits import services as credits
from lms.credits.forms import CorrectionForm, ParsActivityForm, RevocationForm
from lms.credits.models import CreditEntry
from lms.credits.reporting_models import ParsActivity
from lms.credits.signals import credit_changed
from lms.csvexport import csv_response
from lms.extensions import db
from lms.unit_of_work import refuse
from lms.permissions import get_org_or_404
from lms.types import utcnow
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


@bp.route("/activities/<any(course, meeting):kind>/<int:activity_id>/claims")
@login_required
def activity_claims(kind: str, activity_id: int):
    info = _activity_for_educator(kind, activity_id)
    lines = claim_lines(kind, activity_id)
    activity, completions, physicians, others = pars_inputs(info, lines)
    joint = credits.is_jointly_accredited(info.provider_org_id)
    learners = pars.learner_export(activity, completions, joint=joint)
    reg = pars_activity(kind, activity_id)
    return render_template(
        "lms/credits/activity_claims.html", info=info, lines=lines, fmt=credits.fmt,
        physicians=physicians, others=others, joint=joint, gate=learners,
        activity_gate=pars.activity_export(activity, physicians=physicians, others=others, joint=joint),
        cpe_gate=cpe_export(info, lines) if "acpe" in info.designations else None,
        pars_form=ParsActivityForm(obj=reg), moc_boards=pars.MOC_BOARDS,
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


def pars_activity(kind: str, activity_id: int) -> ParsActivity | None:
    return db.session.scalar(select(ParsActivity).where(ParsActivity.activity_kind == kind,
                                                        ParsActivity.activity_id == activity_id))


def pars_inputs(info, lines: list[ClaimLine]) -> tuple[pars.Activity, list[pars.Completion], int, int]:
    """The activity and one completion per learner (all their credit types together) for the PARS files."""
    reg = pars_activity(info.kind, info.id)
    activity = pars.Activity(
        kind=info.kind, id=info.id, title=info.title, format="meeting" if info.kind == "meeting" else info.format,
        start_date=info.start_date, end_date=info.end_date, designations=dict(info.designations),
        **({} if reg is None else dict(
            pars_activity_id=reg.pars_activity_id, providership=reg.providership, joint_providers=reg.joint_providers,
            commercial_support=reg.commercial_support, commercial_supporters=reg.commercial_supporters,
            changes_competence=reg.changes_competence, changes_performance=reg.changes_performance,
            changes_outcomes=reg.changes_outcomes, city=reg.location_city, state=reg.location_state,
            country=reg.location_country, moc_boards=tuple(reg.moc_boards or ()))))
    by_learner: dict[int, list[ClaimLine]] = defaultdict(list)
    for line in lines:
        if line.net > 0:
            by_learner[line.learner.id].append(line)
    completions = []
    for learner_lines in by_learner.values():
        u = learner_lines[0].learner
        learner = pars.Learner(
            user_id=u.id, first_name=u.first_name, last_name=u.last_name, profession=u.profession,
            birth_month=u.birth_month, birth_day=u.birth_day, npi=u.npi,
            licences=tuple((lic.state, lic.number) for lic in sorted(u.licences, key=lambda lic: lic.state)),
            boards={pars.board_code(b.board): b.diplomate_id for b in u.board_certifications},
            consent=u.consent_to_report)
        completions.append(pars.Completion(learner, min(line.claim.activity_date for line in learner_lines),
                                           {line.claim.credit_type_code: line.net for line in learner_lines}))
    physicians = sum(1 for c in completions if c.learner.profession in PHYSICIAN_PROFESSIONS)
    return activity, completions, physicians, len(completions) - physicians


def _file(export: pars.Export, ext: str, name: str, sheet: str):
    if ext == "xlsx":
        return Response(pars.workbook(export, sheet=sheet), headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition": f'attachment; filename="{name}.xlsx"', "Cache-Control": "no-store"})
    return Response(pars.tab_delimited(export), headers={
        "Content-Type": "text/tab-separated-values; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}.txt"', "Cache-Control": "no-store"})


def _gated(export: pars.Export, kind: str, activity_id: int, ext: str, name: str, sheet: str):
    """The file, or back to the claims page when the activity itself fails the gate (nothing to upload)."""
    if export.blocked:
        flash("Nothing was exported: " + "; ".join(f"{p.what} ({p.fix})" for p in export.problems), "danger")
        return redirect(url_for("credits.activity_claims", kind=kind, activity_id=activity_id))
    response = _file(export, ext, name, sheet)
    response.headers["X-Learners-Left-Out"] = str(export.excluded)
    return response


@bp.route("/activities/<any(course, meeting):kind>/<int:activity_id>/pars-learners.<any(xlsx, txt):ext>")
@login_required
def pars_learners(kind: str, activity_id: int, ext: str):
    """ACCME PARS learner completions: one row per physician, CME and MOC together; valid rows only."""
    info = _activity_for_educator(kind, activity_id)
    activity, completions, _, _ = pars_inputs(info, claim_lines(kind, activity_id))
    return _gated(pars.learner_export(activity, completions), kind, activity_id, ext,
                  f"pars-learners-{kind}-{activity_id}", "Learner Data")


@bp.route("/activities/<any(course, meeting):kind>/<int:activity_id>/ja-pars-learners.<any(xlsx, txt):ext>")
@login_required
def ja_pars_learners(kind: str, activity_id: int, ext: str):
    """JA-PARS learner completions: every profession's credit (AMA, ANCC, ACPE, AAPA, IPCE) on one row."""
    info = _activity_for_educator(kind, activity_id)
    activity, completions, _, _ = pars_inputs(info, claim_lines(kind, activity_id))
    return _gated(pars.learner_export(activity, completions, joint=True), kind, activity_id, ext,
                  f"ja-pars-learners-{kind}-{activity_id}", "Learner Data")


@bp.route("/activities/<any(course, meeting):kind>/<int:activity_id>/pars-activity.<any(xlsx, txt):ext>")
@login_required
def pars_activity_file(kind: str, activity_id: int, ext: str):
    """The PARS activity record with the fields ACCME requires to close the activity."""
    info = _activity_for_educator(kind, activity_id)
    activity, _, physicians, others = pars_inputs(info, claim_lines(kind, activity_id))
    joint = credits.is_jointly_accredited(info.provider_org_id)
    return _gated(pars.activity_export(activity, physicians=physicians, others=others, joint=joint), kind,
                  activity_id, ext, f"pars-activity-{kind}-{activity_id}", "Activity Data")


@bp.route("/activities/<any(course, meeting):kind>/<int:activity_id>/pars", methods=["POST"])
@login_required
def pars_registration(kind: str, activity_id: int):
    """Record the activity's PARS registration: its PARS activity ID and the facts PARS needs to close it."""
    info = _activity_for_educator(kind, activity_id)
    form = ParsActivityForm()
    if form.validate_on_submit():
        reg = pars_activity(kind, activity_id) or ParsActivity(activity_kind=kind, activity_id=activity_id)
        form.populate_obj(reg)
        for name in ("pars_activity_id", "joint_providers", "commercial_supporters", "location_city",
                     "location_state"):
            setattr(reg, name, getattr(reg, name) or "")
        reg.location_country = reg.location_country or "USA"
        reg.moc_boards = [b for b in form.moc_boards.data if b in pars.MOC_BOARDS]
        reg.updated_by_id, reg.updated_at = current_user.id, utcnow()
        db.session.add(reg)
        db.session.flush()
        flash("The PARS registration is saved.", "success")
    else:
        return refuse(" ".join(e for errors in form.errors.values() for e in errors),
                      url_for("credits.activity_claims", kind=info.kind, activity_id=info.id))
    return redirect(url_for("credits.activity_claims", kind=info.kind, activity_id=info.id))


def cpe_export(info, lines: list[ClaimLine]) -> pars.Export:
    """CPE Monitor rows, one per pharmacist or technician, each checked; the UAN is the one of the version
    the learner completed (for a course, possibly older than the current one)."""
    export = pars.Export(cpe_monitor.COLUMNS)
    for line in sorted(lines, key=lambda ln: (ln.learner.last_name.lower(), ln.learner.id)):
        u = line.learner
        if line.net <= 0 or line.claim.credit_type_code != "acpe":
            continue
        taken = activities.activity_info_for(info.kind, u.id, info.id) if info.kind == "course" else info
        taken = taken or info
        designated = taken.designations.get("acpe", info.designations.get("acpe", Decimal(0)))
        name = f"{u.first_name} {u.last_name}".strip() or f"Learner #{u.id}"
        problems = cpe_monitor.row_problems(
            name=name, user_id=u.id, profession=u.profession, nabp=u.nabp_eprofile_id, birth_month=u.birth_month,
            birth_day=u.birth_day, consent=u.consent_to_report, uan=taken.acpe_uan,
            activity_format="meeting" if info.kind == "meeting" else taken.format, amount=line.net,
            designated=designated)
        if problems:
            export.problems += problems
            continue
        export.rows.append([
            u.nabp_eprofile_id, f"{u.birth_month:02d}{u.birth_day:02d}", taken.acpe_uan.upper(),
            pars.mmddyyyy(line.claim.activity_date), credits.fmt(line.net),
            credits.fmt(cpe_monitor.ceus(line.net)), cpe_monitor.AUDIENCE[u.profession], u.first_name, u.last_name,
        ])
    return export


@bp.route("/activities/<any(course, meeting):kind>/<int:activity_id>/cpe-monitor.csv")
@login_required
def cpe_monitor_csv(kind: str, activity_id: int):
    """ACPE CPE Monitor data: e-Profile ID, birth MMDD, UAN, date, contact hours and CEUs; valid rows only."""
    info = _activity_for_educator(kind, activity_id)
    export = cpe_export(info, claim_lines(kind, activity_id))
    response = csv_response(f"cpe-monitor-{kind}-{activity_id}.csv", export.columns, export.rows)
    response.headers["X-Learners-Left-Out"] = str(export.excluded)
    return response
