from __future__ import annotations

from functools import cache

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, exists, select

from lms import unit_of_work
from lms.main import bp
from lms.main.dashboard import render_parts
from lms.permissions import active_memberships
from lms.types import utcnow
from lms.users.models import Licence


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("lms/main/index.html")


@cache
def _has_licence_statement():
    return select(exists().where(Licence.user_id == bindparam("user_id")))


def _profile_gaps(user) -> list[str]:
    def no_licence() -> bool:  # one EXISTS, rather than loading the licences as objects
        return not unit_of_work.read(_has_licence_statement(), {"user_id": user.id}).scalar()

    return [
        label for label, missing in (
            ("your credentials", not user.credentials),
            ("your NPI", user.profession in {"physician_md", "physician_do"} and not user.npi),
            ("your NABP e-Profile ID", user.profession in {"pharmacist", "pharmacy_technician"}
             and not user.nabp_eprofile_id),
            ("a licence", user.profession != "other" and no_licence()),
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

