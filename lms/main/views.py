from __future__ import annotations

from flask import get_template_attribute, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import text

from lms.cache import LocalCache
from lms.extensions import db
from lms.main import bp
from lms.main.signals import dashboard_sections
from lms.permissions import active_memberships
from lms.types import utcnow


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("lms/main/index.html")


# The learner's own parts of the dashboard (courses, licence requirements, profile gaps), rendered
# once per user, dashboard version and day: nothing in them is shared, nothing holds a form.
_learner_parts = LocalCache(4096)


def _profile_gaps(user) -> list[str]:
    return [
        label for label, missing in (
            ("your credentials", not user.credentials),
            ("your NPI", user.profession in {"physician_md", "physician_do"} and not user.npi),
            ("your NABP e-Profile ID", user.profession in {"pharmacist", "pharmacy_technician"}
             and not user.nabp_eprofile_id),
            ("a licence", not user.licences and user.profession != "other"),
        ) if missing
    ]


def _learner_parts_for(user, now) -> tuple[list[str], Markup, Markup]:
    from courses.services import dashboard_for
    from lms.credits.requirement_views import requirement_progress

    board = get_template_attribute("courses/_dashboard.html", "learner_dashboard")
    return (_profile_gaps(user), board(dashboard_for(user, now)),
            Markup(render_template("lms/main/_requirements_card.html",
                                   requirements=requirement_progress(user.id, now.date()))))


@bp.route("/dashboard")
@login_required
def dashboard():
    from lms.training.views import dashboard_block

    user = current_user._get_current_object()
    now = utcnow()
    profile_gaps, board_html, requirements_html = _learner_parts.get_or_make(
        (user.id, user.dashboard_version, now.date()), lambda: _learner_parts_for(user, now))
    sections = sorted((part for _, part in dashboard_sections.send(user, now=now) if part), key=lambda p: p[0])
    return render_template("lms/main/dashboard.html", memberships=active_memberships(user), profile_gaps=profile_gaps,
                           board_html=board_html, requirements_html=requirements_html,
                           required_training=dashboard_block(user), sections=[html for _, html in sections])


@bp.route("/policy")
def policy():
    return render_template("lms/main/policy.html")


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
