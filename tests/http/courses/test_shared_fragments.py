"""The shared fragments (``lms.caching``): the catalog's pages and menus, kept under the ``catalog``
generation that publishing and archiving bump, and a published version's parts, kept under its id;
each shows every change at once."""

from __future__ import annotations

from sqlalchemy import update

from courses import catalog, services, workflow
from courses.models import Course
from lms.caching import CacheGeneration
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
    """Another gunicorn worker's archive reaches this one through the generation row alone: here the
    archive and its bump are written with plain SQL, as another process's committed transaction."""
    course = make_course(title="Rare disorders", topics=("rare topic",))
    client.login(make_user())
    assert "Rare disorders" in _catalog(client, "?topic=rare+topic")
    assert 'value="rare topic"' in _catalog(client)
    db.session.connection().execute(update(Course.__table__).where(Course.__table__.c.id == course.id)
                                    .values(archived_at=utcnow()))
    db.session.connection().execute(update(CacheGeneration.__table__).where(CacheGeneration.name == "catalog")
                                    .values(value=CacheGeneration.value + 1))
    assert "No courses match" in _catalog(client, "?topic=rare+topic")
    assert 'value="rare topic"' not in _catalog(client)


def test_archiving_through_the_service_leaves_the_catalog_at_once(client, db):
    course = make_course(title="Rare disorders", topics=("rare topic",))
    client.login(make_user())
    assert "Rare disorders" in _catalog(client, "?topic=rare+topic")
    workflow.archive(db.session.get(User, course.created_by_id), course, now=utcnow())
    assert "No courses match" in _catalog(client, "?topic=rare+topic")


def test_the_generation_changes_on_publish_and_archive_only(db):
    course = make_course()
    first = catalog.generation()
    assert catalog.generation() == first
    author = db.session.get(User, course.created_by_id)
    workflow.new_version(author, course, now=utcnow())
    assert catalog.generation() == first  # a draft changes nothing in the catalog
    workflow.submit_for_review(author, course, now=utcnow())
    workflow.publish(author, course, now=utcnow())
    published = catalog.generation()
    assert published != first
    enrolment = services.enrol(make_user(), course, now=utcnow())
    services.view_lesson(enrolment, course.current_version.lessons[0], now=utcnow())
    assert catalog.generation() == published  # a learner's progress never moves a key
    workflow.archive(author, course, now=utcnow())
    assert catalog.generation() not in (first, published)


def test_a_rolled_back_publish_leaves_the_generation_as_it_was(db):
    course = make_course()
    before = catalog.generation()
    author = db.session.get(User, course.created_by_id)
    savepoint = db.session.begin_nested()
    workflow.archive(author, course, now=utcnow())
    assert catalog.generation() != before
    savepoint.rollback()
    assert catalog.generation() == before


def test_a_kept_page_runs_one_query_of_its_own(client, db):
    make_course(topics=("hipaa",))
    client.login(make_user())
    _catalog(client, "?topic=hipaa")
    with count_queries(db.engine) as kept:
        _catalog(client, "?topic=hipaa")
    with count_queries(db.engine) as fresh:
        _catalog(client, "?topic=hipaa&page=1&q=course")
    # Kept: the login's user row, the reader's seats (their menus) and the generation, nothing else
    # (credit types are kept with the menus).
    assert len(kept) == 3 and not [s for s in kept if "credit_type" in s], kept
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


def test_a_published_version_is_kept_and_a_new_one_shows_at_once(client, db):
    """A published version's parts are kept under its id (it never changes); publishing a new version
    gives the course a new current version, so learners new to the course see it on the next request."""
    course = make_course(title="Wound care", topics=("wounds",))
    client.login(make_user())
    url = f"/courses/{course.id}"
    assert "Wound care" in client.get(url).text
    with count_queries(db.engine) as kept:
        assert "Wound care" in client.get(url).text
    assert not [s for s in kept if "FROM course_person" in s or "FROM credit_designation" in s], kept
    author = db.session.get(User, course.created_by_id)
    draft = workflow.new_version(author, course, now=utcnow())
    draft.title = "Wound care, 2027 edition"
    db.session.flush()
    assert "2027 edition" not in client.get(url).text  # a draft is nobody's page but its author's
    workflow.submit_for_review(author, course, now=utcnow())
    workflow.publish(author, course, now=utcnow())
    assert "Wound care, 2027 edition" in client.get(url).text


def test_the_author_preview_of_a_draft_is_never_kept(client, db):
    course = make_course(title="Triage basics", publish=False)
    author = db.session.get(User, course.created_by_id)
    client.login(author)
    version = course.draft_version
    version.title = "Triage basics, first draft"
    db.session.commit()
    assert "first draft" in client.get(f"/courses/{course.id}/preview").text
    version.title = "Triage basics, second draft"
    db.session.commit()
    page = client.get(f"/courses/{course.id}/preview").text
    assert "second draft" in page and "first draft" not in page
