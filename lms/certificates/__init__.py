"""Certificates: issue on claim or attendance, render once (weasyprint), store by content hash,
verify publicly, sign as Open Badges 3.0 credentials."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)


def init_app(app) -> None:
    """Let the credits package issue, re-issue and revoke certificates after its commits."""
    from lms.certificates.jobs import after_credit_change

    app.extensions["continuum.after_claim"] = after_credit_change
    app.extensions["continuum.after_credit_change"] = after_credit_change
