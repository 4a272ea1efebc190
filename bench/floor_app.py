"""The benchmark's WSGI entry point: the real application plus one bare route, the floor.

The floor reads 50 rows through the ORM and renders them with a Jinja template file: the least
work any database-backed Flask page does, measured on the same server, workers and database as
the real pages. It is registered here only, never in the production app (``wsgi.py``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template
from sqlalchemy import select

from lms import create_app
from lms.extensions import db
from lms.users.models import User

floor_bp = Blueprint("bench_floor", __name__, template_folder=str(Path(__file__).parent / "templates"))


@floor_bp.route("/_bench/floor")
def floor():
    users = db.session.scalars(select(User).order_by(User.id).limit(50)).all()
    return render_template("floor.html", users=users)


def create_bench_app(config: dict | None = None):
    app = create_app(config)
    app.register_blueprint(floor_bp)
    return app


app = create_bench_app()
