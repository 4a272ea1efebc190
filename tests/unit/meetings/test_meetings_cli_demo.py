"""``flask lms poll-attendance`` and the demo meetings."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.types import utcnow
from meetings.models import Meeting
from tests.factories import make_meeting, make_member, make_org


def test_poll_attendance_cli(app, db, monkeypatch):
    org = make_org()
    host = make_member(org, role="manager").user
    running = make_meeting(org, host, starts_at=utcnow() - timedelta(minutes=5))
    make_meeting(org, host, starts_at=utcnow() + timedelta(days=2))
    polled = []
    monkeypatch.setattr("meetings.jobs._poll", lambda meeting_id: polled.append(meeting_id) or "ok")
    runner = app.test_cli_runner()
    monkeypatch.setitem(app.config, "JITSI_MUC_SIZE_URL", None)
    assert "not set" in runner.invoke(args=["lms", "poll-attendance"]).output
    monkeypatch.setitem(app.config, "JITSI_MUC_SIZE_URL", "http://127.0.0.1:9")
    result = runner.invoke(args=["lms", "poll-attendance"])
    assert result.exit_code == 0, result.output
    assert running.id in polled


def test_demo_meetings_are_idempotent(app, db):
    from lms.demo import seed

    seed()
    seed()
    titles = db.session.scalars(select(Meeting.title)).all()
    assert titles.count("Monthly staff meeting") == 1
    assert titles.count("Grand rounds: hypertension update") == 1
    grand = db.session.scalar(select(Meeting).where(Meeting.title.like("Grand rounds%")))
    from meetings.credit_hooks import activity_info

    info = activity_info(grand.id)
    assert info is not None and "ama_pra_1" in info.designations
