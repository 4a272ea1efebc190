"""Course pages through the test client: authoring, learning, quizzes, uploads, files and reports."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from courses.models import Course, CourseFile, QuizAttempt
from tests.factories import make_course, make_member, make_org, make_user


@pytest.fixture
def provider(db):
    org = make_org(kind="provider", is_accredited_provider=True)
    return org, make_member(org, role="educator").user


def _quiz_lesson(course):
    return next(lesson for lesson in course.current_version.lessons if lesson.quiz)


def _enrolled_client(client, course, user=None):
    user = user or make_user()
    client.login(user)
    assert client.post(f"/courses/{course.id}/enrol").status_code == 302
    return user


def test_an_educator_creates_and_edits_a_course(client, db, provider):
    org, educator = provider
    client.login(educator)
    response = client.post(f"/courses/manage/{org.id}/new", {"title": "Safer opioid prescribing",
                                                              "format": "enduring", "estimated_minutes": "90"})
    assert response.status_code == 302, response.text
    course = db.session.query(Course).filter_by(org_id=org.id).one()
    page = client.get(f"/courses/{course.id}/edit")
    assert page.status_code == 200 and "Safer opioid prescribing" in page.text
    assert "Add at least one lesson." in page.text
    saved = client.post(f"/courses/{course.id}/edit", {
        "title": "Safer opioid prescribing", "format": "enduring", "estimated_minutes": "90",
        "objectives": "Apply the CDC guideline", "topics": "Pain management/opioids, HIPAA",
        "professions": ["physician_md", "nurse"], "release_on": "2026-01-01", "expires_on": "2030-01-01",
        "video_threshold_pct": "90"})
    assert saved.status_code == 422 and "three years" in saved.text


def test_lesson_text_with_phi_is_refused(client, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    lesson = course.draft_version.lessons[0]
    client.login(educator)
    response = client.post(f"/courses/{course.id}/lessons/{lesson.id}/edit",
                           {"title": "Case", "body": "Patient John Smith, MRN 12345678, DOB 03/14/1961."})
    assert response.status_code == 422
    db_lesson = course.draft_version.lessons[0]
    assert "12345678" not in db_lesson.body


def test_template_syntax_in_a_title_prints_literally(client, provider):
    org, educator = provider
    course = make_course(org, author=educator, title="Dosing {{7*7}} and {% raw %}")
    client.login(make_user())
    for url in ("/courses/", f"/courses/{course.id}"):
        text = client.get(url).text
        assert "{{7*7}}" in text and "49" not in re.sub(r"\d{3,}", "", text.split("{{7*7}}")[0][-40:])


def test_educator_html_is_escaped_or_sanitised(client, provider):
    org, educator = provider
    payload = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
    course = make_course(org, author=educator, title=payload, summary=payload,
                         description=payload + '[x](javascript:alert(1)) <iframe srcdoc="<script>x</script>">')
    client.login(make_user())
    for url in ("/courses/", f"/courses/{course.id}"):
        text = client.get(url).text
        assert "<script>window.__xss" not in text and "<img src=x" not in text
        assert 'href="javascript:' not in text and "<iframe srcdoc" not in text


def test_other_organisations_educators_cannot_edit_or_read_reports(make_client, provider):
    org, educator = provider
    course = make_course(org, author=educator)
    outsider_org = make_org(kind="provider")
    outsider = make_member(outsider_org, role="educator").user
    browser = make_client().login(outsider)
    for url in (f"/courses/{course.id}/edit", f"/courses/{course.id}/reports",
                f"/courses/{course.id}/reports/enrolments.csv"):
        assert browser.get(url).status_code == 404
    assert browser.post(f"/courses/{course.id}/new-version").status_code == 404
    assert browser.post(f"/courses/{course.id}/archive").status_code == 404
    assert course.archived_at is None


def test_a_member_of_the_org_who_is_not_an_educator_is_forbidden(make_client, provider):
    org, educator = provider
    course = make_course(org, author=educator)
    member = make_member(org).user
    assert make_client().login(member).get(f"/courses/{course.id}/reports").status_code == 403


def test_quiz_over_http_ignores_client_score_and_refuses_resubmission(client, db, provider):
    org, educator = provider
    course = make_course(org, author=educator)
    _enrolled_client(client, course)
    lesson = _quiz_lesson(course)
    started = client.post(f"/courses/{course.id}/lessons/{lesson.id}/attempts")
    attempt_url = started.headers["Location"]
    attempt = db.session.get(QuizAttempt, int(attempt_url.rstrip("/").rsplit("/", 1)[1]))
    quiz = lesson.quiz
    wrong = {}
    for q in quiz.questions:
        option = next(o for o in q.options if not o.is_correct)
        wrong[f"q_{q.id}"] = str(option.id)
    response = client.post(attempt_url, {**wrong, "score": "100", "score_pct": "100", "passed": "y"})
    assert response.status_code == 302
    db.session.refresh(attempt)
    assert attempt.score_pct == 0 and attempt.passed is False
    right = {}
    for q in quiz.questions:
        right[f"q_{q.id}"] = [str(o.id) for o in q.options if o.is_correct]
    again = client.post(attempt_url, right)
    assert again.status_code == 302
    db.session.refresh(attempt)
    assert attempt.score_pct == 0  # the submitted attempt is unchanged
    result = client.get(attempt_url)
    assert "Not passed" in result.text and "Because B." in result.text  # the rationale after answering


def test_quiz_answers_from_another_quiz_are_refused(client, db, provider):
    org, educator = provider
    course, other = make_course(org, author=educator), make_course(org, author=educator)
    _enrolled_client(client, course)
    lesson = _quiz_lesson(course)
    attempt_url = client.post(f"/courses/{course.id}/lessons/{lesson.id}/attempts").headers["Location"]
    foreign = _quiz_lesson(other).quiz.questions[0].options[1].id
    data = {f"q_{q.id}": str(foreign) for q in lesson.quiz.questions}
    response = client.post(attempt_url, data)
    assert response.status_code == 422
    assert db.session.query(QuizAttempt).filter(QuizAttempt.submitted_at.is_not(None)).count() == 0


def test_quiz_attempt_limit_over_http(client, db, provider):
    org, educator = provider
    course = make_course(org, author=educator)
    _enrolled_client(client, course)
    lesson = _quiz_lesson(course)
    wrong = {f"q_{q.id}": str(next(o for o in q.options if not o.is_correct).id) for q in lesson.quiz.questions}
    for _ in range(lesson.quiz.max_attempts):
        url = client.post(f"/courses/{course.id}/lessons/{lesson.id}/attempts").headers["Location"]
        client.post(url, wrong)
    refused = client.post(f"/courses/{course.id}/lessons/{lesson.id}/attempts")
    assert refused.status_code == 302 and "/attempts/" not in refused.headers["Location"]
    assert db.session.query(QuizAttempt).count() == lesson.quiz.max_attempts


def test_someone_elses_attempt_is_not_found(make_client, provider):
    org, educator = provider
    course = make_course(org, author=educator)
    first = make_client()
    _enrolled_client(first, course)
    url = first.post(f"/courses/{course.id}/lessons/{_quiz_lesson(course).id}/attempts").headers["Location"]
    second = make_client()
    _enrolled_client(second, course)
    assert second.get(url).status_code == 404


# --- uploads and files ----------------------------------------------------------------------------


def _pptx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("ppt/presentation.xml", "<p/>")
    return buffer.getvalue()


def _upload(client, course, lesson, kind, name, content):
    return client.post(f"/courses/{course.id}/lessons/{lesson.id}/upload/{kind}",
                       {"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("name, content", [
    ("x.html", b"<html><script>alert(1)</script></html>"),
    ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("notes.pdf", b"<script>alert(1)</script>"),
    ("deck.pptx", b"PK\x03\x04not really a zip"),
    ("empty.pdf", b""),
])
def test_uploads_that_are_not_what_we_accept_are_refused(client, db, provider, name, content):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    lesson = course.draft_version.lessons[0]
    client.login(educator)
    response = _upload(client, course, lesson, "attachment", name, content)
    assert response.status_code == 302
    assert db.session.query(CourseFile).count() == 0


def test_a_traversal_file_name_is_stored_under_a_random_name(client, db, app, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    lesson = course.draft_version.lessons[0]
    client.login(educator)
    _upload(client, course, lesson, "attachment", "../../x.pdf", b"%PDF-1.4\nhello\n")
    f = db.session.query(CourseFile).one()
    assert f.original_name == "x.pdf" and re.fullmatch(r"[0-9a-f]{32}", f.stored_name)
    assert f.content_type == "application/pdf"
    _upload(client, course, lesson, "attachment", "deck.pptx", _pptx())
    assert {f.content_type for f in db.session.query(CourseFile)} >= {
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
    download = client.get(f"/courses/{course.id}/files/{f.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"


def test_an_oversized_upload_is_refused(client, db, app, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    lesson = course.draft_version.lessons[0]
    client.login(educator)
    app.config["COURSE_UPLOAD_MAX_BYTES"] = {"attachment": 1024, "video": 2048}
    try:
        response = _upload(client, course, lesson, "attachment", "big.pdf", b"%PDF-" + b"0" * 4000)
        assert response.status_code in (302, 413)
    finally:
        app.config.pop("COURSE_UPLOAD_MAX_BYTES")
    assert db.session.query(CourseFile).count() == 0


def test_videos_are_served_with_range_requests_to_enrolled_learners_only(make_client, db, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False, quiz=False)
    author = make_client().login(educator)
    module = course.draft_version.modules[0]
    author.post(f"/courses/{course.id}/modules/{module.id}/lessons", {"title": "Watch", "kind": "video"})
    lesson = next(lesson for lesson in course.draft_version.lessons if lesson.kind == "video")
    mp4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4
    _upload(author, course, lesson, "video", "clip.mp4", mp4)
    assert lesson.video_file is not None
    author.post(f"/courses/{course.id}/submit")
    author.post(f"/courses/{course.id}/publish")
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.current_version is not None
    video = next(lesson for lesson in course.current_version.lessons if lesson.kind == "video").video_file
    url = f"/courses/{course.id}/files/{video.id}"
    stranger = make_client().login(make_user())
    assert stranger.get(url).status_code == 404
    learner = make_client()
    _enrolled_client(learner, course)
    partial = learner.get(url, headers={"Range": "bytes=0-15"})
    assert partial.status_code == 206 and partial.data == mp4[:16]
    assert partial.mimetype == "video/mp4"


@pytest.mark.parametrize("url, ok", [
    ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", True),
    ("https://player.vimeo.com/video/76979871", True),
    ("https://evil.example.com/embed/x", False),
    ("javascript:alert(1)", False),
    ("http://www.youtube-nocookie.com/embed/x", False),
    ("https://www.youtube-nocookie.com/embed/x\"><script>", False),
])
def test_video_embeds_come_only_from_allow_listed_hosts(client, db, provider, url, ok):
    org, educator = provider
    course = make_course(org, author=educator, publish=False, quiz=False)
    client.login(educator)
    module = course.draft_version.modules[0]
    client.post(f"/courses/{course.id}/modules/{module.id}/lessons", {"title": "Embed", "kind": "video"})
    lesson = next(lesson for lesson in course.draft_version.lessons if lesson.kind == "video")
    response = client.post(f"/courses/{course.id}/lessons/{lesson.id}/edit", {"title": "Embed", "embed_url": url})
    db.session.refresh(lesson)
    assert (response.status_code == 302) is ok
    assert (lesson.embed_url == url) is ok


def test_csp_allows_the_video_players_as_frames_only(client):
    csp = client.get("/policy").headers["Content-Security-Policy"]
    directives = dict(part.split(" ", 1) for part in csp.split("; "))
    assert "https://www.youtube-nocookie.com" in directives["frame-src"]
    assert "youtube" not in directives["script-src"]


def test_reports_csv_neutralises_formulas(client, db, provider):
    org, educator = provider
    course = make_course(org, author=educator)
    learner = make_user(first_name="=cmd|' /C calc'!A0", last_name="@SUM(1)")
    _enrolled_client(client, course, learner)
    client.login(educator)
    body = client.get(f"/courses/{course.id}/reports/enrolments.csv")
    assert body.status_code == 200 and body.mimetype == "text/csv"
    assert "attachment" in body.headers["Content-Disposition"]
    assert "\"'=cmd" in body.text or "'=cmd" in body.text
    assert ",=cmd" not in body.text and "\n=cmd" not in body.text


def test_position_endpoint_needs_the_csrf_header(make_client, db, app, provider):
    org, educator = provider
    course = make_course(org, author=educator)
    learner = make_client()
    _enrolled_client(learner, course)
    lesson = course.current_version.lessons[0]
    app.config["WTF_CSRF_ENABLED"] = True
    response = learner._isolated(learner.http.post, f"/courses/{course.id}/lessons/{lesson.id}/position",
                                 json={"position": 10})
    assert response.status_code == 400  # no X-CSRFToken header
    ok = learner._isolated(learner.http.post, f"/courses/{course.id}/lessons/{lesson.id}/position",
                           json={"position": 10}, headers={"X-CSRFToken": learner.csrf_token()})
    assert ok.status_code == 400  # accepted by CSRF, refused because a text lesson has no video


def test_completion_shows_ready_to_claim(client, db, provider):
    org, educator = provider
    course = make_course(org, author=educator, quiz=False, require_evaluation=False)
    _enrolled_client(client, course)
    for lesson in course.current_version.lessons:
        client.get(f"/courses/{course.id}/lessons/{lesson.id}")
    page = client.get(f"/courses/{course.id}")
    assert "Completed — ready to claim credit" in page.text


def test_an_assigned_learner_reads_the_disclosures_before_the_content(client, db, provider):
    from courses import retakes, services
    from lms.types import utcnow

    org, educator = provider
    course = make_course(org, author=educator)
    learner = make_user()
    retakes.assign(educator, learner, course, due_on=None, now=utcnow())
    client.login(learner)
    lesson = course.current_version.lessons[0]
    response = client.get(f"/courses/{course.id}/lessons/{lesson.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{course.id}/disclosures")
    assert "Dr Faculty" in client.get(f"/courses/{course.id}/disclosures").text
    client.post(f"/courses/{course.id}/enrol")
    assert client.get(f"/courses/{course.id}/lessons/{lesson.id}").status_code == 200


def test_educators_find_their_authoring_pages_from_the_catalog(make_client, provider):
    org, educator = provider
    assert f"/courses/manage/{org.id}" in make_client().login(educator).get("/courses/").text
    assert "/courses/manage/" not in make_client().login(make_user()).get("/courses/").text


def test_the_upload_route_has_its_own_size_cap_and_still_needs_the_csrf_token(client, db, app, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    lesson = course.draft_version.lessons[0]
    client.login(educator)
    pdf = b"%PDF-1.4\n" + b"0" * 200_000
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 100_000  # smaller than the file: the route's own cap applies
    try:
        _upload(client, course, lesson, "attachment", "big-but-allowed.pdf", pdf)
        assert db.session.query(CourseFile).count() == 1
        forged = client.post(f"/courses/{course.id}/lessons/{lesson.id}/upload/attachment",
                             {"file": (io.BytesIO(pdf), "forged.pdf")}, csrf=False, content_type="multipart/form-data")
        assert forged.status_code == 302
        assert db.session.query(CourseFile).count() == 1
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved


def test_learners_see_relevant_relationships_only(client, db, provider):
    from courses import authoring, workflow
    from lms.types import utcnow

    org, educator = provider
    course = make_course(org, author=educator)
    now = utcnow()
    workflow.new_version(educator, course, now=now)
    person = course.draft_version.people[0]
    relevant = authoring.add_relationship(educator, course, person.id, company="Relevant Pharma", nature="speaker",
                                          ended_on=None, now=now)
    unrelated = authoring.add_relationship(educator, course, person.id, company="Unrelated Devices",
                                           nature="ownership", ended_on=None, now=now)
    authoring.assess_relationship(educator, course, relevant.id, is_relevant=True, mitigation="Peer review.", now=now)
    authoring.assess_relationship(educator, course, unrelated.id, is_relevant=False, mitigation="", now=now)
    workflow.submit_for_review(educator, course, now=now)
    workflow.publish(educator, course, now=now)
    client.login(make_user())
    text = client.get(f"/courses/{course.id}/disclosures").text
    assert "Relevant Pharma: Speakers&#39; bureau (mitigated)" in text
    assert "Unrelated Devices" not in text


def test_quiz_text_and_evaluation_comments_pass_the_phi_guard(client, db, provider):
    org, educator = provider
    draft = make_course(org, author=educator, publish=False)
    quiz_lesson = next(lesson for lesson in draft.draft_version.lessons if lesson.quiz)
    client.login(educator)
    before = len(quiz_lesson.quiz.questions)
    client.post(f"/courses/{draft.id}/lessons/{quiz_lesson.id}/questions", {
        "kind": "single", "text": "Mrs Jones, DOB 04/12/1957, MRN 884422: what next?", "option_1": "A",
        "correct_1": "y", "option_2": "B", "true_is_correct": "true"})
    db.session.refresh(quiz_lesson.quiz)
    assert len(quiz_lesson.quiz.questions) == before

    course = make_course(org, author=educator, quiz=False)
    _enrolled_client(client, course)
    items = course.current_version.evaluation_items
    data = {f"item_{i.id}": "4" for i in items if i.kind == "likert"}
    comment = next(i for i in items if i.kind == "text")
    data[f"item_{comment.id}"] = "My patient John Smith, SSN 123-45-6789, improved."
    response = client.post(f"/courses/{course.id}/evaluation", data)
    assert response.status_code == 422
    from courses.models import EvaluationAnswer

    assert db.session.query(EvaluationAnswer).count() == 0
