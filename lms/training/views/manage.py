"""Manager pages that change things: assignments and the staff roster (CSV import, one by one)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms import jobs
from lms.extensions import db
from lms.unit_of_work import discard, refuse
from lms.forms import choices
from lms.orgs import services as orgs
from lms.orgs.forms import ConfirmForm
from lms.orgs.models import ROLES, Membership
from lms.permissions import get_in_org_or_404, get_org_or_404
from lms.training import bp, compliance, roster, services
from lms.training.forms import (
    AddPersonForm,
    AssignmentForm,
    AssignmentScheduleForm,
    LeaversForm,
    RecordForm,
    RosterConfirmForm,
    RosterUploadForm,
)
from lms.training.jobs import send_roster_emails
from lms.training.models import Assignment, RosterImport, TrainingRecord
from lms.types import utcnow
from lms.users.models import PROFESSIONS, User
from meetings.models import Meeting


def _assignment_form(org) -> AssignmentForm:
    form = AssignmentForm()
    courses = db.session.scalars(services.assignable_courses_query(org)).all()
    meetings = db.session.scalars(select(Meeting).where(Meeting.org_id == org.id)
                                  .order_by(Meeting.starts_at.desc()).limit(200)).all()
    course_choices = sorted(((f"course:{c.id}", (c.latest_version.title if c.latest_version else f"Course {c.id}"))
                             for c in courses), key=lambda p: p[1].casefold())
    form.item.choices = choices(course_choices + [(f"minutes:{mt.id}", f"Minutes: {mt.title} ({mt.starts_at:%d %b %Y})")
                                                  for mt in meetings])
    form.team_id.choices = choices([(t.id, t.name) for t in org.teams])
    people = db.session.execute(select(User.id, User.first_name, User.last_name).join(
        Membership, Membership.user_id == User.id).where(Membership.org_id == org.id,
                                                         Membership.deactivated_at.is_(None))
        .order_by(User.last_name, User.first_name)).all()
    form.user_id.choices = choices([(u.id, f"{u.first_name} {u.last_name}".strip()) for u in people])
    return form


def _job_titles(org) -> list[str]:
    return sorted({t for t in db.session.scalars(select(Membership.job_title).where(
        Membership.org_id == org.id, Membership.job_title != "")) if t}, key=str.casefold)


def everyone_confirmation(org, form: AssignmentForm, title: str) -> dict:
    """What assigning to everyone means, in numbers, and what else was picked that "Everyone" ignores."""
    staff = db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.org_id == org.id, Membership.deactivated_at.is_(None)))
    ignored = []
    teams = {c.value: c.label for c in form.team_id.choices}
    people = {c.value: c.label for c in form.user_id.choices}
    if form.team_id.data and form.team_id.data in teams:
        ignored.append(f"the team {teams[form.team_id.data]}")
    if form.user_id.data and form.user_id.data in people:
        ignored.append(people[form.user_id.data])
    if form.job_title.data:
        ignored.append(f"the job title {form.job_title.data}")
    return {"title": title, "staff": staff or 0, "ignored": ignored}


@bp.route("/orgs/<int:org_id>/assignments", methods=["GET", "POST"])
@login_required
def assignments(org_id: int):
    org = get_org_or_404(org_id, "manager")
    form = _assignment_form(org)
    if form.validate_on_submit():
        kind, _, item_id = (form.item.data or "").partition(":")
        if kind not in ("course", "minutes") or not item_id.isdigit():
            abort(404)
        if form.target_kind.data == "org" and form.confirm_everyone.data != "yes" \
                and (title := dict((c.value, c.label) for c in form.item.choices).get(form.item.data)):
            everyone = everyone_confirmation(org, form, title)
            form.confirm_everyone.data = "yes"
            return render_template("lms/training/assignments.html", org=org, form=form,
                                   rows=compliance.load_assignments([org.id]), job_titles=_job_titles(org),
                                   confirm_form=ConfirmForm(), everyone=everyone)
        target_id = form.team_id.data if form.target_kind.data == "team" else form.user_id.data
        data = services.AssignmentData(
            item_kind=kind, item_id=int(item_id), target_kind=form.target_kind.data, target_id=target_id,
            job_title=form.job_title.data or "", due_on=form.due_on.data,
            recurrence_months=form.recurrence_months.data, recurrence_basis=form.recurrence_basis.data,
            grace_days=form.grace_days.data or 0, is_mandatory=form.is_mandatory.data)
        try:
            a = services.assign(current_user._get_current_object(), org, data, now=utcnow())
        except services.NotInOrganisation:
            abort(404)
        except services.TrainingError as exc:
            form.form_errors.append(str(exc))
        else:
            late = " The due date is in the past: it shows as overdue at once." if a.due_on < utcnow().date() else ""
            flash(f"{a.title} is assigned to {a.target_label.lower() if a.target_kind == 'org' else a.target_label}."
                  + late, "success")
            return redirect(url_for("training.assignments", org_id=org.id))
    rows = compliance.load_assignments([org.id])
    return render_template("lms/training/assignments.html", org=org, form=form, rows=rows,
                           job_titles=_job_titles(org), confirm_form=ConfirmForm()), 422 if form.errors else 200


@bp.route("/orgs/<int:org_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_assignment(org_id: int, assignment_id: int):
    org = get_org_or_404(org_id, "manager")
    a = get_in_org_or_404(Assignment, assignment_id, org)
    if a.removed_at is not None:
        abort(404)
    form = AssignmentScheduleForm(obj=a)
    if form.validate_on_submit():
        try:
            services.update_assignment(current_user._get_current_object(), a, due_on=form.due_on.data,
                                       recurrence_months=form.recurrence_months.data,
                                       recurrence_basis=form.recurrence_basis.data, grace_days=form.grace_days.data or 0,
                                       is_mandatory=form.is_mandatory.data, now=utcnow())
        except services.TrainingError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(f"{a.title} for {a.target_label} is updated.", "success")
            return redirect(url_for("training.assignments", org_id=org.id))
    return render_template("lms/training/assignment_edit.html", org=org, a=a, form=form), 422 if form.errors else 200


@bp.route("/orgs/<int:org_id>/assignments/<int:assignment_id>/remove", methods=["POST"])
@login_required
def remove_assignment(org_id: int, assignment_id: int):
    org = get_org_or_404(org_id, "manager")
    a = get_in_org_or_404(Assignment, assignment_id, org)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_assignment(current_user._get_current_object(), a, now=utcnow())
    flash(f"{a.title} is no longer required of {a.target_label}. Completion records are kept.", "info")
    return redirect(url_for("training.assignments", org_id=org.id))


# --- roster --------------------------------------------------------------------------------------


@bp.route("/orgs/<int:org_id>/roster", methods=["GET", "POST"])
@login_required
def roster_upload(org_id: int):
    org = get_org_or_404(org_id, "manager")
    form = RosterUploadForm()
    file_error = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            imp = roster.upload(current_user._get_current_object(), org, upload.filename or "",
                                upload.read(roster.MAX_BYTES + 1), now=utcnow())
        except roster.RosterFileError as exc:
            file_error = str(exc)
        else:
            return redirect(url_for("training.roster_preview", org_id=org.id, import_id=imp.id))
    recent = db.session.scalars(select(RosterImport).where(RosterImport.org_id == org.id)
                                .order_by(RosterImport.id.desc()).limit(10)).all()
    status = 422 if (file_error or form.errors) else 200
    return render_template("lms/training/roster.html", org=org, form=form, add_form=AddPersonForm(),
                           professions=[f"“{label}”" for label in PROFESSIONS.values()],
                           file_error=file_error, recent=recent, max_rows=roster.MAX_ROWS), status


@bp.route("/orgs/<int:org_id>/roster/<int:import_id>")
@login_required
def roster_preview(org_id: int, import_id: int):
    org = get_org_or_404(org_id, "manager")
    imp = get_in_org_or_404(RosterImport, import_id, org)
    actions = roster.plan(org, imp.rows) if imp.status == "preview" else []
    current = {r["email"] for r in imp.rows}
    not_in_file = [] if imp.status != "preview" or imp.errors else db.session.execute(
        select(Membership.id, User.first_name, User.last_name, User.email).join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org.id, Membership.deactivated_at.is_(None),
               Membership.user_id != current_user.id)).all()  # never offer to deactivate yourself
    not_in_file = [r for r in not_in_file if r.email.lower() not in current]
    same_file = db.session.scalar(select(RosterImport).where(
        RosterImport.org_id == org.id, RosterImport.file_sha256 == imp.file_sha256, RosterImport.status == "applied",
        RosterImport.id != imp.id).order_by(RosterImport.id.desc()).limit(1))
    confirm_form = RosterConfirmForm(plan=roster.plan_digest(actions))
    rows = roster.preview_rows(actions, imp) if imp.status == "preview" else []
    return render_template("lms/training/roster_preview.html", org=org, imp=imp, rows=rows[:500], total=len(rows),
                           same_file=same_file, refused=len(roster.error_lines(imp)),
                           counts=roster.summarise(actions), not_in_file=not_in_file[:200], leavers_form=LeaversForm(),
                           confirm_form=confirm_form, discard_form=ConfirmForm(), roles=ROLES, professions=PROFESSIONS)


@bp.route("/orgs/<int:org_id>/roster/<int:import_id>/<any(confirm, discard):action>", methods=["POST"])
@login_required
def roster_apply(org_id: int, import_id: int, action: str):
    org = get_org_or_404(org_id, "manager")
    imp = get_in_org_or_404(RosterImport, import_id, org)
    form = RosterConfirmForm() if action == "confirm" else ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if action == "discard":
        if imp.status == "preview":
            imp.status = "discarded"
        flash("The upload is discarded; nothing was imported.", "info")
        return redirect(url_for("training.roster_upload", org_id=org.id))
    try:
        summary = roster.apply(current_user._get_current_object(), imp, now=utcnow(), seen=form.plan.data)
    except roster.RosterNotReady as exc:
        return refuse(str(exc), url_for("training.roster_preview", org_id=org.id, import_id=imp.id))
    if summary["create"] or summary["add"]:
        jobs.enqueue(send_roster_emails, imp.id, current_user.id)
    changed = summary["create"] + summary["add"] + summary["update"]
    skipped = f" {summary['skipped']} row{'' if summary['skipped'] == 1 else 's'} with errors skipped." \
        if summary.get("skipped") else ""
    flash((f"Imported: {summary['create']} new, {summary['add']} existing accounts added, {summary['update']} "
           f"updated, {summary['none']} unchanged." if changed else "No changes: everyone in the file is already "
           "on the staff list as it says.") + skipped, "success")
    return redirect(url_for("orgs.members", org_id=org.id))


@bp.route("/orgs/<int:org_id>/roster/add", methods=["POST"])
@login_required
def roster_add(org_id: int):
    """Add one person: the same rules as one CSV row, applied at once."""
    org = get_org_or_404(org_id, "manager")
    form = AddPersonForm()
    if form.validate_on_submit():
        raw = {"name": form.name.data, "email": form.email.data, "role": form.role.data, "team": form.team.data,
               "profession": form.profession.data, "job title": form.job_title.data}
        row, problems = roster.row_from_form(raw)
        if not problems:
            imp = roster.single(current_user._get_current_object(), org, row, now=utcnow())
            summary = roster.apply(current_user._get_current_object(), imp, now=utcnow())
            if summary["create"] or summary["add"]:
                jobs.enqueue(send_roster_emails, imp.id, current_user.id)
                flash(f"{form.name.data} is added to the staff and told by email.", "success")
            else:
                flash(f"{form.email.data} is already on the staff list.", "info")
            return redirect(url_for("orgs.members", org_id=org.id))
        for p in problems:
            flash(f"{p.column.capitalize()} {p.message}.", "danger")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("training.roster_upload", org_id=org.id))


# --- completions recorded by hand ------------------------------------------------------------------


@bp.route("/orgs/<int:org_id>/people/<int:membership_id>/records", methods=["POST"])
@login_required
def record_completion(org_id: int, membership_id: int):
    org = get_org_or_404(org_id, "manager")
    m = get_in_org_or_404(Membership, membership_id, org)
    form = RecordForm()
    back = redirect(url_for("training.person", org_id=org.id, membership_id=m.id))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return back
    kind, _, item_id = (form.item.data or "").partition(":")
    if kind not in ("course", "minutes") or not item_id.isdigit():
        abort(404)
    try:
        services.record_completion(current_user._get_current_object(), org, m.user, item_kind=kind,
                                   item_id=int(item_id), completed_on=form.completed_on.data, note=form.note.data,
                                   now=utcnow())
    except services.NotInOrganisation:
        abort(404)
    except services.TrainingError as exc:
        discard(str(exc))
        return back
    flash(f"Completion recorded for {m.user.full_name}.", "success")
    return back


@bp.route("/orgs/<int:org_id>/records/<int:record_id>/void", methods=["POST"])
@login_required
def void_record(org_id: int, record_id: int):
    org = get_org_or_404(org_id, "manager")
    record = get_in_org_or_404(TrainingRecord, record_id, org)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.void_record(current_user._get_current_object(), record, now=utcnow())
    flash("The recorded completion is withdrawn (it stays in the history, marked void).", "info")
    m = db.session.scalar(select(Membership).where(Membership.org_id == org.id, Membership.user_id == record.user_id))
    return redirect(url_for("training.person", org_id=org.id, membership_id=m.id) if m else
                    url_for("training.dashboard", org_id=org.id))


@bp.route("/orgs/<int:org_id>/roster/leavers", methods=["POST"])
@login_required
def deactivate_leavers(org_id: int):
    """Deactivate people who have left (chosen from those missing from an upload). Records stay."""
    org = get_org_or_404(org_id, "manager")
    form = LeaversForm()
    if not form.validate_on_submit():
        abort(400)
    leavers = [get_in_org_or_404(Membership, mid, org) for mid in form.membership_ids.data or []]
    actor = current_user._get_current_object()
    try:
        for m in leavers:
            if m.deactivated_at is None:
                orgs.set_active(actor, m, False, now=utcnow(), ip=request.remote_addr)
    except orgs.OrgError as exc:
        return refuse(f"{exc} Nobody was deactivated.", url_for("orgs.members", org_id=org.id))
    flash(f"{len(leavers)} leaver{'' if len(leavers) == 1 else 's'} deactivated. Their training records are kept.",
              "success")
    return redirect(url_for("orgs.members", org_id=org.id))
