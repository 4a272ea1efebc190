"""Meeting pages: list, scheduling, the meeting page, the room, calendar files and feeds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import (Response, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms import jobs as job_queue
from lms.extensions import db
from lms.orgs.models import Membership, Organisation, Team
from lms.permissions import get_org_or_404, membership, is_admin
from lms.security import external_url
from lms.types import utcnow
from lms.users.models import User
from lms.unit_of_work import discard, refuse
from meetings import bp, ical, jitsi, pages, services, tracking
from meetings.form_defaults import default_start
from meetings.forms import CREDIT_CODES, ActionItemForm, ConfirmForm, MeetingForm, MinutesForm
from meetings.jobs import send_cancellations, send_invitations
from meetings.models import ActionItem, Meeting
from meetings.views.common import actor, get_meeting_or_404, meeting_and_hosting


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.record_once
def _allow_test_scheme(state):
    """Tests serve a stand-in external_api.js over http on loopback (JITSI_SCHEME=http, JITSI_DOMAIN
    127.0.0.1:port): the CSP, built at start-up for https://JITSI_DOMAIN, must name that origin instead.
    Real deployments keep https and their domain, and this changes nothing."""
    app = state.app
    startup = app.config.get("JITSI_DOMAIN")

    @app.after_request
    def _jitsi_origin(response):
        scheme, domain = app.config.get("JITSI_SCHEME") or "https", app.config.get("JITSI_DOMAIN")
        csp = response.headers.get("Content-Security-Policy")
        if csp and startup and (scheme != "https" or domain != startup):
            response.headers["Content-Security-Policy"] = csp.replace(f"https://{startup}", f"{scheme}://{domain}")
        return response


@bp.app_context_processor
def _helpers():
    return {"can_host_meeting": services.can_host}


# --- list and feed ---------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    now = utcnow()
    past = request.args.get("when") == "past"
    query = services.visible_meetings_query(actor()).options(joinedload(Meeting.org), joinedload(Meeting.host))
    if past:
        query = query.where(Meeting.series_ends_at < now).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    else:
        query = query.where(Meeting.series_ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    page = db.paginate(query, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    schedulable = [m.org for m in db.session.scalars(
        select(Membership).options(joinedload(Membership.org)).where(
            Membership.user_id == current_user.id, Membership.deactivated_at.is_(None),
            Membership.role.in_(("educator", "manager"))))]
    feed_url = session.pop("meetings_feed_url", None)
    return render_template("meetings/index.html", page=page, past=past, now=now, schedulable=schedulable,
                           feed_url=feed_url, form=ConfirmForm())


@bp.route("/feed/rotate", methods=["POST"])
@login_required
def rotate_feed():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = services.rotate_feed_token(actor(), now=utcnow())
    # Shown once, on the next page only; the database keeps just its hash.
    session["meetings_feed_url"] = external_url("meetings.feed", token=token)
    flash("Your new calendar feed address is below. Any earlier address no longer works.", "success")
    return redirect(url_for("meetings.index") + "#calendar-feed")


@bp.route("/feed/revoke", methods=["POST"])
@login_required
def revoke_feed():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.revoke_feed(actor())
    flash("Your calendar feed is switched off.", "success")
    return redirect(url_for("meetings.index"))


@bp.route("/feed/<token>.ics")
def feed(token: str):
    user = services.feed_owner(token)
    if user is None:
        abort(404)
    now = utcnow()
    meetings = services.feed_meetings(user, now=now)
    body = ical.feed([(m, external_url("meetings.show", meeting_id=m.id), ical.configured_organizer(m))
                      for m in meetings], stamp=now, name="Continuum meetings")
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, no-store",
                                                             "Referrer-Policy": "no-referrer"})


# --- scheduling ------------------------------------------------------------------------------


def _form_choices(form: MeetingForm, org: Organisation) -> None:
    people = db.session.execute(select(User.id, User.first_name, User.last_name, User.email).join(
        Membership, Membership.user_id == User.id).where(Membership.org_id == org.id, Membership.deactivated_at.is_(None))
        .order_by(User.last_name, User.first_name)).all()
    options = [(p.id, f"{p.first_name} {p.last_name}".strip() or p.email) for p in people]
    form.cohost_ids.choices = options
    form.invitee_ids.choices = options
    form.team_ids.choices = [(t.id, t.name) for t in db.session.scalars(
        select(Team).where(Team.org_id == org.id).order_by(Team.name))]


def _local(dt, tz):
    return dt.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if dt else None


def _data(form: MeetingForm) -> services.MeetingData:
    tz = form.timezone.data
    utc = lambda v: services.local_to_utc(v, tz) if v else None  # noqa: E731
    designations = {}
    for code, _ in CREDIT_CODES:
        value = getattr(form, f"credit_{code}").data
        if value:
            designations[code] = Decimal(value)
    return services.MeetingData(
        title=form.title.data, agenda=form.agenda.data or "", category=form.category.data,
        starts_at=utc(form.start.data), ends_at=utc(form.end.data), timezone=tz, recurrence=form.recurrence.data,
        recurrence_count=form.recurrence_count.data or 1, cohost_ids=tuple(form.cohost_ids.data or ()),
        invitee_ids=tuple(form.invitee_ids.data or ()), team_ids=tuple(form.team_ids.data or ()),
        open_to_org=form.open_to_org.data, recording_enabled=form.recording_enabled.data,
        lobby_enabled=form.lobby_enabled.data, passcode=form.passcode.data or None,
        ack_counts_as_attendance=form.ack_counts_as_attendance.data, is_accredited=form.is_accredited.data,
        accredited_start_at=utc(form.accredited_start.data), accredited_end_at=utc(form.accredited_end.data),
        designations=designations, accreditation_statement=form.accreditation_statement.data or "",
        acpe_uan=form.acpe_uan.data or None, topics=form.topics.data or "",
        min_credit_minutes=form.min_credit_minutes.data or 15)


def _form_error(form: MeetingForm, exc: services.MeetingError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors) + [str(exc)]
    else:
        form.form_errors.append(str(exc))


@bp.route("/orgs/<int:org_id>/new", methods=["GET", "POST"])
@login_required
def new(org_id: int):
    org = get_org_or_404(org_id, "educator")
    form = MeetingForm()
    _form_choices(form, org)
    if request.method == "GET":
        form.timezone.data = current_user.timezone or org.timezone
        start = default_start(utcnow(), form.timezone.data)
        form.start.data, form.end.data = start, start + timedelta(hours=1)
    if form.validate_on_submit():
        try:
            meeting = services.schedule_meeting(actor(), org, _data(form), now=utcnow())
        except services.MeetingError as exc:
            _form_error(form, exc)
        else:
            meeting_id = meeting.id  # read before the commit: the job must not wait on this request
            job_queue.enqueue(send_invitations, meeting_id, "invite")
            flash("The meeting is scheduled and invitations are on their way.", "success")
            return redirect(url_for("meetings.show", meeting_id=meeting_id))
    return render_template("meetings/form.html", form=form, org=org, meeting=None), 422 if form.errors or \
        form.form_errors else 200


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, host=True)
    if meeting.is_cancelled:
        flash("This meeting is cancelled and can no longer be changed.", "warning")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    form = MeetingForm(obj=None if request.method == "POST" else meeting)
    _form_choices(form, meeting.org)
    if request.method == "GET":
        tz = meeting.timezone
        form.start.data, form.end.data = _local(meeting.starts_at, tz), _local(meeting.ends_at, tz)
        form.accredited_start.data = _local(meeting.accredited_start_at, tz)
        form.accredited_end.data = _local(meeting.accredited_end_at, tz)
        form.cohost_ids.data = [c.user_id for c in meeting.cohosts]
        form.invitee_ids.data = [i.user_id for i in meeting.invitees]
        form.team_ids.data = [t.team_id for t in meeting.teams]
        for d in meeting.designations:
            getattr(form, f"credit_{d.credit_type_code}").data = d.max_credits
    if form.validate_on_submit():
        try:
            removed = services.update_meeting(actor(), meeting, _data(form), now=utcnow())
        except services.MeetingError as exc:
            _form_error(form, exc)
        else:
            job_queue.enqueue(send_invitations, meeting_id, "update")
            if removed:
                job_queue.enqueue(send_cancellations, meeting_id, *sorted(removed))
            flash("The meeting is updated and invitees have the new details.", "success")
            return redirect(url_for("meetings.show", meeting_id=meeting_id))
    return render_template("meetings/form.html", form=form, org=meeting.org, meeting=meeting), 422 if \
        form.errors or form.form_errors else 200


@bp.route("/<int:meeting_id>/cancel", methods=["POST"])
@login_required
def cancel(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, host=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_meeting(actor(), meeting, now=utcnow())
    except services.MeetingError as exc:
        return refuse(str(exc), url_for("meetings.show", meeting_id=meeting.id), "warning")
    job_queue.enqueue(send_invitations, meeting_id, "cancel")
    flash("The meeting is cancelled; invitees are told and their calendars updated.", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id))


# --- the meeting page ----------------------------------------------------------------------


@bp.route("/<int:meeting_id>")
@login_required
def show(meeting_id: int):
    return _show(meeting_id)


def _show(meeting_id: int, minutes_form: MinutesForm | None = None):
    """The meeting page; ``minutes_form`` is a refused one, shown again with what the host typed."""
    meeting, hosting = meeting_and_hosting(meeting_id)
    now = utcnow()
    me = actor()
    can_join, join_reason = services.join_window(meeting, now, current_app.config["MEETING_JOIN_EARLY_MINUTES"])
    items = pages.action_items(meeting)
    mine = pages.learner_state(meeting, me)
    attended = pages.attended(meeting, mine, now)
    evaluated = meeting.category == "education" and mine.evaluated
    action_form = None  # only hosts see the forms
    if not hosting:
        minutes_form = None
    else:
        action_form, minutes_form = ActionItemForm(), minutes_form or MinutesForm(minutes=meeting.minutes)
        people = db.session.execute(select(User.id, User.first_name, User.last_name).join(
            Membership, Membership.user_id == User.id).where(Membership.org_id == meeting.org_id,
                                                             Membership.deactivated_at.is_(None))
            .order_by(User.last_name)).all()
        action_form.owner_id.choices = [("", "Nobody yet")] + [(p.id, f"{p.first_name} {p.last_name}") for p in people]
    views = current_app.view_functions
    return render_template(
        "meetings/show.html", meeting=meeting, now=now, hosting=hosting, can_join=can_join, join_reason=join_reason,
        occurrence=services.current_occurrence(meeting, now), items=items, acknowledged_at=mine.acknowledged_at,
        people=services.meeting_people(meeting),
        attended=attended,
        evaluated=evaluated, action_form=action_form, minutes_form=minutes_form, form=ConfirmForm(),
        claim_available="credits.claim" in views and meeting.is_accredited,
        certificate_available="certificates.request_attendance" in views,
        invitee_count=services.invited_count(meeting) if hosting else None)


@bp.route("/<int:meeting_id>/invite.ics")
@login_required
def ics(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    body = ical.download(meeting, url=external_url("meetings.show", meeting_id=meeting.id),
                         organizer=ical.configured_organizer(meeting), stamp=utcnow())
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'})


# --- the room ------------------------------------------------------------------------------


@bp.route("/<int:meeting_id>/room")
@login_required
def room(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    now = utcnow()
    can_join, reason = services.join_window(meeting, now, current_app.config["MEETING_JOIN_EARLY_MINUTES"])
    if not can_join:
        flash(reason, "info")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    me = actor()
    moderator = services.is_moderator(me, meeting)
    occurrence = services.current_occurrence(meeting, now) or (meeting.starts_at, meeting.ends_at)
    token = jitsi.mint_token(jitsi.TokenUser(id=str(me.id), name=me.full_name, email=me.email, moderator=moderator),
                             meeting.room_name, expires_at=jitsi.token_expiry(occurrence[1]), now=now,
                             recording=meeting.recording_enabled)
    options = jitsi.iframe_options(meeting.room_name, display_name=me.full_name, email=me.email,
                                   subject=meeting.title, token=token, recording=meeting.recording_enabled)
    response = current_app.make_response(render_template(
        "meetings/room.html", meeting=meeting, options_json=jitsi.as_json(options), moderator=moderator,
        domain=jitsi.embed_domain_for_api(), script_url=jitsi.script_url(), direct_link=jitsi.direct_link(
            meeting.room_name), public_warning=jitsi.public_embed_warning(),
        passcode=meeting.passcode if moderator and jitsi.mode() == "selfhosted" else None,
        hosting=services.can_host(me, meeting), form=ConfirmForm(),
        connect_timeout_ms=int(float(current_app.config.get("MEETING_ROOM_TIMEOUT_SECONDS") or 20) * 1000)))
    # The page carries a personal token: never cache it, never leak it in a Referer.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/<int:meeting_id>/end", methods=["POST"])
@login_required
def end(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, host=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    tracking.end_meeting(actor(), meeting, now=utcnow())
    flash("The meeting has ended. The attendance report is ready.", "success")
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id))


# --- minutes and action items ---------------------------------------------------------------


@bp.route("/<int:meeting_id>/minutes", methods=["POST"])
@login_required
def save_minutes(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, host=True)
    form = MinutesForm()
    if form.validate_on_submit():
        services.save_minutes(actor(), meeting, form.minutes.data or "", now=utcnow())
        flash("Minutes saved.", "success")
        return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#meeting-minutes")
    # Refused (the PHI guard, a length): the page again with every typed word and the passage marked.
    return _show(meeting.id, minutes_form=form), 422


@bp.route("/<int:meeting_id>/actions", methods=["POST"])
@login_required
def add_action(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, host=True)
    form = ActionItemForm()
    form.owner_id.choices = None
    form.owner_id.validate_choice = False
    if form.validate_on_submit():
        try:
            services.add_action_item(actor(), meeting, text=form.text.data, owner_id=form.owner_id.data,
                                     due_on=form.due_on.data, now=utcnow())
        except services.MeetingError as exc:
            discard(str(exc))
        else:
            flash("Action added.", "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#actions")


@bp.route("/<int:meeting_id>/actions/<int:item_id>/toggle", methods=["POST"])
@login_required
def toggle_action(meeting_id: int, item_id: int):
    meeting = get_meeting_or_404(meeting_id)
    item = db.session.get(ActionItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    if not (services.can_host(current_user, meeting) or item.owner_id == current_user.id):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_action_item_done(item, item.done_at is None, now=utcnow())
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#actions")


@bp.route("/<int:meeting_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.acknowledge_minutes(actor(), meeting, now=utcnow())
    except services.MeetingError as exc:
        discard(str(exc), "warning")
    else:
        flash("You have read and signed the minutes.", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#meeting-minutes")


