"""``flask lms poll-attendance``: queue one attendance poll per running meeting (cron, every minute)."""

from __future__ import annotations

import click
from flask import current_app

from lms.jobs import enqueue
from lms.types import utcnow
from meetings.jobs import poll_meeting
from meetings.tracking import meetings_to_poll


@click.command("poll-attendance")
def poll_attendance() -> None:
    """Queue one attendance poll per meeting running now (run every minute from cron)."""
    if not current_app.config.get("JITSI_MUC_SIZE_URL"):
        click.echo("JITSI_MUC_SIZE_URL is not set: nothing to poll.")
        return
    ids = meetings_to_poll(utcnow())
    for meeting_id in ids:
        enqueue(poll_meeting, meeting_id, job_timeout=60, retries=0)
    click.echo(f"{len(ids)} running meeting(s) queued for an attendance poll.")
