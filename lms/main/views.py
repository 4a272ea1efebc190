from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from lms.extensions import db
from lms.main import bp
from lms.main.dashboard import render_parts
from lms.permissions import active_memberships
from lms.types import utcnow


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("lms/main/index.html")


def _profile_gaps(user) -> list[str]:
    return [
        label for label, missing in (
            ("your credentials", not user.credentials),
            ("your NPI", user.profession in {"physician_md", "physician_do"} and not user.npi),
            ("your NABP e-Profile ID", user.profession in {"pharmacist", "pharmacy_technician"}
             and not user.nabp_eprofile_id),
            ("a licence", user.profession != "other" and not user.licences),
        ) if missing
    ]


@bp.route("/dashboard")
@login_required
def dashboard():
    user = current_user._get_current_object()
    return render_template("lms/main/dashboard.html", memberships=active_memberships(user),
                           profile_gaps=_profile_gaps(user), parts=render_parts(user, utcnow()))


@bp.route("/policy")
def policy():
    return render_template("lms/main/policy.html")


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
