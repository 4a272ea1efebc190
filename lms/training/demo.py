"""Demo data: the practice requires the HIPAA course of every team, yearly (safe to run twice).

Two clinicians have completions recorded by hand (one recent, one lapsed) so the compliance
dashboard shows every kind of status.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from courses.models import Course, CourseVersion
from lms.extensions import db
from lms.orgs.models import Organisation
from lms.training import services
from lms.training.models import Assignment, TrainingRecord


def seed_training(manager, practice: Organisation, now: datetime) -> None:
    hipaa = db.session.scalar(select(Course).join(CourseVersion, CourseVersion.id == Course.current_version_id)
                              .where(CourseVersion.title.ilike("%HIPAA%")).limit(1))
    if hipaa is None:
        return
    for n, team in enumerate(practice.teams):
        exists = db.session.scalar(select(Assignment.id).where(
            Assignment.org_id == practice.id, Assignment.course_id == hipaa.id, Assignment.target_team_id == team.id))
        if exists is None:
            services.assign(manager, practice, services.AssignmentData(
                item_kind="course", item_id=hipaa.id, target_kind="team", target_id=team.id,
                due_on=(now + timedelta(days=10 + 30 * n)).date(), recurrence_months=12,
                recurrence_basis="completion", grace_days=7), now=now)
    if db.session.scalar(select(TrainingRecord.id).where(TrainingRecord.org_id == practice.id)) is None:
        members = sorted((tm.membership for team in practice.teams[:1] for tm in team.members),
                         key=lambda m: m.id)
        for m, days_ago in zip(members, (60, 400)):
            services.record_completion(manager, practice, m.user, item_kind="course", item_id=hipaa.id,
                                       completed_on=(now - timedelta(days=days_ago)).date(),
                                       note="Demo: annual HIPAA training at the staff meeting", now=now)
