"""The catalog keeps its filter menus and pages between requests, and shows every change at once."""

from __future__ import annotations

from sqlalchemy import update

from courses import catalog, workflow
from courses.models import Course
from lms.types import utcnow
from lms.users.models import User
from tests.conftest import count_queries
from tests.factories import make_course, make_user


def _catalog(client, query: str = "") -> str:
    response = client.get(f"/courses/{query}")
    assert response.status_code == 200
    return response.text


def test_a_published_course_and_its_topic_appear_at_once(client, db):
    make_course(title="Sleep hygiene", topics=("sleep medicine",))
    client.login(make_user())
    assert "Sleep hygiene" in _catalog(client) and "Sleep hygiene" in _catalog(client)  # kept now
    draft = make_course(title="Tropical fevers", topics=("tropical medicine",), publish=False)
    assert 'value="tropical medicine"' not in _catalog(client)
    author = db.session.get(User, draft.created_by_id)
    workflow.submit_for_review(author, draft, now=utcnow())
    workflow.publish(author, draft, now=utcnow())
    page = _catalog(client)
    assert 'value="tropical medicine"' in page and "Tropical fevers" in page and "2 courses found." in page
    assert "Tropical fevers" in _catalog(client, "?topic=tropical+medicine")


def test_a_course_archived_by_another_process_leaves_at_once(client, db):
    """Another gunicorn worker's change reaches this one through the database alone (no flush here)."""
    course = make_course(title="Rare disorders", topics=("rare topic",))
    client.login(make_user())
    assert "Rare disorders" in _catalog(client, "?topic=rare+topic")
    assert 'value="rare topic"' in _catalog(client)
    db.session.connection().execute(update(Course.__table__).where(Course.__table__.c.id == course.id)
                                    .values(archived_at=utcnow()))
    assert "No courses match" in _catalog(client, "?topic=rare+topic")
    assert 'value="rare topic"' not in _catalog(client)


def test_the_epoch_changes_on_publish_and_archive(db):
    course = make_course()
    first = catalog.catalog_epoch()
    assert catalog.catalog_epoch() == first
    author = db.session.get(User, course.created_by_id)
    workflow.new_version(author, course, now=utcnow())
    assert catalog.catalog_epoch() == first  # a draft changes nothing in the catalog
    workflow.submit_for_review(author, course, now=utcnow())
    workflow.publish(author, course, now=utcnow())
    published = catalog.catalog_epoch()
    assert published != first
    workflow.archive(author, course, now=utcnow())
    assert catalog.catalog_epoch() not in (first, published)


def test_a_kept_page_runs_one_query_of_its_own(client, db):
    make_course(topics=("hipaa",))
    client.login(make_user())
    _catalog(client, "?topic=hipaa")
    with count_queries(db.engine) as kept:
        _catalog(client, "?topic=hipaa")
    with count_queries(db.engine) as fresh:
        _catalog(client, "?topic=hipaa&page=1&q=course")
    # Kept: the login's user row and the epoch, nothing else (credit types are kept with the menus).
    assert len(kept) == 2 and not [s for s in kept if "credit_type" in s], kept
    # A page not kept yet adds its rows, topics and credits.
    assert len(fresh) - len(kept) == 3, (kept, fresh)


def test_the_kept_results_are_shared_but_the_authoring_links_are_each_readers_own(client, db):
    from tests.factories import make_member, make_org

    org = make_org(name="Lakeside CME", kind="provider")
    for n in range(30):
        make_course(org, title=f"Course {n:02d}", topics=("hipaa",))
    educator = make_member(org, role="educator").user
    client.login(make_user())
    page = _catalog(client, "?topic=hipaa&junk=%3Cb%3E")
    assert "Author courses" not in page and "30 courses found." in page
    # Page links keep the filter and drop what the form does not know.
    assert 'href="/courses/?page=2&amp;topic=hipaa"' in page and "junk" not in page
    client.login(educator)
    mine = _catalog(client, "?topic=hipaa&junk=%3Cb%3E")
    assert "Author courses: Lakeside CME" in mine
    results = page[page.index('<form method="get"'):page.index("</main>")]
    assert results in mine  # the same kept rendering for both readers
