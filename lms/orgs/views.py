"""Organisation pages. Every load goes through ``get_org_or_404``/``get_in_org_or_404``."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms import jobs
from lms.extensions import db
from lms.forms import choices
from lms.orgs import bp
from lms.orgs import services
from lms.orgs.forms import ConfirmForm, InviteForm, OrganisationForm, RoleForm, TeamForm, TeamMemberForm
from lms.orgs.jobs import send_invitation_email
from lms.orgs.models import Invitation, Membership, Organisation, Team, TeamMember
from lms.permissions import get_in_org_or_404, get_org_or_404, is_admin
from lms.types import utcnow
from lms.users.models import User
from lms.unit_of_work import discard


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.route("/")
@login_required
def index():
    query = select(Organisation).order_by(Organisation.name)
    if not is_admin(current_user):
        query = query.join(Membership).where(Membership.user_id == current_user.id,
                                             Membership.deactivated_at.is_(None))
    orgs = db.paginate(query, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    mine = db.session.execute(select(Membership.org_id, Membership.role, Membership.job_title)
                              .where(Membership.user_id == current_user.id)).all()
    roles = {org_id: role for org_id, role, _ in mine}
    job_titles = {org_id: title for org_id, _, title in mine if title}
    return render_template("lms/orgs/index.html", orgs=orgs, roles=roles, job_titles=job_titles, form=OrganisationForm(
        timezone=current_user.timezone))


@bp.route("/new", methods=["POST"])
@login_required
def create():
    form = OrganisationForm()
    if form.validate_on_submit():
        org = services.create_organisation(current_user._get_current_object(), name=form.name.data,
                                           kind=form.kind.data, timezone=form.timezone.data, now=utcnow(),
                                           ip=request.remote_addr)
        flash(f"{org.name} is created and you are its manager.", "success")
        return redirect(url_for("orgs.show", org_id=org.id))
    for errors in form.errors.values():
        for error in errors:
            flash(error, "danger")
    return redirect(url_for("orgs.index"))


@bp.route("/<int:org_id>")
@login_required
def show(org_id: int):
    org = get_org_or_404(org_id)
    member_count = db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.org_id == org.id, Membership.deactivated_at.is_(None)))
    teams = db.session.execute(
        select(Team, func.count(TeamMember.membership_id)).outerjoin(TeamMember)
        .where(Team.org_id == org.id).group_by(Team.id).order_by(Team.name)).all()
    return render_template("lms/orgs/show.html", org=org, member_count=member_count, teams=teams)


@bp.route("/<int:org_id>/members")
@login_required
def members(org_id: int):
    org = get_org_or_404(org_id, "manager")
    q = (request.args.get("q") or "").strip()[:100]
    query = (select(Membership).join(User).where(Membership.org_id == org.id)
             .options(selectinload(Membership.user)).order_by(User.last_name, User.first_name, User.id))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(func.lower(User.email).like(like) | func.lower(User.last_name).like(like)
                            | func.lower(User.first_name).like(like))
    page = db.paginate(query, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    invite_form = InviteForm()
    invite_form.team_id.choices = choices([(None, "No team")] + [(t.id, t.name) for t in org.teams])
    invitations = db.session.scalars(select(Invitation).where(
        Invitation.org_id == org.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow()).order_by(Invitation.created_at.desc()).limit(50)).all()
    return render_template("lms/orgs/members.html", org=org, page=page, q=q, invite_form=invite_form,
                           invitations=invitations, role_form=RoleForm(), confirm_form=ConfirmForm())


@bp.route("/<int:org_id>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def change_role(org_id: int, membership_id: int):
    org = get_org_or_404(org_id, "manager")
    m = get_in_org_or_404(Membership, membership_id, org)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(current_user._get_current_object(), m, form.role.data, now=utcnow(),
                                 ip=request.remote_addr)
        except services.OrgError as exc:
            discard(str(exc))
        else:
            flash(f"{m.user.full_name} is now {m.role_label.lower()}.", "success")
    return redirect(url_for("orgs.members", org_id=org.id))


@bp.route("/<int:org_id>/members/<int:membership_id>/<any(deactivate, reactivate):action>", methods=["POST"])
@login_required
def set_active(org_id: int, membership_id: int, action: str):
    org = get_org_or_404(org_id, "manager")
    m = get_in_org_or_404(Membership, membership_id, org)
    if ConfirmForm().validate_on_submit():
        try:
            services.set_active(current_user._get_current_object(), m, action == "reactivate", now=utcnow(),
                                ip=request.remote_addr)
        except services.OrgError as exc:
            discard(str(exc))
        else:
            flash(f"{m.user.full_name} is {action}d. Their records are kept.", "success")
    return redirect(url_for("orgs.members", org_id=org.id))


@bp.route("/<int:org_id>/invitations", methods=["POST"])
@login_required
def invite(org_id: int):
    org = get_org_or_404(org_id, "manager")
    form = InviteForm()
    form.team_id.choices = choices([(None, "No team")] + [(t.id, t.name) for t in org.teams])
    if form.validate_on_submit():
        team = get_in_org_or_404(Team, form.team_id.data, org) if form.team_id.data else None
        invitation, token = services.invite(current_user._get_current_object(), org, email=form.email.data,
                                            role=form.role.data, team=team, now=utcnow(),
                                            max_age_days=current_app.config["INVITATION_MAX_AGE_DAYS"])
        jobs.enqueue(send_invitation_email, invitation.id, token)
        flash(f"Invitation sent to {invitation.email}.", "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("orgs.members", org_id=org.id))


@bp.route("/<int:org_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(org_id: int, invitation_id: int):
    org = get_org_or_404(org_id, "manager")
    invitation = get_in_org_or_404(Invitation, invitation_id, org)
    if ConfirmForm().validate_on_submit():
        services.revoke_invitation(invitation, now=utcnow())
        flash(f"The invitation to {invitation.email} is withdrawn.", "info")
    return redirect(url_for("orgs.members", org_id=org.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = services.find_invitation(token, now=utcnow())
    except services.OrgError as exc:
        return render_template("lms/orgs/invitation_invalid.html", message=str(exc)), 404
    if not current_user.is_authenticated:
        return render_template("lms/orgs/invitation.html", invitation=invitation, form=None)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.accept_invitation(current_user._get_current_object(), token, now=utcnow(),
                                       ip=request.remote_addr)
        except services.OrgError as exc:
            discard(str(exc))
        else:
            flash(f"Welcome to {invitation.org.name}.", "success")
            return redirect(url_for("orgs.show", org_id=invitation.org_id))
    return render_template("lms/orgs/invitation.html", invitation=invitation, form=form)


@bp.route("/<int:org_id>/teams", methods=["GET", "POST"])
@login_required
def teams(org_id: int):
    org = get_org_or_404(org_id, "manager")
    form = TeamForm()
    if form.validate_on_submit():
        try:
            services.create_team(current_user._get_current_object(), org, form.name.data, now=utcnow())
        except services.OrgError as exc:
            form.name.errors.append(str(exc))
        else:
            flash("Team created.", "success")
            return redirect(url_for("orgs.teams", org_id=org.id))
    return render_template("lms/orgs/teams.html", org=org, form=form), 422 if form.errors else 200


@bp.route("/<int:org_id>/teams/<int:team_id>", methods=["GET", "POST"])
@login_required
def team(org_id: int, team_id: int):
    org = get_org_or_404(org_id, "manager")
    team = get_in_org_or_404(Team, team_id, org)
    in_team = {tm.membership_id for tm in team.members}
    candidates = db.session.scalars(select(Membership).join(User).where(
        Membership.org_id == org.id, Membership.deactivated_at.is_(None))
        .options(selectinload(Membership.user)).order_by(User.last_name, User.first_name)).all()
    form = TeamMemberForm()
    form.membership_id.choices = choices((m.id, m.user.full_name) for m in candidates if m.id not in in_team)
    if form.validate_on_submit():
        services.add_to_team(team, get_in_org_or_404(Membership, form.membership_id.data, org))
        flash("Added to the team.", "success")
        return redirect(url_for("orgs.team", org_id=org.id, team_id=team.id))
    members = [m for m in candidates if m.id in in_team]
    return render_template("lms/orgs/team.html", org=org, team=team, form=form, members=members,
                           confirm_form=ConfirmForm())


@bp.route("/<int:org_id>/teams/<int:team_id>/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_team_member(org_id: int, team_id: int, membership_id: int):
    org = get_org_or_404(org_id, "manager")
    team = get_in_org_or_404(Team, team_id, org)
    m = get_in_org_or_404(Membership, membership_id, org)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_from_team(team, m)
    flash("Removed from the team.", "info")
    return redirect(url_for("orgs.team", org_id=org.id, team_id=team.id))
