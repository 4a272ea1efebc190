"""Educator reports on a course, each also downloadable as CSV."""

from __future__ import annotations

from flask import Response, abort, render_template

from flask_login import login_required

from courses import bp, reports
from courses.access import get_course_or_404
from courses.views.common import page_number

PER_PAGE = 50


@bp.route("/<int:course_id>/reports")
@login_required
def reports_page(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    page = page_number()
    rows, total = reports.enrolment_rows(course, page=page, per_page=PER_PAGE)
    return render_template("courses/reports.html", course=course, summary=reports.summary(course),
                           enrolments=rows, total=total, page=page, pages=max(1, -(-total // PER_PAGE)),
                           items=reports.item_analysis(course), evaluation=reports.evaluation_summary(course),
                           comments=reports.comment_rows(course, limit=100), header=reports.ENROLMENT_HEADER)


@bp.route("/<int:course_id>/reports/<name>.csv")
@login_required
def report_csv(course_id: int, name: str):
    course = get_course_or_404(course_id, for_edit=True)
    if name == "enrolments":
        rows, _ = reports.enrolment_rows(course)
        body = reports.to_csv(reports.ENROLMENT_HEADER, rows)
    elif name == "items":
        body = reports.to_csv(reports.ITEM_HEADER, reports.item_rows(reports.item_analysis(course)))
    elif name == "evaluation":
        body = reports.to_csv(reports.EVALUATION_HEADER, reports.evaluation_rows(reports.evaluation_summary(course)))
    elif name == "comments":
        body = reports.to_csv(reports.COMMENT_HEADER, reports.comment_rows(course))
    else:
        abort(404)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="course-{course.id}-{name}.csv"',
        "Cache-Control": "private, no-store"})
