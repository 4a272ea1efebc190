"""The roster template CSV: the columns an import reads, with human words and two example rows."""

from __future__ import annotations

import csv
import io

from flask import Response
from flask_login import login_required

from lms.permissions import get_org_or_404
from lms.training import bp

TEMPLATE_ROWS = [
    ("name", "email", "role", "team", "profession", "job title"),
    ("Nora Lindqvist", "nora.lindqvist@example.org", "Member", "Clinical staff", "Nurse", "Practice nurse"),
    ("Tess Moreno", "tess.moreno@example.org", "Member", "Front office", "Other health professional or staff",
     "Receptionist"),
]


@bp.route("/orgs/<int:org_id>/roster/template.csv")
@login_required
def roster_template(org_id: int):
    get_org_or_404(org_id, "manager")
    out = io.StringIO()
    csv.writer(out).writerows(TEMPLATE_ROWS)
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="staff-roster-template.csv"'})
