"""URL × role × expected status for every course route.

The world has a provider organisation with a published course (the "member" is enrolled and has a
quiz attempt and a downloadable PDF) and a draft course for the authoring rows. Authors are the
organisation's educators and managers; managers of another organisation get 404 on anything
that is not public to every signed-in learner.
"""

from __future__ import annotations

import io

import pytest

from tests.http.access import LOGIN, ROLES, check_access, make_people, org_scoped, signed_in

AUTHOR = dict(educator=200)
AUTHOR_POST = dict(educator=302)


def author_get():
    return org_scoped(200, **AUTHOR)


def author_post():
    return org_scoped(302, **AUTHOR_POST)


_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc```\x00\x00\x00\x04\x00\x01\xf6\x178U\x00\x00\x00\x00IEND\xaeB`\x82"
ENROLLED_ONLY = {**signed_in(302), "member": 200}

MATRIX = {
    # learners
    "courses.catalog": ("GET", "/courses/", signed_in(200)),
    "courses.my_learning": ("GET", "/courses/mine", signed_in(200)),
    "courses.show": ("GET", "/courses/{course}", signed_in(200)),
    "courses.disclosures": ("GET", "/courses/{course}/disclosures", signed_in(200)),
    "courses.enrol": ("POST", "/courses/{course}/enrol", signed_in(302)),
    "courses.resume": ("GET", "/courses/{course}/learn", signed_in(302)),
    "courses.lesson": ("GET", "/courses/{course}/lessons/{lesson}", ENROLLED_ONLY),
    "courses.position": ("POST", "/courses/{course}/lessons/{lesson}/position", {**signed_in(404), "member": 400}),
    "courses.start_attempt": ("POST", "/courses/{course}/lessons/{quiz_lesson}/attempts", signed_in(302)),
    "courses.attempt": ("GET", "/courses/{course}/attempts/{attempt}", {**signed_in(404), "member": 200}),
    "courses.evaluation": ("GET", "/courses/{course}/evaluation", ENROLLED_ONLY),
    # Only one's own enrolment: none is 404; the member's round is not complete, so it is refused (302 back).
    "courses.retake": ("POST", "/courses/{course}/retake", {**signed_in(404), "member": 302}),
    "courses.file": ("GET", "/courses/{course}/files/{file}",
                     {"anonymous": LOGIN, "member": 200, "educator": 200, "manager": 200, "other_manager": 404,
                      "admin": 200}),
    # Images in course text: anyone who may see the course (the names are random); captions: like files.
    "courses.image": ("GET", "/courses/{course}/images/{image}", signed_in(200)),
    "courses.captions": ("GET", "/courses/{course}/captions/{caption}.vtt",
                         {"anonymous": LOGIN, "member": 200, "educator": 200, "manager": 200, "other_manager": 404,
                          "admin": 200}),
    # authors
    "courses.upload_image": ("POST", "/courses/{draft}/images", author_post()),
    "courses.upload_captions": ("POST", "/courses/{draft}/lessons/{draft_lesson}/captions", author_post()),
    "courses.remove_captions": ("POST", "/courses/{draft}/lessons/{draft_video}/captions/{draft_caption}/delete",
                                author_post()),
    "courses.markdown_preview": ("POST", "/courses/{draft}/markdown-preview", author_get()),
    "courses.manage": ("GET", "/courses/manage/{org}", author_get()),
    "courses.create": ("POST", "/courses/manage/{org}/new", author_post()),
    "courses.edit": ("GET", "/courses/{draft}/edit", author_get()),
    "courses.designate": ("POST", "/courses/{draft}/designations", author_post()),
    "courses.remove_designation": ("POST", "/courses/{draft}/designations/{designation}/delete", author_post()),
    "courses.people": ("GET", "/courses/{draft}/edit/people", author_get()),
    "courses.add_person": ("POST", "/courses/{draft}/people", author_post()),
    "courses.remove_person": ("POST", "/courses/{draft}/people/{person}/delete", author_post()),
    "courses.add_relationship": ("POST", "/courses/{draft}/people/{person}/relationships", author_post()),
    "courses.assess_relationship": ("POST", "/courses/{draft}/relationships/{relationship}", author_post()),
    "courses.remove_relationship": ("POST", "/courses/{draft}/relationships/{relationship}/delete", author_post()),
    "courses.content": ("GET", "/courses/{draft}/edit/content", author_get()),
    "courses.add_module": ("POST", "/courses/{draft}/modules", author_post()),
    "courses.rename_module": ("POST", "/courses/{draft}/modules/{module}/rename", author_post()),
    "courses.move_module": ("POST", "/courses/{draft}/modules/{module}/move/up", author_post()),
    "courses.remove_module": ("POST", "/courses/{draft}/modules/{module}/delete", author_post()),
    "courses.add_lesson": ("POST", "/courses/{draft}/modules/{module}/lessons", author_post()),
    "courses.edit_lesson": ("GET", "/courses/{draft}/lessons/{draft_lesson}/edit", author_get()),
    "courses.move_lesson": ("POST", "/courses/{draft}/lessons/{draft_lesson}/move/down", author_post()),
    "courses.remove_lesson": ("POST", "/courses/{draft}/lessons/{draft_lesson}/delete", author_post()),
    "courses.upload": ("POST", "/courses/{draft}/lessons/{draft_lesson}/upload/attachment", author_post()),
    "courses.remove_file": ("POST", "/courses/{draft}/lessons/{draft_lesson}/files/{draft_file}/delete",
                            author_post()),
    "courses.quiz_settings": ("POST", "/courses/{draft}/lessons/{draft_quiz}/quiz", author_post()),
    "courses.add_question": ("POST", "/courses/{draft}/lessons/{draft_quiz}/questions", author_post()),
    "courses.move_question": ("POST", "/courses/{draft}/lessons/{draft_quiz}/questions/{question}/move/down",
                              author_post()),
    "courses.edit_question": ("GET", "/courses/{draft}/lessons/{draft_quiz}/questions/{question}/edit", author_get()),
    "courses.remove_question": ("POST", "/courses/{draft}/lessons/{draft_quiz}/questions/{question}/delete",
                                author_post()),
    "courses.evaluation_items": ("GET", "/courses/{draft}/edit/evaluation", author_get()),
    "courses.add_evaluation_item": ("POST", "/courses/{draft}/evaluation/items", author_post()),
    "courses.remove_evaluation_item": ("POST", "/courses/{draft}/evaluation/items/{item}/delete", author_post()),
    "courses.reset_evaluation": ("POST", "/courses/{draft}/evaluation/reset", author_post()),
    "courses.submit_review": ("POST", "/courses/{draft}/submit", author_post()),
    "courses.return_to_draft": ("POST", "/courses/{draft}/return", author_post()),
    "courses.publish": ("POST", "/courses/{draft}/publish", author_post()),
    "courses.archive": ("POST", "/courses/{draft}/archive", author_post()),
    "courses.new_version": ("POST", "/courses/{course}/new-version", author_post()),
    "courses.preview": ("GET", "/courses/{draft}/preview", author_get()),
    "courses.preview_lesson": ("GET", "/courses/{draft}/preview/lessons/{draft_lesson}", author_get()),
    "courses.reports_page": ("GET", "/courses/{course}/reports", author_get()),
    "courses.report_csv": ("GET", "/courses/{course}/reports/items.csv", author_get()),
}


@pytest.fixture
def world(db):
    from courses import authoring, content, services
    from courses.uploads import store_upload
    from lms.types import utcnow
    from tests.factories import make_course, make_org

    now = utcnow()
    org, other = make_org(kind="provider"), make_org()
    people = make_people(org, other)
    course = make_course(org, author=people["educator"])
    version = course.current_version
    text_lesson = version.lessons[0]
    quiz_lesson = next(lesson for lesson in version.lessons if lesson.quiz)
    enrolment = services.enrol(people["member"], course, now=now)
    attempt = services.start_attempt(enrolment, quiz_lesson.quiz, now=now)
    # The published version is not editable, so its file is attached through a throwaway draft's copy.
    draft = make_course(org, author=people["educator"], publish=False)
    draft_version = draft.draft_version
    draft_lesson = draft_version.lessons[0]
    draft_quiz = next(lesson for lesson in draft_version.lessons if lesson.quiz)
    stored = store_upload(io.BytesIO(b"%PDF-1.4\n%test\n"), "handout.pdf", "attachment")
    draft_file = content.attach_file(people["educator"], draft, draft_lesson.id, stored, kind="attachment", now=now)
    from courses.models import CourseFile

    published_file = CourseFile(lesson_id=text_lesson.id, kind="attachment", stored_name=stored.stored_name,
                                original_name="handout.pdf", content_type=stored.content_type, size=stored.size)
    db.session.add(published_file)
    # A captions track on the published text lesson (for serving) and on a draft video lesson (for removal);
    # an image of the published course.
    from courses.captions import store_captions
    from courses.models import LessonCaption

    vtt = store_captions(io.BytesIO(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello.\n"))
    caption = LessonCaption(lesson_id=text_lesson.id, stored_name=vtt.stored_name, language="en", label="English",
                            size=vtt.size)
    db.session.add(caption)
    draft_video = content.add_lesson(people["educator"], draft, draft_version.modules[0].id, title="Watch",
                                     kind="video", now=now)
    draft_caption = content.attach_captions(people["educator"], draft, draft_video.id, vtt, language="en",
                                            label="English", now=now)
    image = content.add_image(people["educator"], course, store_upload(io.BytesIO(_PNG), "x.png", "image"),
                              alt="A chart", now=now)
    authoring.add_relationship(people["educator"], draft, draft_version.people[0].id, company="Acme Pharma",
                               nature="consultant", ended_on=None, now=now)
    db.session.flush()
    ids = {
        "org": org.id, "course": course.id, "lesson": text_lesson.id, "quiz_lesson": quiz_lesson.id,
        "attempt": attempt.id, "file": published_file.id, "draft": draft.id, "draft_lesson": draft_lesson.id,
        "draft_quiz": draft_quiz.id, "draft_file": draft_file.id, "module": draft_version.modules[0].id,
        "person": draft_version.people[0].id, "relationship": draft_version.people[0].relationships[0].id,
        "designation": draft_version.designations[0].id, "question": draft_quiz.quiz.questions[0].id,
        "item": draft_version.evaluation_items[0].id, "caption": caption.id, "draft_video": draft_video.id,
        "draft_caption": draft_caption.id, "image": image.stored_name,
    }
    return people, ids


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, *MATRIX[endpoint], role)
