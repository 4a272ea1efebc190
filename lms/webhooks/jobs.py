"""Job bodies: one-line calls into the services, taking ids."""

from __future__ import annotations

from lms.types import utcnow
from lms.webhooks import services


def deliver_job(delivery_id: int) -> str:
    return services.deliver(delivery_id, now=utcnow())
