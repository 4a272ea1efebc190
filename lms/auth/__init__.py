"""Accounts: registration, email verification, login, logout and passwords."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")
