"""Compliance pages (matrix, person record, exports) and the learner's own training pages.

Every organisation page loads through ``get_org_or_404(org_id, "manager")``; anything in the
URL that is not the organisation's is a 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from lms import caching
from lms.auth.throttle import pdf_limit, per_user
from lms.extensions import db, limiter
from lms.forms import choices
from lms.orgs.forms import ConfirmForm
from lms.orgs.models import Membership
from lms.permissions import get_in_org_or_404, get_org_or_404
from lms.training import bp, compliance, reports, rules, services
from lms.training.forms import PreferenceForm, RecordForm
from lms.training.models import Assignment, TrainingRecord
from lms.types import utcnow
from lms.unit_of_work import refuse

PEOPLE_PER_PAGE = 50


class ListPage(Pagination):
    """Flask-SQLAlchemy's pagination over a list already in memory (the matrix is built in Python)."""

    def __init__(self, items: list, page: int, per_page: int):
        self._all = items
        super().__init__(page=page, per_page=per_page, error_out=False)

    def _query_items(self):
        start = (self.page - 1) * self.per_page
        return self._all[start:start + self.per_page]

    def _query_count(self):
        return len(self._all)


def _today(org):
    return compliance.local_today(org.timezone, utcnow())


def _filters() -> dict:
    team_id = request.args.get("team", type=int)
    item = (request.args.get("item") or "").strip()[:40] or None
    leavers = request.args.get("leavers") == "1"
    status = request.args.get("status") if request.args.get("status") in rules.STATUS_LABELS else None
    return {"team_id": team_id, "item": item, "include_leavers": leavers, "status": status}


@bp.route("/orgs/<int:org_id>/compliance")
@login_required
def dashboard(org_id: int):
    org = get_org_or_404(org_id, "manager")
    filters = _filters()
    today, number = _today(org), max(request.args.get("page", 1, type=int) or 1, 1)
    args = {k: v for k, v in (("team", filters["team_id"]), ("item", filters["item"]), ("status", filters["status"]),
                              ("leavers", "1" if filters["include_leavers"] else None)) if v}

    def build() -> Markup:
        m = compliance.matrix(org, today, **filters)
        page = ListPage(m.people, number, PEOPLE_PER_PAGE)
        return Markup(render_template("lms/training/_compliance.html", org=org, m=m, page=page, filters=filters,
                                      args=args, labels=rules.STATUS_LABELS, order=rules.STATUS_ORDER))

    # The same for every manager of the organisation: kept until the training services (or a
    # publication, for course titles) bump a generation in the key (``lms.caching``).
    key = ("compliance-page", org.id, *caching.generations(f"training:{org.id}", "catalog"), today,
           tuple(sorted(args.items())), number, org.name, org.timezone)
    return render_template("lms/training/dashboard.html", org=org, page_html=caching.kept(key, build))


@bp.route("/orgs/<int:org_id>/compliance.csv")
@login_required
def dashboard_csv(org_id: int):
    org = get_org_or_404(org_id, "manager")
    return reports.matrix_csv(org, compliance.matrix(org, _today(org), **_filters()))


@bp.route("/orgs/<int:org_id>/compliance.pdf")
@limiter.limit(pdf_limit, key_func=per_user)
@login_required
def dashboard_pdf(org_id: int):
    org = get_org_or_404(org_id, "manager")
    filters = _filters()
    try:
        return reports.inspection_pdf(org, compliance.matrix(org, _today(org), **filters), now=utcnow(),
                                      actor=current_user)
    except reports.ReportTooLarge as exc:
        return refuse(str(exc), url_for("training.dashboard", org_id=org.id, **request.args), "warning")


@bp.route("/orgs/<int:org_id>/people/<int:membership_id>")
@login_required
def person(org_id: int, membership_id: int):
    org = get_org_or_404(org_id, "manager")
    m = get_in_org_or_404(Membership, membership_id, org)
    people = [p for p in compliance.load_people(org, include_leavers=True) if p.membership_id == m.id]
    cells = compliance.person_cells(people[0], _today(org)) if people else []
    form = RecordForm()
    form.item.choices = choices((c.item.key, c.item.title) for c in cells)
    records = db.session.scalars(select(TrainingRecord).where(
        TrainingRecord.org_id == org.id, TrainingRecord.user_id == m.user_id)
        .order_by(TrainingRecord.completed_on.desc())).all()
    titles = {c.item.key: c.item.title for c in cells}
    return render_template("lms/training/person.html", org=org, membership=m, p=people[0] if people else None,
                           cells=cells, form=form, records=records, titles=titles, confirm_form=ConfirmForm())


@bp.route("/mine")
@login_required
def mine():
    user = current_user._get_current_object()
    rows = compliance.my_training(user, compliance.local_today(user.timezone, utcnow()))
    return render_template("lms/training/mine.html", rows=rows)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = PreferenceForm()
    if form.validate_on_submit():
        services.set_opt_out(current_user._get_current_object(), form.non_mandatory_mail_opt_out.data, now=utcnow())
        flash("Your notification settings are saved.", "success")
        return redirect(url_for("training.settings"))
    if request.method == "GET":
        form.non_mandatory_mail_opt_out.data = services.opted_out(current_user.id)
    return render_template("lms/training/settings.html", form=form)


@bp.route("/assignments/<int:assignment_id>/start", methods=["POST"])
@login_required
def start(assignment_id: int):
    """Start an assigned course from "My required training" (only an assignment that applies to you)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    rows = compliance.my_training(user, compliance.local_today(user.timezone, utcnow()))
    cell = next((c for _, c in rows if c.assignment.id == assignment_id and c.item.kind == "course"), None)
    if cell is None:
        abort(404)
    try:
        enrolment = services.start_course(user, db.session.get(Assignment, cell.assignment.id),
                                          due_on=cell.state.due_on, now=utcnow())
    except services.TrainingError as exc:
        return refuse(str(exc), url_for("training.mine"))
    if enrolment.disclosures_seen_at is None:
        return redirect(url_for("courses.disclosures", course_id=enrolment.course_id))
    return redirect(url_for("courses.resume", course_id=enrolment.course_id))
