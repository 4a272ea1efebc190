"""Attendance: the report and its CSV, host corrections, browser presence, the evaluation, Jitsi hooks."""

from __future__ import annotations

import csv
import hmac
import io
import json
import logging

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.extensions import csrf, db, limiter
from lms.orgs.models import Membership
from lms.types import utcnow
from lms.users.models import User
from lms.unit_of_work import discard
from meetings import bp, jitsi, services, tracking
from meetings.forms import AttendanceForm, ConfirmForm, EvaluationForm, PresenceForm, VoidForm
from meetings.models import AttendanceInterval, Meeting
from meetings.views.common import actor, get_meeting_or_404

log = logging.getLogger(__name__)


def _people_choices(meeting: Meeting):
    return [(p.id, f"{p.first_name} {p.last_name}".strip() or p.email) for p in db.session.execute(
        select(User.id, User.first_name, User.last_name, User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == meeting.org_id, Membership.deactivated_at.is_(None))
        .order_by(User.last_name, User.first_name)).all()]


@bp.route("/<int:meeting_id>/attendance")
@login_required
def attendance(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, host=True)
    now = utcnow()
    add_form = AttendanceForm()
    add_form.user_id.choices = _people_choices(meeting)
    return render_template("meetings/attendance.html", meeting=meeting, rows=tracking.attendance_report(meeting, now=now),
                           now=now, add_form=add_form, void_form=VoidForm(), form=ConfirmForm())


def neutralise(value) -> str:
    """Spreadsheets run cells that start with = + - @ (or tab/CR before them): quote them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.route("/<int:meeting_id>/attendance.csv")
@login_required
def attendance_csv(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, host=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "Email", "Invited", "First join (UTC)", "Last leave (UTC)", "Minutes present",
                     "Credible minutes", "Evidence", "Minutes signed (UTC)"])
    for row in tracking.attendance_report(meeting, now=utcnow()):
        writer.writerow([neutralise(v) for v in (
            row.name, row.user.email if row.user else "", "yes" if row.invited else "no",
            row.first_join.isoformat() if row.first_join else "", row.last_leave.isoformat() if row.last_leave else "",
            row.minutes, row.credible_minutes, row.evidence_label if row.evidence else "Absent",
            row.acknowledged_at.isoformat() if row.acknowledged_at else "")])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="attendance-meeting-{meeting.id}.csv"'})


def _utc(meeting: Meeting, local):
    return services.local_to_utc(local, meeting.timezone)


@bp.route("/<int:meeting_id>/attendance/add", methods=["POST"])
@login_required
def add_attendance(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id, host=True)
    form = AttendanceForm()
    form.user_id.choices = _people_choices(meeting)
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        try:
            tracking.add_attendance(actor(), meeting, user, joined_at=_utc(meeting, form.joined.data),
                                    left_at=_utc(meeting, form.left.data), note=form.note.data, now=utcnow(),
                                    ip=request.remote_addr)
        except tracking.AttendanceError as exc:
            discard(str(exc))
        else:
            flash("Attendance recorded as confirmed by the host.", "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id))


def _interval(meeting: Meeting, interval_id: int) -> AttendanceInterval:
    iv = db.session.get(AttendanceInterval, interval_id)
    if iv is None or iv.meeting_id != meeting.id:
        abort(404)
    return iv


@bp.route("/<int:meeting_id>/attendance/<int:interval_id>/confirm", methods=["POST"])
@login_required
def confirm_attendance(meeting_id: int, interval_id: int):
    meeting = get_meeting_or_404(meeting_id, host=True)
    iv = _interval(meeting, interval_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        tracking.confirm_interval(actor(), iv, now=utcnow(), ip=request.remote_addr)
    except tracking.AttendanceError as exc:
        discard(str(exc), "warning")
    else:
        flash("Attendance confirmed.", "success")
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/attendance/<int:interval_id>/void", methods=["POST"])
@login_required
def void_attendance(meeting_id: int, interval_id: int):
    meeting = get_meeting_or_404(meeting_id, host=True)
    iv = _interval(meeting, interval_id)
    form = VoidForm()
    if form.validate_on_submit():
        try:
            tracking.void_interval(actor(), iv, note=form.note.data, now=utcnow(), ip=request.remote_addr)
        except tracking.AttendanceError as exc:
            discard(str(exc))
        else:
            flash("The interval is struck out; the audit log keeps the change.", "success")
    else:
        flash("Give a reason for striking out attendance.", "danger")
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/presence", methods=["POST"])
@login_required
@limiter.limit("120 per minute")
def presence(meeting_id: int):
    """IFrame events relayed by the room page (CSRF-protected; recorded as self-reported)."""
    meeting = get_meeting_or_404(meeting_id)
    form = PresenceForm()
    if not form.validate_on_submit():
        return jsonify(error="bad request"), 400
    try:
        tracking.browser_event(actor(), meeting, form.event.data, now=utcnow(),
                               participant_id=form.participant_id.data or "")
    except tracking.AttendanceError:
        return jsonify(error="unknown event"), 400
    return "", 204


@bp.route("/<int:meeting_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluation(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    if meeting.category != "education":
        abort(404)
    done = services.has_evaluation(current_user.id, meeting.id)
    form = EvaluationForm()
    if not done and form.validate_on_submit():
        data = services.EvaluationData(change_practice=int(form.change_practice.data),
                                       met_objectives=int(form.met_objectives.data),
                                       free_of_bias=int(form.free_of_bias.data), comments=form.comments.data or "")
        try:
            services.submit_evaluation(actor(), meeting, data, now=utcnow())
        except services.MeetingError as exc:
            discard(str(exc), "warning")
        else:
            flash("Thank you: your evaluation is recorded.", "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    status = 422 if form.errors else 200
    return render_template("meetings/evaluation.html", meeting=meeting, form=form, done=done), status


# --- Jitsi's server-to-server hooks (no session, no CSRF: authenticated by signature or header) ----


@bp.route("/hooks/jaas", methods=["POST"])
@csrf.exempt
@limiter.limit("600 per minute")
def jaas_webhook():
    raw = request.get_data(cache=False)  # the exact bytes that were signed
    now = utcnow()
    try:
        jitsi.verify_webhook(raw, request.headers.get("X-Jaas-Signature"), current_app.config.get(
            "JITSI_WEBHOOK_SECRET"), now=now, max_age=int(current_app.config.get("JITSI_WEBHOOK_MAX_AGE", 300)))
        payload = json.loads(raw)
        if not isinstance(payload, dict):
            raise jitsi.WebhookRejected("not an object")
    except (jitsi.WebhookRejected, ValueError) as exc:
        log.warning("JaaS webhook refused: %s", exc)
        return jsonify(error="refused"), 401 if isinstance(exc, jitsi.WebhookRejected) else 400
    if payload.get("eventType") == "SETTINGS_PROVISIONING":
        room = str(payload.get("fqn") or "").partition("/")[2].lower()
        meeting = db.session.scalar(select(Meeting).where(Meeting.room_name == room)) if room else None
        if meeting is None:
            return jsonify(lobbyEnabled=True, lobbyType="WAIT_FOR_MODERATOR")
        return jsonify(jitsi.settings_provisioning(lobby=meeting.lobby_enabled, passcode=meeting.passcode))
    try:
        event = jitsi.parse_jaas_event(payload)
    except jitsi.WebhookRejected:
        return jsonify(error="malformed"), 400
    applied = tracking.apply_event(event, source="webhook", now=now)
    return jsonify(status="applied" if applied else "duplicate"), 200


@bp.route("/hooks/prosody/<path:kind>", methods=["POST"])
@csrf.exempt
@limiter.limit("600 per minute")
def prosody_event(kind: str):
    """jitsi-contrib event_sync: no signature exists, so a shared header is checked (and firewall it)."""
    secret = current_app.config.get("JITSI_EVENT_SYNC_SECRET")
    given = request.headers.get("X-Continuum-Event-Secret", "")
    if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
        return jsonify(error="refused"), 401
    try:
        event = jitsi.parse_event_sync(kind, request.get_json(silent=True) or {})
    except (jitsi.WebhookRejected, ValueError, TypeError):
        return jsonify(error="malformed"), 400
    applied = tracking.apply_event(event, source="event_sync", now=utcnow())
    return jsonify(status="applied" if applied else "duplicate"), 200
