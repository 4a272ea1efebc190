"""Meetings: scheduling, invitations and iCalendar, the Jitsi room, attendance, minutes, live credit."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
