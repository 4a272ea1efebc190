"""CME credit: credit types, the append-only ledger, transcripts and requirements."""

from flask import Blueprint, Flask

bp = Blueprint("credits", __name__, url_prefix="/credits")


def init_app(app: Flask) -> None:
    """Register the models, routes, the ``credit`` filter and daily reminders (the learner dashboard's
    credit parts are the workspace's)."""
    from lms.credits import models, reporting_models, views  # noqa: F401  (models on the metadata, routes on the blueprint)
    from lms.credits.services import fmt
    from lms.demo import register_seeder
    from lms.signals import daily

    app.register_blueprint(bp)
    app.jinja_env.filters["credit"] = fmt  # Decimal amounts shown exactly: 1.50 -> "1.5"
    daily.connect(_send_reminders)
    register_seeder("credits", 30, _seed_demo)


def _seed_demo(world) -> None:
    from lms.credits.demo import seed_credits

    seed_credits(world.users, world.made.get("courses", []), world.now)


def _send_reminders(_sender, now):
    from lms.credits.reminders import send_requirement_reminders

    sent = send_requirement_reminders(now)
    return f"{sent} requirement reminder{'' if sent == 1 else 's'} sent."
