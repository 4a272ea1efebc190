"""Writing audit events. Services call ``record``; the caller's transaction commits it."""

from __future__ import annotations

from datetime import datetime

from lms.audit.models import AuditEvent
from lms.extensions import db


def record(
    actor,
    action: str,
    obj,
    *,
    now: datetime,
    before: dict | None = None,
    after: dict | None = None,
    org_id: int | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append an audit event for ``obj`` (any mapped object with an ``id``)."""
    event = AuditEvent(
        created_at=now,
        actor_id=getattr(actor, "id", None),
        org_id=org_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(obj.id),
        before=before,
        after=after,
        ip=ip,
    )
    db.session.add(event)
    return event
