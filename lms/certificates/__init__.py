"""Certificates: issue on claim or attendance, render once (weasyprint), store by content hash,
verify publicly, sign as Open Badges 3.0 credentials."""

from flask import Blueprint, Flask

bp = Blueprint("certificates", __name__)


def init_app(app: Flask) -> None:
    """Register the models and routes; issue, re-issue or revoke certificates when credit changes."""
    from lms.certificates import models, views  # noqa: F401  (models on the metadata, routes on the blueprint)
    from lms.credits.signals import credit_changed

    app.register_blueprint(bp)
    credit_changed.connect(_on_credit_changed)


def _on_credit_changed(_sender, *, learner_id: int, kind: str, activity_id: int) -> None:
    from lms.certificates.jobs import after_credit_change

    after_credit_change(learner_id, kind, activity_id)
