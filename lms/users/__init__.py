"""Users and their accreditor-reporting profile."""

from flask import Blueprint

bp = Blueprint("users", __name__)
