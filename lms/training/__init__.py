"""Practice management: mandatory training assignments, compliance, reminders and staff rosters."""

from flask import Blueprint, Flask

bp = Blueprint("training", __name__, url_prefix="/training")


def init_app(app: Flask) -> None:
    """Register the models, routes, "My required training" on the dashboard and daily reminders."""
    from lms.main.dashboard import register_part
    from lms.demo import register_seeder
    from lms.signals import daily
    from lms.training import models, views  # noqa: F401  (models on the metadata, routes on the blueprint)

    app.register_blueprint(bp)
    register_part("top", "required-training", _dashboard_part)
    daily.connect(_send_reminders)
    register_seeder("training", 40, _seed_demo)


def _seed_demo(world) -> None:
    from lms.training.demo import seed_training

    seed_training(world.users["manager@demo.continuum.test"], world.practice, world.now)


def _dashboard_part(user, now):
    from flask import get_template_attribute

    from lms.training import compliance

    rows = compliance.my_training(user, compliance.local_today(user.timezone, now))
    if not rows:
        return None
    return get_template_attribute("lms/training/_my_training.html", "my_training")(rows, limit=5)


def _send_reminders(_sender, now):
    from lms.training.reminders import send_training_reminders

    training, digests = send_training_reminders(now)
    return (f"{training} training reminder{'' if training == 1 else 's'} and {digests} manager digest"
            f"{'' if digests == 1 else 's'} sent.")
