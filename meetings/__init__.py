"""Meetings: scheduling, invitations and iCalendar, the Jitsi room, attendance, minutes, live credit."""

from flask import Blueprint, Flask

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def init_app(app: Flask) -> None:
    """Register the models, routes and the ``flask lms poll-attendance`` command."""
    from lms.cli import lms_cli
    from lms.demo import register_seeder
    from meetings import models, views  # noqa: F401  (models on the metadata, routes on the blueprint)
    from meetings.cli import poll_attendance

    app.register_blueprint(bp)
    lms_cli.add_command(poll_attendance)
    register_seeder("meetings", 10, _seed_demo)


def _seed_demo(world) -> None:
    from meetings.demo import seed_meetings

    seed_meetings(world.users, world.practice, world.provider, world.now)
