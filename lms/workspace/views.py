"""The educator's activity list and the activity hub: every page about one activity, one tab each."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import login_required
from sqlalchemy import func, select

from courses import reports as course_reports
from courses.access import get_course_or_404
from lms.credits.models import CreditEntry
from lms.extensions import db
from lms.permissions import get_org_or_404
from lms.types import utcnow
from meetings.models import AttendanceInterval, Meeting, MeetingEvaluation
from lms.workspace import bp
from lms.workspace.dashboard import accredited_meetings, course_rows

PER_PAGE = 50

TABS = (("overview", "Overview"), ("content", "Content"), ("people", "People and disclosures"),
        ("credit", "Credit and claims"), ("certificates", "Certificates"), ("evaluation", "Evaluation and reports"),
        ("exports", "Exports"))

MEETING_QUESTIONS = (("change_practice", "I will change my practice"), ("met_objectives", "The objectives were met"),
                     ("free_of_bias", "Free of commercial bias"))


@bp.route("/orgs/<int:org_id>/activities")
@login_required
def activities(org_id: int):
    org = get_org_or_404(org_id, "educator")
    page = max(request.args.get("page", 1, type=int), 1)
    courses = course_rows([org.id], limit=None)
    total = len(courses)
    courses = courses[(page - 1) * PER_PAGE:page * PER_PAGE]
    return render_template("workspace/activities.html", org=org, courses=courses, page=page,
                           pages=max(1, -(-total // PER_PAGE)), meetings=accredited_meetings([org.id], limit=PER_PAGE))


def _claim_count(kind: str, activity_id: int) -> int:
    return db.session.scalar(select(func.count(func.distinct(CreditEntry.learner_id))).where(
        CreditEntry.activity_kind == kind, CreditEntry.activity_id == activity_id, CreditEntry.kind == "claim")) or 0


def _meeting_evaluation(meeting_id: int) -> list[tuple[str, dict[int, int]]]:
    found = []
    for column, label in MEETING_QUESTIONS:
        col = getattr(MeetingEvaluation, column)
        found.append((label, dict(db.session.execute(select(col, func.count()).where(
            MeetingEvaluation.meeting_id == meeting_id).group_by(col)).all())))
    return found


@bp.route("/hub/<any(course, meeting):kind>/<int:activity_id>")
@login_required
def hub(kind: str, activity_id: int):
    tab = request.args.get("tab", "overview")
    if tab not in dict(TABS):
        abort(404)
    if kind == "course":
        course = get_course_or_404(activity_id, for_edit=True)
        row = course_rows([], course_id=course.id, limit=None)[0]
        evaluation = course_reports.evaluation_summary(course) if tab in ("overview", "evaluation") else []
        likert = [(f"{s.item.text} (v{s.version})", s.distribution) for s in evaluation]
        return render_template("workspace/hub_course.html", kind=kind, course=course, org=course.org, row=row,
                               title=row.title, tab=tab, tabs=TABS, likert=likert,
                               published=course.current_version_id is not None)
    meeting = db.session.get(Meeting, activity_id)
    if meeting is None:
        abort(404)
    org = get_org_or_404(meeting.org_id, "educator")
    attendees = db.session.scalar(select(func.count(func.distinct(AttendanceInterval.user_id))).where(
        AttendanceInterval.meeting_id == meeting.id)) or 0
    evaluations = db.session.scalar(select(func.count()).select_from(MeetingEvaluation).where(
        MeetingEvaluation.meeting_id == meeting.id)) or 0
    return render_template("workspace/hub_meeting.html", kind=kind, meeting=meeting, org=org, title=meeting.title,
                           tab=tab, tabs=TABS, attendees=attendees, evaluations=evaluations,
                           claims=_claim_count("meeting", meeting.id), now=utcnow(),
                           likert=_meeting_evaluation(meeting.id) if tab in ("overview", "evaluation") else [])
