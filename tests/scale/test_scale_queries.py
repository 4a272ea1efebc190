"""Every key page runs the same number of SQL queries on a small and a ten-times-larger dataset.

Both datasets come from ``bench.seed`` (what ``python -m bench.seed`` writes), inside the test's
transaction: the second one has ten times the users, courses and enrolments, and its learner has
more enrolments, claims and meeting colleagues than the first one's. A page whose query count
grows with the data (an N+1) fails here long before it is slow in production.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask import current_app
from sqlalchemy import func, select

from bench.seed import AlreadySeeded, Sizes, email_for, seed_scale
from lms.caching import cache
from tests.conftest import count_queries

SMALL = Sizes(users=40, courses=6, enrolments=240)
LARGE = Sizes(users=400, courses=60, enrolments=2_400)


def _seed(db, sizes: Sizes, tag: str):
    conn = db.session.connection()
    return seed_scale(conn, sizes, seed=7, tag=tag, password_hash="unused")


def _learner(db, tag: str):
    from lms.users.models import User

    return db.session.scalar(select(User).where(User.email == email_for(tag, 3)))


def _urls(db, tag: str, learner) -> dict[str, str]:
    from courses.models import CourseTag, Enrolment
    from lms.orgs.models import Membership, Organisation
    from meetings.models import Meeting

    course_id = db.session.scalar(select(Enrolment.course_id).where(Enrolment.user_id == learner.id,
                                                                    Enrolment.completed_at.is_not(None))
                                  .order_by(Enrolment.id))
    org_id = db.session.scalar(select(Membership.org_id).join(Organisation).where(
        Membership.user_id == learner.id, Organisation.kind != "provider"))
    meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.org_id == org_id, Meeting.ended_at.is_not(None))
                                   .order_by(Meeting.starts_at.desc()))
    topic = db.session.scalar(select(CourseTag.value).where(CourseTag.kind == "topic").group_by(CourseTag.value)
                              .order_by(func.count().desc(), CourseTag.value))
    assert course_id and meeting_id and topic, "the seeded learner has a completed course and a past meeting"
    from lms.certificates.models import Certificate

    code = db.session.scalar(select(Certificate.code).where(Certificate.learner_id == learner.id)
                             .order_by(Certificate.id))
    assert code, "the seeded learner has a certificate"
    return {
        "catalog": f"/courses/?topic={quote(topic)}",
        "course": f"/courses/{course_id}",
        "dashboard": "/dashboard",
        "transcript": "/credits/transcript",
        "meeting": f"/meetings/{meeting_id}",
        "verification": f"/verify/{code}",
    }


def _measure(app, db, client, tag: str, seen: dict | None = None) -> dict[str, int]:
    learner = _learner(db, tag)
    urls = _urls(db, tag, learner)
    if "training.dashboard" in app.view_functions:  # practice management: the manager's compliance dashboard
        from lms.orgs.models import Organisation

        org_id = db.session.scalar(select(Organisation.id).where(Organisation.slug == f"{tag}-workplace-1"))
        urls["compliance"] = (f"/training/orgs/{org_id}/compliance", email_for(tag, 1))
    counts = {}
    for name, url in urls.items():
        url, who = url if isinstance(url, tuple) else (url, None)
        if who:
            from lms.users.models import User

            client.login(db.session.scalar(select(User).where(User.email == who)))
        else:
            client.login(learner)
        assert client.get(url).status_code == 200, url  # warm: login, templates, first-use caches
        cache.clear()  # count the page as built, without the shared fragments
        with count_queries(db.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[name] = len(statements)
        if seen is not None:
            seen.setdefault(name, []).append(statements)
    return counts


@pytest.mark.slow
def test_key_pages_do_not_run_more_queries_on_more_data(app, db, make_client):
    from courses.models import Enrolment
    from lms.credits.models import CreditEntry

    _seed(db, SMALL, "qa")
    seen: dict[str, list] = {}
    few = _measure(app, db, make_client(), "qa", seen)
    _seed(db, LARGE, "qb")
    small_learner, large_learner = _learner(db, "qa"), _learner(db, "qb")
    enrolments = {u.id: db.session.scalar(select(func.count()).where(Enrolment.user_id == u.id))
                  for u in (small_learner, large_learner)}
    claims = {u.id: db.session.scalar(select(func.count()).where(CreditEntry.learner_id == u.id))
              for u in (small_learner, large_learner)}
    # The second learner really has more of everything their pages list.
    assert enrolments[large_learner.id] > enrolments[small_learner.id], enrolments
    assert claims[large_learner.id] > claims[small_learner.id], claims
    many = _measure(app, db, make_client(), "qb", seen)
    grown = {name: [[s.split("WHERE")[0][:50] + s.split("WHERE")[-1][:70] for s in run] for run in seen[name]]
             for name in many if many[name] != few[name]}
    assert all(many[page] <= few[page] for page in few), f"query counts grew with the data: {few} -> {many}; statements: {grown}"
    assert max(many.values()) <= 25, many
    assert min(few.values()) >= 2, few  # the listener really saw the requests (the user with their seats, then the page)


def test_seeding_twice_with_one_tag_is_refused(db):
    _seed(db, Sizes(users=12, courses=2, enrolments=10), "qc")
    with pytest.raises(AlreadySeeded):
        _seed(db, Sizes(users=12, courses=2, enrolments=10), "qc")


def test_seeded_ledger_matches_completions(db):
    from courses.models import Enrolment
    from lms.credits.models import CreditEntry
    from lms.users.models import User

    result = _seed(db, Sizes(users=30, courses=4, enrolments=120), "qd")
    assert result.counts["user"] == 30 and result.counts["course"] == 4 and result.counts["enrolment"] == 120
    ids = select(User.id).where(User.email.like("%@qd.continuum.test"))
    claims = db.session.execute(select(CreditEntry.learner_id, CreditEntry.activity_id).where(
        CreditEntry.kind == "claim", CreditEntry.learner_id.in_(ids))).all()
    completed = set(db.session.execute(select(Enrolment.user_id, Enrolment.course_id).where(
        Enrolment.completed_at.is_not(None), Enrolment.user_id.in_(ids))).all())
    assert claims and {tuple(c) for c in claims} <= completed  # every claim is for a completed course
    # New rows made by the application after seeding get fresh ids (sequences moved past the seeded ones).
    user = User(email="after-seed@example.org", first_name="A", last_name="B")
    db.session.add(user)
    db.session.flush()
    assert user.id > max(db.session.scalars(ids))
    assert current_app.config["TESTING"]
