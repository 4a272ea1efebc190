"""Compliance exports: a CSV (one line per person and required item) and an inspection PDF."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import inspect, select

from lms.csvexport import csv_response
from lms.extensions import db
from lms.pdf import render_pdf
from lms.training import rules
from lms.training.compliance import Matrix

# Rendering is done in the request: weasyprint takes about 10 s per 1,000 table lines, so a larger
# report must be narrowed (team, item) or taken as CSV.
MAX_PDF_LINES = 2_000


class ReportTooLarge(ValueError):
    pass


HEADER = ("Name", "Email", "Job title", "Teams", "Active", "Required item", "Status", "Compliant", "Due on",
          "Completed on", "Valid until", "Certificate code")


def certificate_codes(m: Matrix) -> dict[tuple[int, int], str] | None:
    """``(user id, course id) -> current certificate code``, or None where certificates are not installed."""
    try:
        from lms.certificates.models import Certificate
    except ImportError:
        return None
    if not inspect(db.engine).has_table(Certificate.__tablename__):
        return None
    course_ids = {i.object_id for i in m.items if i.kind == "course"}
    user_ids = [p.user_id for p in m.people]
    if not course_ids or not user_ids:
        return {}
    rows = db.session.execute(select(Certificate.learner_id, Certificate.activity_id, Certificate.code).where(
        Certificate.activity_kind == "course", Certificate.activity_id.in_(course_ids),
        Certificate.learner_id.in_(user_ids), Certificate.status == "valid").order_by(Certificate.issued_at))
    return {(u, c): code for u, c, code in rows}


def lines(m: Matrix, codes: dict | None):
    for p in m.people:
        for item in m.items:
            cell = m.cells.get((p.membership_id, item.key))
            if cell is None:
                continue
            s = cell.state
            code = (codes or {}).get((p.user_id, item.object_id), "") if item.kind == "course" else ""
            yield (p.name, p.email, p.job_title, "; ".join(p.team_names), "yes" if p.active else "no (left)",
                   item.title, s.label, "yes" if s.compliant else "no", s.due_on.isoformat() if s.due_on else "",
                   s.completed_on.isoformat() if s.completed_on else "",
                   s.expires_on.isoformat() if s.expires_on else "", code)


def matrix_csv(org, m: Matrix):
    codes = certificate_codes(m)
    header = HEADER if codes is not None else HEADER[:-1]
    rows = lines(m, codes) if codes is not None else (line[:-1] for line in lines(m, codes))
    return csv_response(f"compliance-{org.slug}.csv", header, rows)


def inspection_pdf(org, m: Matrix, *, now: datetime, actor):
    codes = certificate_codes(m)
    rows = list(lines(m, codes))
    if len(rows) > MAX_PDF_LINES:
        raise ReportTooLarge(f"The PDF would have {len(rows):,} lines (at most {MAX_PDF_LINES:,}). Filter by team or "
                             "item and download one PDF per part, or export the CSV.")
    html = render_template("lms/training/inspection_pdf.html", org=org, m=m, rows=rows,
                           with_codes=codes is not None, generated_at=now, actor=actor, rules=rules)
    response = current_app.response_class(render_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="compliance-{org.slug}-{now:%Y-%m-%d}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response
