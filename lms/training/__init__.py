"""Practice management: mandatory training assignments, compliance, reminders and staff rosters."""

from flask import Blueprint

bp = Blueprint("training", __name__, url_prefix="/training")
