"""Courses: catalog, authoring, lessons, quizzes, evaluations, enrolments, progress, completion and reports."""

from flask import Blueprint, Flask

bp = Blueprint("courses", __name__, url_prefix="/courses")


def init_app(app: Flask) -> None:
    """Register the models, routes, template helpers and the learner's dashboard part."""
    from courses import models, views  # noqa: F401  (models on the metadata, routes on the blueprint)
    from courses.access import template_helpers
    from lms.demo import register_seeder
    from lms.main.dashboard import register_part

    app.register_blueprint(bp)
    from courses.packages import init_app as init_packages

    init_packages(app)  # SCORM and cmi5 package lessons, the embedded xAPI LRS
    app.jinja_env.globals.update(template_helpers())
    from courses.captions import clock

    app.jinja_env.filters["cue_clock"] = clock  # a transcript line's start, as "1:05"
    register_part("main", "courses", _dashboard_part)
    register_seeder("courses", 20, _seed_demo)


def _seed_demo(world) -> None:
    from courses.demo import seed_courses

    world.made["courses"] = seed_courses(world.users, world.provider, world.now)


def _dashboard_part(user, now):
    from flask import get_template_attribute

    from courses.services import dashboard_for

    return get_template_attribute("courses/_dashboard.html", "learner_dashboard")(dashboard_for(user, now))
