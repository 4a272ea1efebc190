"""Where each role lives: the dashboard parts per role, the "Manage" menu, the educator's activity hub
and the server-side SVG charts. It reads the other features' public models and services; nothing imports it."""

from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/workspace")


def init_app(app) -> None:
    """Routes, the Manage menu and chart helpers for templates, and the dashboard's role parts."""
    from lms.workspace import dashboard, views  # noqa: F401  (routes on the blueprint)
    from lms.workspace.charts import template_helpers
    from lms.workspace.menu import manage_menu

    app.register_blueprint(bp)
    app.jinja_env.globals["manage_menu"] = manage_menu
    app.jinja_env.globals.update(template_helpers())
    dashboard.register()
