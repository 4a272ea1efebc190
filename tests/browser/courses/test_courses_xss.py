"""Script in every educator-written field never runs, on any course page, in a real browser.

Each payload would set ``window.__xss`` if it ran. The pages are visited as a learner and as the
educator (editor, reports, confirmation dialogs); ``window.__xss`` must stay undefined, and the
page must report no CSP violation (which would mean markup got through and was only stopped by
the policy, not by escaping).
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.courses.test_courses_journeys import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<a href="javascript:window.__xss=1">click</a> [md](javascript:window.__xss=1)',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<noscript><p title="</noscript><img src=x onerror=window.__xss=1>">',
    "<svg><style><img src=x onerror=window.__xss=1></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    '"><svg onload=window.__xss=1>',
    "'-alert(1)-'",
]
PAYLOAD = " ".join(PAYLOADS)


@pytest.fixture
def hostile_course(live_app, unique_email):
    """A published course with a payload in every educator field, a learner who took it, and comments."""
    from courses import authoring, content, services, workflow
    from courses.authoring import CourseDetails
    from lms.extensions import db
    from lms.types import utcnow
    from tests.factories import make_member, make_org, make_user

    now = utcnow()
    with live_app.app_context():
        org = make_org(name=f"Provider {uuid.uuid4().hex[:6]}", kind="provider")
        educator = make_user(email=unique_email("xss-educator"))
        make_member(org, educator, role="educator")
        learner = make_user(email=unique_email("xss-learner"))
        course = authoring.create_course(educator, org, CourseDetails(
            title=("XSS {{7*7}} " + PAYLOAD)[:200], summary=PAYLOAD[:500], description=PAYLOAD, objectives=PAYLOAD,
            format="internet", release_on=now.date() - timedelta(days=1), expires_on=now.date() + timedelta(days=30),
            accreditation_statement=PAYLOAD, topics=(PAYLOAD[:80],), specialties=(PAYLOADS[1][:80],)), now=now)
        from decimal import Decimal

        authoring.set_designation(educator, course, "ama_pra_1", Decimal("1"), now=now)
        person = authoring.add_person(educator, course, name="Dr " + PAYLOADS[1], credentials=PAYLOADS[0],
                                      role="faculty", attested_none=False, now=now)
        rel = authoring.add_relationship(educator, course, person.id, company=PAYLOADS[7], nature="consultant",
                                         ended_on=None, now=now)
        authoring.assess_relationship(educator, course, rel.id, is_relevant=True, mitigation=PAYLOAD, now=now)
        module = content.add_module(educator, course, PAYLOADS[4], now=now)
        lesson = content.add_lesson(educator, course, module.id, title=PAYLOADS[5], kind="text", now=now)
        content.update_lesson(educator, course, lesson.id, title=PAYLOADS[5], body=PAYLOAD, now=now)
        quiz = content.add_lesson(educator, course, module.id, title=PAYLOADS[6], kind="quiz", now=now)
        content.add_question(educator, course, quiz.id, kind="single", text=PAYLOAD, rationale=PAYLOAD,
                               options=[(PAYLOADS[1], True), (PAYLOADS[7], False)], now=now)
        authoring.add_evaluation_item(educator, course, kind="text", text=PAYLOADS[1], required=False, now=now)
        workflow.submit_for_review(educator, course, now=now)
        workflow.publish(educator, course, now=now)
        enrolment = services.enrol(learner, course, now=now)
        version = course.current_version
        quiz_row = next(lesson for lesson in version.lessons if lesson.quiz).quiz
        attempt = services.start_attempt(enrolment, quiz_row, now=now)
        services.submit_attempt(attempt, {q.id: [q.options[1].id] for q in quiz_row.questions}, now=now)
        answers = {i.id: (3, "") if i.kind == "likert" else (None, PAYLOAD) for i in version.evaluation_items}
        services.submit_evaluation(enrolment, answers, now=now)
        db.session.commit()
        return {"course": course.id, "educator": educator.email, "learner": learner.email,
                "lessons": [lesson.id for lesson in version.lessons], "attempt": attempt.id, "org": org.id}


def assert_inert(page: Page, page_log):
    page.wait_for_load_state("load")
    page.wait_for_timeout(50)
    assert page.evaluate("() => typeof window.__xss") == "undefined", page.url
    assert page.locator("img[src='x']").count() == 0, page.url
    assert page.locator("iframe[srcdoc]").count() == 0, page.url
    assert page.locator("a[href^='javascript:']").count() == 0, page.url
    assert not page_log.csp_violations, page_log.csp_violations


def test_payloads_in_every_educator_field_never_run(page: Page, page_log, hostile_course):
    c = hostile_course["course"]
    login(page, hostile_course["learner"])
    learner_pages = ["/courses/", f"/courses/?q={PAYLOADS[0]}", f"/courses/{c}", f"/courses/{c}/disclosures",
                     *[f"/courses/{c}/lessons/{lesson}" for lesson in hostile_course["lessons"]],
                     f"/courses/{c}/attempts/{hostile_course['attempt']}", f"/courses/{c}/evaluation",
                     "/courses/mine", "/dashboard"]
    for url in learner_pages:
        page.goto(url)
        assert_inert(page, page_log)
    page.goto(f"/courses/{c}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("{{7*7}}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("<script>window.__xss=1</script>")

    page.context.clear_cookies()
    login(page, hostile_course["educator"])
    for url in [f"/courses/manage/{hostile_course['org']}", f"/courses/{c}/edit", f"/courses/{c}/edit/people",
                f"/courses/{c}/edit/content", f"/courses/{c}/edit/evaluation", f"/courses/{c}/reports",
                f"/courses/{c}/preview",
                *[f"/courses/{c}/preview/lessons/{lesson}" for lesson in hostile_course["lessons"]]]:
        page.goto(url)
        assert_inert(page, page_log)

    # The confirmation dialog shows the title as text; dismissing it leaves everything as it was.
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(f"/courses/{c}/edit")
    page.get_by_role("button", name="Archive course").click()
    assert messages and "<script>window.__xss=1</script>" in messages[0]
    assert_inert(page, page_log)
    expect(page).to_have_url(re.compile(rf"/courses/{c}/edit$"))
    page_log.assert_clean()
