"""Content standards: cmi5, SCORM 1.2 and SCORM 2004 packages played as lessons, and the embedded xAPI LRS.

``archive`` and ``manifest`` check an upload before anything is stored; ``importer`` stores it;
``cmi5`` is the LMS side of cmi5 (registrations, sessions, the LMS's own statements, moveOn);
``lrs`` stores and checks statements and documents; ``scorm`` keeps the SCORM run-time data.

Two blueprints: ``packages`` (pages for educators and learners, CSRF-protected forms) and
``xapi`` (the LRS, the cmi5 fetch URL, the sandboxed content and the automation API: machine
clients authenticated by their own credentials, so exempt from CSRF).
"""

from flask import Blueprint

bp = Blueprint("packages", __name__, url_prefix="/packages")
lrs_bp = Blueprint("xapi", __name__)


def init_app(app) -> None:
    """Register the package models, both blueprints (the machine-facing one exempt from CSRF: its
    clients carry their own credentials) and the receiver that turns package outcomes into progress."""
    from courses.packages import models, progress, views  # noqa: F401  (models, the outcome receiver, routes)
    from lms.extensions import csrf

    from courses.packages.cli import forward_statements_command
    from lms.cli import lms_cli

    app.register_blueprint(bp)
    app.register_blueprint(lrs_bp)
    csrf.exempt(lrs_bp)
    lms_cli.add_command(forward_statements_command)
