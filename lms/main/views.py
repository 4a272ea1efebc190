from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.main import bp
from lms.main.dashboard import feature_profile_gaps, render_parts
from lms.permissions import active_memberships
from lms.types import utcnow


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("lms/main/index.html")


def _profile_gaps(user) -> list[str]:
    """What the profile lacks that reports to accreditors and boards need: the account's own fields,
    then what the features ask for (the credits feature: a licence)."""
    return [
        label for label, missing in (
            ("your credentials", not user.credentials),
            ("your NPI", user.profession in {"physician_md", "physician_do"} and not user.npi),
            ("your NABP e-Profile ID", user.profession in {"pharmacist", "pharmacy_technician"}
             and not user.nabp_eprofile_id),
        ) if missing
    ] + feature_profile_gaps(user)


@bp.route("/dashboard")
@login_required
def dashboard():
    user = current_user._get_current_object()
    parts = render_parts(user, utcnow())  # before the profile checks, which may read what a part read
    return render_template("lms/main/dashboard.html", memberships=active_memberships(user),
                           profile_gaps=_profile_gaps(user), parts=parts)


@bp.route("/policy")
def policy():
    return render_template("lms/main/policy.html")

