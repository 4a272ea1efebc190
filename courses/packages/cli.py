"""``flask lms forward-statements``: attempt again what an external LRS has not received yet (cron)."""

from __future__ import annotations

import click

from courses.packages import forwarding
from lms.types import utcnow


@click.command("forward-statements")
def forward_statements_command() -> None:
    """Attempt again the statements still pending for an organisation's external LRS."""
    outcomes = forwarding.retry_pending(now=utcnow())
    click.echo(", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "nothing pending")
