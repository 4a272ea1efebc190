"""``flask lms deliver-webhooks``: attempt every delivery that is due (cron, every minute)."""

from __future__ import annotations

import click

from lms.types import utcnow
from lms.webhooks import services


@click.command("deliver-webhooks")
def deliver_webhooks_command() -> None:
    """Attempt the webhook deliveries that are due (retries, and any job lost with a worker)."""
    outcomes: dict[str, int] = {}
    for delivery_id in services.due_deliveries(utcnow()):
        outcome = services.deliver(delivery_id, now=utcnow())
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    click.echo(", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "nothing due")
