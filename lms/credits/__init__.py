"""CME credit: credit types, the append-only ledger, transcripts and requirements."""

from flask import Blueprint, Flask

bp = Blueprint("credits", __name__, url_prefix="/credits")


def init_app(app: Flask) -> None:
    """Register the models, routes, the ``credit`` filter, the requirements card (and the dashboard's
    "a licence" profile check) and daily reminders."""
    from lms.credits import models, reporting_models, views  # noqa: F401  (models on the metadata, routes on the blueprint)
    from lms.credits.services import fmt, lacks_a_licence
    from lms.demo import register_seeder
    from lms.main.dashboard import register_part, register_profile_check
    from lms.signals import daily

    app.register_blueprint(bp)
    app.jinja_env.filters["credit"] = fmt  # Decimal amounts shown exactly: 1.50 -> "1.5"
    register_part("side", "requirements", _dashboard_part)
    register_profile_check("a licence", lacks_a_licence)
    daily.connect(_send_reminders)
    register_seeder("credits", 30, _seed_demo)


def _seed_demo(world) -> None:
    from lms.credits.demo import seed_credits

    seed_credits(world.users, world.made.get("courses", []), world.now)


def _dashboard_part(user, now):
    from flask import get_template_attribute

    from lms.credits.services import requirement_progress

    return get_template_attribute("lms/main/_requirements_card.html", "requirements_card")(
        requirement_progress(user.id, now.date()))


def _send_reminders(_sender, now):
    from lms.credits.reminders import send_requirement_reminders

    sent = send_requirement_reminders(now)
    return f"{sent} requirement reminder{'' if sent == 1 else 's'} sent."
