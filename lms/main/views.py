from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.main import bp
from lms.orgs.models import Membership
from lms.types import utcnow


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("lms/main/index.html")


@bp.route("/dashboard")
@login_required
def dashboard():
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == current_user.id, Membership.deactivated_at.is_(None))
        .options(selectinload(Membership.org))
    ).all()
    profile_gaps = [
        label for label, missing in (
            ("your credentials", not current_user.credentials),
            ("your NPI", current_user.profession in {"physician_md", "physician_do"} and not current_user.npi),
            ("your NABP e-Profile ID", current_user.profession in {"pharmacist", "pharmacy_technician"}
             and not current_user.nabp_eprofile_id),
            ("a licence", not current_user.licences and current_user.profession != "other"),
        ) if missing
    ]
    from courses.services import dashboard_for
    from lms.credits.requirement_views import requirement_progress
    from lms.training.views import dashboard_block

    now = utcnow()
    return render_template("lms/main/dashboard.html", memberships=memberships, profile_gaps=profile_gaps,
                           course_board=dashboard_for(current_user, now),
                           required_training=dashboard_block(current_user._get_current_object()),
                           requirements=requirement_progress(current_user.id, now.date()))


@bp.route("/policy")
def policy():
    return render_template("lms/main/policy.html")


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
