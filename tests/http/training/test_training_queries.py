"""The compliance dashboard runs a bounded number of queries: 500 staff × 20 required items costs
what 3 staff × 2 items cost."""

from __future__ import annotations

import pytest

from datetime import timedelta

from lms.orgs.models import Membership, TeamMember
from lms.types import utcnow
from lms.users.models import User
from lms.caching import cache
from tests.conftest import count_queries
from tests.factories import (
    make_assignment,
    make_course,
    make_member,
    make_org,
    make_team,
)


def build(db, staff: int, items: int):
    from courses.models import CourseCompletion, Enrolment

    org = make_org()
    manager = make_member(org, role="manager").user
    provider = make_org(kind="provider")
    teams = [make_team(org, name=f"Team {n}") for n in range(5)]
    now = utcnow()
    users = [User(email=f"s{n}.{org.id}@example.org", first_name="Staff", last_name=f"{n:04d}", created_at=now)
             for n in range(staff)]
    db.session.add_all(users)
    db.session.flush()
    members = [Membership(org_id=org.id, user_id=u.id, role="member", job_title=("Nurse" if n % 2 else "Clerk"),
                          created_at=now - timedelta(days=400)) for n, u in enumerate(users)]
    db.session.add_all(members)
    db.session.flush()
    db.session.add_all([TeamMember(team_id=teams[n % 5].id, membership_id=m.id) for n, m in enumerate(members)])
    courses = [make_course(provider, title=f"Required {n}", quiz=False) for n in range(items)]
    targets = ["org", "team", "job_title"]
    for n, course in enumerate(courses):
        kind = targets[n % 3]
        make_assignment(org, manager, course=course, target=kind, target_id=teams[n % 5].id if kind == "team" else None,
                        job_title="Nurse", recurrence_months=12 if n % 2 else None, due_on=now.date() + timedelta(days=n))
    # About half the cells completed, some long ago (expired), some recently.
    enrolments = [Enrolment(user_id=u.id, course_id=c.id, version_id=c.current_version_id, enrolled_at=now,
                            completed_at=now - timedelta(days=(i * 37) % 500))
                  for i, u in enumerate(users) for j, c in enumerate(courses) if (i + j) % 2 == 0]
    db.session.add_all(enrolments)
    db.session.flush()
    db.session.add_all([CourseCompletion(enrolment_id=e.id, user_id=e.user_id, course_id=e.course_id,
                                         version_id=e.version_id, round=1, completed_at=e.completed_at)
                        for e in enrolments])
    db.session.flush()
    return org, manager


def measure(client, db, org, manager) -> tuple[int, int]:
    """Statements for the compliance page as nobody has seen it (cache emptied), then as kept."""
    client.login(manager)
    url = f"/training/orgs/{org.id}/compliance"
    client.get(url)  # warm caches (templates, login)
    counts = []
    cache.clear()
    for _ in range(2):
        with count_queries(db.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(statements))
    return counts[0], counts[1]


@pytest.mark.slow  # seconds of work: left out of `make quick`
def test_dashboard_queries_do_not_grow_with_people_or_items(app, db, make_client):
    small = measure(make_client(), db, *build(db, 3, 2))
    big_org, big_manager = build(db, 500, 20)
    large = measure(make_client(), db, big_org, big_manager)
    assert large == small, f"query counts (uncached, cached) grew: {small} -> {large}"
    assert large[0] <= 20
    assert large[1] < large[0]  # a second look is the kept rendering (lms.caching)
