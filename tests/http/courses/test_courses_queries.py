"""The catalog, a course page and the learner dashboard run a bounded number of SQL queries.

Each page is rendered for a small and a large dataset; the number of statements must not grow.
"""

from __future__ import annotations

import pytest

from courses import services
from lms.caching import cache
from lms.types import utcnow
from tests.conftest import count_queries
from tests.factories import make_course, make_member, make_org, make_user


def _world(n: int, lessons: int):
    org = make_org(kind="provider")
    author = make_member(org, role="educator").user
    learner = make_user()
    courses = [make_course(org, author=author, lessons=lessons, topics=(f"topic {i % 3}", "hipaa")) for i in range(n)]
    now = utcnow()
    for course in courses:
        enrolment = services.enrol(learner, course, now=now)
        for lesson in course.current_version.lessons[:2]:
            services.view_lesson(enrolment, lesson, now=now)
    return learner, courses


def _measure(app, client, db, n, lessons):
    learner, courses = _world(n, lessons)
    client.login(learner)
    counts = {}
    for name, url in (("catalog", "/courses/?topic=hipaa"), ("course", f"/courses/{courses[-1].id}"),
                      ("dashboard", "/dashboard"), ("mine", "/courses/mine")):
        client.get(url)  # warm caches (login, templates)
        cache.clear()  # first the page as nobody has seen it yet, then with its shared fragments kept
        for label in (name, f"{name}, cached"):
            with count_queries(db.engine) as statements:
                response = client.get(url)
            assert response.status_code == 200
            counts[label] = len(statements)
    return counts


@pytest.mark.slow  # seconds of work: left out of `make quick`
@pytest.mark.parametrize("small, large", [((2, 1), (12, 8))])
def test_pages_run_a_bounded_number_of_queries(app, make_client, db, small, large):
    few = _measure(app, make_client(), db, *small)
    many = _measure(app, make_client(), db, *large)
    assert many == few, f"query counts grew with the data: {few} -> {many}"
    assert max(many.values()) <= 25
    assert min(few.values()) >= 1, few  # the listener really sees the requests (the login reads the user)
    # Only the shared fragments are kept: the catalog and the published version's parts.
    assert few["catalog, cached"] < few["catalog"] and few["course, cached"] < few["course"], few
    assert few["dashboard, cached"] == few["dashboard"] and few["mine, cached"] == few["mine"], few
