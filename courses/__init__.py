"""Courses: catalog, authoring, lessons, quizzes, evaluations, enrolments, progress, completion and reports."""

from flask import Blueprint

bp = Blueprint("courses", __name__, url_prefix="/courses")
