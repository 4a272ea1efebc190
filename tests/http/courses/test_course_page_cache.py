"""The course page reuses what a published version renders and what the learner's state holds, and
never shows either stale."""

from __future__ import annotations

from courses import authoring, pages, workflow
from courses.authoring import CourseDetails
from lms.types import utcnow
from tests.factories import make_course, make_member, make_org, make_user


def test_progress_shows_at_once_and_a_new_version_is_a_new_render(db, client):
    org = make_org(kind="provider")
    author = make_member(org, role="educator").user
    course = make_course(org, author=author, title="Sepsis recognition", lessons=2, quiz=False)
    learner = make_user()
    db.session.commit()
    client.login(learner)
    client.post(f"/courses/{course.id}/enrol", data={})
    page = client.get(f"/courses/{course.id}").text
    assert "Progress: 0 of 2 lessons" in page
    first = course.current_version
    client.get(f"/courses/{course.id}/lessons/{first.lessons[0].id}")
    page = client.get(f"/courses/{course.id}").text
    assert "Progress: 1 of 2 lessons" in page and page.count(">Done<") == 1

    # A second version: a new learner sees its title; the first keeps the version they started.
    draft = workflow.new_version(author, course, now=utcnow())
    details = CourseDetails(**{**{f: getattr(draft, f) for f in (
        "title", "summary", "description", "objectives", "format", "estimated_minutes", "release_on", "expires_on",
        "accreditation_statement")}, "title": "Sepsis recognition (2027)", "topics": ("sepsis",),
        "specialties": (), "professions": ("physician_md",)})
    authoring.update_details(author, course, details, now=utcnow())
    workflow.submit_for_review(author, course, now=utcnow())
    workflow.publish(author, course, now=utcnow())
    db.session.commit()
    assert pages.version_view(course, first.id).title == "Sepsis recognition"
    assert "<h1>Sepsis recognition</h1>" in client.get(f"/courses/{course.id}").text
    newcomer = make_user()
    db.session.commit()
    assert "<h1>Sepsis recognition (2027)</h1>" in client.login(newcomer).get(f"/courses/{course.id}").text


def test_the_authors_preview_of_a_draft_is_never_cached(db, client):
    org = make_org(kind="provider")
    author = make_member(org, role="educator").user
    course = make_course(org, author=author, title="Draft course", publish=False)
    db.session.commit()
    client.login(author)
    assert "<h1>Draft course</h1>" in client.get(f"/courses/{course.id}/preview").text
    draft = course.draft_version
    details = CourseDetails(**{**{f: getattr(draft, f) for f in (
        "summary", "description", "objectives", "format", "estimated_minutes", "release_on", "expires_on",
        "accreditation_statement")}, "title": "Draft course, renamed", "topics": (), "specialties": (),
        "professions": ()})
    authoring.update_details(author, course, details, now=utcnow())
    db.session.commit()
    assert "<h1>Draft course, renamed</h1>" in client.get(f"/courses/{course.id}/preview").text
