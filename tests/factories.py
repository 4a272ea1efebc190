"""Plain factory functions with sensible defaults."""

from __future__ import annotations

import itertools

from lms import caching
from lms.auth.passwords import hash_password
from lms.extensions import db
from lms.orgs.models import Membership, Organisation, Team, TeamMember
from lms.types import utcnow
from lms.users.models import User

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_user(*, email=None, password=PASSWORD, verified=True, profession="physician_md", admin=False,
              first_name="Test", last_name=None, **fields) -> User:
    n = next(_seq)
    from flask import current_app

    user = User(
        email=email or f"user{n}@example.org",
        password_hash=hash_password(password, current_app.config),
        email_verified_at=utcnow() if verified else None,
        first_name=first_name,
        last_name=last_name or f"User{n}",
        profession=profession,
        is_admin=admin,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_org(*, name=None, kind="practice", **fields) -> Organisation:
    n = next(_seq)
    org = Organisation(name=name or f"Practice {n}", slug=f"org-{n}", kind=kind, **fields)
    db.session.add(org)
    db.session.flush()
    return org


def make_member(org: Organisation, user: User | None = None, *, role="member", **fields) -> Membership:
    user = user or make_user()
    m = Membership(org=org, user=user, role=role, **fields)
    db.session.add(m)
    db.session.flush()
    return m


def make_team(org: Organisation, *, name=None, members=()) -> Team:
    team = Team(org=org, name=name or f"Team {next(_seq)}")
    db.session.add(team)
    db.session.flush()
    for m in members:
        db.session.add(TeamMember(team_id=team.id, membership_id=m.id))
    db.session.flush()
    return team


def make_meeting(org, host, *, title="Staff meeting", category="administrative", starts_at=None, minutes=60,
                 invitees=(), teams=(), cohosts=(), designations=None, **fields):
    """A meeting scheduled through the service (so it has a room, UID and series end)."""
    from datetime import timedelta
    from decimal import Decimal

    from meetings import services as meeting_services

    start = starts_at or (utcnow() + timedelta(days=1)).replace(microsecond=0)
    data = meeting_services.MeetingData(
        title=title, category=category, starts_at=start, ends_at=start + timedelta(minutes=minutes),
        timezone=fields.pop("timezone", "UTC"), invitee_ids=tuple(u.id for u in invitees),
        team_ids=tuple(t.id for t in teams), cohost_ids=tuple(u.id for u in cohosts),
        designations={k: Decimal(v) for k, v in (designations or {}).items()},
        is_accredited=bool(designations), **fields)
    meeting = meeting_services.schedule_meeting(host, org, data, now=utcnow())
    db.session.flush()
    return meeting


# --- courses ---------------------------------------------------------------------------------


def make_course(org=None, *, author=None, title=None, publish=True, lessons=1, quiz=True, now=None,
                designations=(("ama_pra_1", "1.5"),), topics=("pain management/opioids",), **details):
    """A course with one module, ``lessons`` text lessons, optionally a two-question quiz, a disclosed faculty
    member and the default evaluation; published unless ``publish=False``."""
    from datetime import timedelta
    from decimal import Decimal

    from courses import authoring, content, workflow
    from courses.authoring import CourseDetails

    now = now or utcnow()
    org = org or make_org(kind="provider", is_accredited_provider=True)
    author = author or make_member(org, role="educator").user
    n = next(_seq)
    fields = dict(title=title or f"Course {n}", summary="A short summary.", description="Some **markdown**.",
                  objectives="Apply the guideline\nRecognise the risks", format="enduring", estimated_minutes=60,
                  release_on=now.date() - timedelta(days=1), expires_on=now.date() + timedelta(days=365),
                  accreditation_statement="Accredited by the ACCME.", topics=tuple(topics),
                  specialties=("family medicine",), professions=("physician_md", "nurse"))
    fields.update(details)
    course = authoring.create_course(author, org, CourseDetails(**fields), now=now)
    for code, amount in designations:
        if code == "acpe" and not course.draft_version.acpe_uan:
            course.draft_version.acpe_uan = "0000-0000-26-001-H01-P"
        authoring.set_designation(author, course, code, Decimal(amount), now=now)
    authoring.add_person(author, course, name="Dr Faculty", credentials="MD", role="faculty", attested_none=True,
                         now=now)
    module = content.add_module(author, course, "Module one", now=now)
    for i in range(lessons):
        lesson = content.add_lesson(author, course, module.id, title=f"Lesson {i + 1}", kind="text", now=now)
        content.update_lesson(author, course, lesson.id, title=lesson.title, body=f"Text of lesson {i + 1}.",
                                now=now)
    if quiz:
        q = content.add_lesson(author, course, module.id, title="Check your understanding", kind="quiz", now=now)
        content.update_quiz(author, course, q.id, pass_mark_pct=100, max_attempts=3, shuffle=True, now=now)
        content.add_question(author, course, q.id, kind="single", text="Pick B", rationale="Because B.",
                               options=[("A", False), ("B", True), ("C", False)], now=now)
        content.add_question(author, course, q.id, kind="multiple", text="Pick A and C", rationale="Both.",
                               options=[("A", True), ("B", False), ("C", True)], now=now)
    if publish:
        workflow.submit_for_review(author, course, now=now)
        workflow.publish(author, course, now=now)
    db.session.flush()
    return course


# --- training (practice management) -----------------------------------------------------------


def make_assignment(org, actor, *, course=None, meeting=None, target="org", target_id=None, job_title="",
                    due_on=None, recurrence_months=None, basis="completion", grace_days=0, mandatory=True, now=None):
    """An assignment made through the service (scoped and audited like a manager's)."""
    from datetime import timedelta

    from lms.training import services as training

    now = now or utcnow()
    data = training.AssignmentData(
        item_kind="course" if course is not None else "minutes",
        item_id=course.id if course is not None else meeting.id, target_kind=target, target_id=target_id,
        job_title=job_title, due_on=due_on or (now + timedelta(days=60)).date(), recurrence_months=recurrence_months,
        recurrence_basis=basis, grace_days=grace_days, is_mandatory=mandatory)
    a = training.assign(actor, org, data, now=now)
    db.session.flush()
    return a


def complete_course(user, course, at=None):
    """Record a completion of ``course`` by ``user`` (what finishing it in the player does: the
    enrolment's completion and round 1 of its history)."""
    from courses.models import CourseCompletion, Enrolment

    at = at or utcnow()
    e = Enrolment(user_id=user.id, course_id=course.id, version_id=course.current_version_id, enrolled_at=at,
                  last_activity_at=at, completed_at=at)
    db.session.add(e)
    db.session.flush()
    db.session.add(CourseCompletion(enrolment_id=e.id, user_id=user.id, course_id=course.id, version_id=e.version_id,
                                    round=1, completed_at=at))
    caching.bump_training_of_people([user.id])  # as courses.services.refresh_completion does
    db.session.flush()
    return e
