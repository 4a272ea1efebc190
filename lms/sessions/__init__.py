"""Server-side sign-in sessions: one row per sign-in, listed and ended by their owner or an administrator."""

from flask import Blueprint

bp = Blueprint("sessions", __name__)
