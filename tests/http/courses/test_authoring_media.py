"""Authoring media over HTTP: lesson images, WebVTT captions, the editor's preview, and uploads that
answer the progress-bar script in JSON. Every refusal stores nothing."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from courses import content
from courses.models import Course, CourseFile, CourseImage, LessonCaption
from lms.markdown import render_markdown
from lms.types import utcnow
from tests.factories import make_course, make_member, make_org, make_user

JSON = {"Accept": "application/json"}
VTT = b"WEBVTT\n\n00:00.000 --> 00:03.500\nWelcome to safer prescribing.\n\n00:03.500 --> 00:07.000\n<v Dr Rivera>Start low, go slow.\n"


@pytest.fixture
def provider(db):
    org = make_org(kind="provider", is_accredited_provider=True)
    return org, make_member(org, role="educator").user


def png(size=(8, 6), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (11, 85, 99)).save(out, fmt)
    return out.getvalue()


def stored_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_DIR"]) / "courses"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def post_image(client, course, data, name="chart.png", alt="Opioid conversion chart", **kwargs):
    form = {"file": (io.BytesIO(data), name), "alt": alt}
    return client.post(f"/courses/{course.id}/images", form, content_type="multipart/form-data", **kwargs)


def video_lesson(course, educator):
    module = course.draft_version.modules[0]
    return content.add_lesson(educator, course, module.id, title="Watch", kind="video", now=utcnow())


def post_captions(client, course, lesson, data, name="captions.vtt", language="en", label="English", **kwargs):
    form = {"file": (io.BytesIO(data), name), "language": language, "label": label}
    return client.post(f"/courses/{course.id}/lessons/{lesson.id}/captions", form,
                       content_type="multipart/form-data", **kwargs)


# --- images -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, mimetype", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"),
                                           ("WEBP", "image/webp")])
def test_an_educator_uploads_an_image_and_everyone_on_the_course_gets_it_sandboxed(
        make_client, db, app, provider, fmt, mimetype):
    org, educator = provider
    course = make_course(org, author=educator)
    author = make_client().login(educator)
    answer = post_image(author, course, png(fmt=fmt), name="photo.bin", headers=JSON)
    assert answer.status_code == 200, answer.text
    image = db.session.query(CourseImage).one()
    assert image.content_type == mimetype and image.alt == "Opioid conversion chart"
    url = f"/courses/{course.id}/images/{image.stored_name}"
    assert answer.json == {"ok": True, "url": url, "alt": image.alt, "markdown": f"![Opioid conversion chart]({url})",
                           "message": "Image uploaded."}
    served = make_client().login(make_user()).get(url)
    assert served.status_code == 200 and served.mimetype == mimetype
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Disposition"].startswith("inline")
    assert f'<img src="{url}" alt="Opioid conversion chart">' in str(render_markdown(answer.json["markdown"]))


def test_without_javascript_the_upload_redirects_with_the_markdown_to_paste(client, db, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    lesson = course.draft_version.lessons[0]
    client.login(educator)
    response = client.post(f"/courses/{course.id}/images", {"file": (io.BytesIO(png()), "a.png"), "alt": "Chart",
                                                            "back_lesson": str(lesson.id)},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/courses/{course.id}/lessons/{lesson.id}/edit#images")
    page = client.get(f"/courses/{course.id}/lessons/{lesson.id}/edit")
    image = db.session.query(CourseImage).one()
    assert f"![Chart](/courses/{course.id}/images/{image.stored_name})" in page.text


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.mark.parametrize("name, data", [
    ("chart.png", b"<html><script>alert(1)</script></html>"),          # HTML dressed as a PNG
    ("chart.svg", SVG),                                                 # SVG with script
    ("chart.png", SVG),                                                 # the same, renamed
    ("chart.png", b"\x89PNG\r\n\x1a\n<script>alert(1)</script>" + b"\x00" * 64),  # PNG signature, no image
    ("chart.jpg", png()[:40]),                                          # truncated
    ("chart.gif", b"GIF89a" + b"<html>" * 10),
    ("slides.png", b"%PDF-1.4\n%not an image\n"),
    ("empty.png", b""),
])
def test_files_that_are_not_images_are_refused_and_nothing_is_stored(client, db, app, provider, name, data):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    client.login(educator)
    before = stored_files(app)
    answer = post_image(client, course, data, name=name, headers=JSON)
    assert answer.status_code == 422
    assert "PNG, JPEG, GIF or WebP" in answer.json["error"] or "empty" in answer.json["error"]
    assert db.session.query(CourseImage).count() == 0
    assert stored_files(app) == before


def test_an_image_over_the_limit_is_refused(client, db, app, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    client.login(educator)
    before = stored_files(app)
    app.config["COURSE_UPLOAD_MAX_BYTES"] = {"image": 1024}
    try:
        answer = post_image(client, course, png(size=(300, 300)) + b"\x00" * 2048, headers=JSON)
        assert answer.status_code in (413, 422)
        if answer.status_code == 422:
            assert "larger than 1 KB" in answer.json["error"]
    finally:
        app.config.pop("COURSE_UPLOAD_MAX_BYTES")
    assert db.session.query(CourseImage).count() == 0 and stored_files(app) == before


def test_an_image_needs_alt_text_and_the_csrf_token(client, db, app, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    client.login(educator)
    before = stored_files(app)
    no_alt = post_image(client, course, png(), alt="  ", headers=JSON)
    assert no_alt.status_code == 422 and "Describe the image" in no_alt.json["error"]
    forged = post_image(client, course, png(), csrf=False, headers=JSON)
    assert forged.status_code == 422 and "CSRF" in forged.json["error"]
    assert db.session.query(CourseImage).count() == 0 and stored_files(app) == before


def test_learners_and_other_organisations_cannot_upload_images(make_client, db, app, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    before = stored_files(app)
    learner = make_client().login(make_member(org).user)
    assert post_image(learner, course, png()).status_code == 403
    outsider = make_client().login(make_member(make_org(), role="educator").user)
    assert post_image(outsider, course, png()).status_code == 404
    assert db.session.query(CourseImage).count() == 0 and stored_files(app) == before


def test_a_traversal_name_is_stored_under_a_random_name_and_odd_urls_are_not_found(client, db, provider):
    org, educator = provider
    course, other = make_course(org, author=educator), make_course(org, author=educator)
    client.login(educator)
    assert post_image(client, course, png(), name="../../../etc/passwd.png").status_code == 302
    image = db.session.query(CourseImage).one()
    assert re.fullmatch(r"[0-9a-f]{32}", image.stored_name)
    for url in (f"/courses/{course.id}/images/..%2f..%2fetc%2fpasswd", f"/courses/{course.id}/images/passwd.png",
                f"/courses/{other.id}/images/{image.stored_name}",  # another course's URL for this image
                f"/courses/{course.id}/images/{'0' * 32}"):
        assert client.get(url).status_code == 404, url


# --- the editor's preview ---------------------------------------------------------------------


def test_the_preview_is_the_servers_rendering(make_client, db, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    text = "## Taper\n\n**Slowly**. <script>alert(1)</script> ![x](https://tracker.example/p.png)"
    author = make_client().login(educator)
    answer = author.post(f"/courses/{course.id}/markdown-preview", {"text": text})
    assert answer.status_code == 200
    assert answer.json["html"] == str(render_markdown(text))
    assert "<h2>Taper</h2>" in answer.json["html"] and "<script" not in answer.json["html"]
    assert "tracker.example" not in answer.json["html"]
    assert author.post(f"/courses/{course.id}/markdown-preview", {"text": text}, csrf=False).status_code == 400
    learner = make_client().login(make_member(org).user)
    assert learner.post(f"/courses/{course.id}/markdown-preview", {"text": text}).status_code == 403
    assert make_client().post(f"/courses/{course.id}/markdown-preview", {"text": text}).status_code == 302


def test_the_lesson_editor_offers_the_markdown_editor_without_needing_it(client, db, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    lesson = course.draft_version.lessons[0]
    page = client.login(educator).get(f"/courses/{course.id}/lessons/{lesson.id}/edit").text
    assert re.search(r'<label class="form-label" for="body">Text \(Markdown\)</label>\s*<textarea[^>]*data-markdown-editor', page)
    assert f'data-preview-url="/courses/{course.id}/markdown-preview"' in page
    assert "/static/vendor/easymde/easymde.min.js" in page and "/static/vendor/easymde/easymde.min.css" in page
    assert "cdn" not in page.lower() and "fontawesome" not in page.lower()
    assert 'id="image-form"' in page and "data-upload" in page


# --- captions -----------------------------------------------------------------------------------


def test_captions_become_a_default_track_and_a_transcript(make_client, db, app, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False, quiz=False)
    lesson = video_lesson(course, educator)
    lesson_id = lesson.id
    content.attach_file(educator, course, lesson_id, _mp4(app), kind="video", now=utcnow())
    author = make_client().login(educator)
    answer = post_captions(author, course, lesson, VTT, headers=JSON)
    assert answer.status_code == 200 and answer.json["ok"], answer.text
    track = db.session.query(LessonCaption).one()
    assert (track.language, track.label) == ("en", "English")
    served = author.get(f"/courses/{course.id}/captions/{track.id}.vtt")
    assert served.status_code == 200 and served.mimetype == "text/vtt" and served.data == VTT
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    preview = author.get(f"/courses/{course.id}/preview/lessons/{lesson_id}").text
    assert re.search(rf'<track kind="captions" src="/courses/{course.id}/captions/{track.id}.vtt" srclang="en" '
                     r'label="English" default>', preview)
    assert "Dr Rivera: Start low, go slow." in preview and "<v Dr Rivera>" not in preview and "0:03" in preview
    # Published and enrolled: the learner's lesson has the track and the transcript; a stranger gets 404.
    author.post(f"/courses/{course.id}/submit")
    assert author.post(f"/courses/{course.id}/publish").status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    learner = make_client().login(make_user())
    learner.post(f"/courses/{course.id}/enrol")
    live = next(item for item in course.current_version.lessons if item.kind == "video")
    page = learner.get(f"/courses/{course.id}/lessons/{live.id}").text
    live_track = live.captions[0]
    assert f'src="/courses/{course.id}/captions/{live_track.id}.vtt"' in page and "Welcome to safer prescribing." in page
    assert learner.get(f"/courses/{course.id}/captions/{live_track.id}.vtt").status_code == 200
    assert make_client().login(make_user()).get(f"/courses/{course.id}/captions/{live_track.id}.vtt").status_code == 404


def _mp4(app):
    from courses.uploads import store_upload

    return store_upload(io.BytesIO(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4), "clip.mp4", "video")


@pytest.mark.parametrize("data, problem", [
    (b"1\n00:00:01,000 --> 00:00:02,000\nSRT renamed .vtt\n", "WEBVTT"),
    (b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nbad timing\n", "malformed"),
    (b"WEBVTT\n\n00:09.000 --> 00:02.000\nbackwards\n", "end after"),
    (b"\x00\x00\x00\x18ftypmp42 a video", "NUL"),
    (b"WEBVTT\n\n00:00.000 --> 00:02.000\nPatient John Smith, MRN 12345678, DOB 03/14/1961.\n", "patient information"),
    (b"WEBVTT\n\n00:00.000 --> 00:02.000\n" + b"x" * (1024 * 1024 + 10) + b"\n", "larger than 1 MB"),
])
def test_malformed_captions_are_refused_inline_and_nothing_is_stored(client, db, app, provider, data, problem):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    lesson = video_lesson(course, educator)
    client.login(educator)
    before = stored_files(app)
    answer = post_captions(client, course, lesson, data, headers=JSON)
    assert answer.status_code in ((413, 422) if "1 MB" in problem else (422,))
    if answer.status_code == 422:
        assert problem in answer.json["error"]
    assert db.session.query(LessonCaption).count() == 0 and stored_files(app) == before
    plain = post_captions(client, course, lesson, data)  # without the script: back to the editor, with a flash
    assert plain.status_code in (302, 413) and db.session.query(LessonCaption).count() == 0


def test_captions_need_a_language_code_a_video_lesson_an_author_and_the_csrf_token(make_client, db, app, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    lesson = video_lesson(course, educator)
    text_lesson = course.draft_version.lessons[0]
    author = make_client().login(educator)
    before = stored_files(app)
    bad_language = post_captions(author, course, lesson, VTT, language="../../en", headers=JSON)
    assert bad_language.status_code == 422 and "language" in bad_language.json["error"]
    assert post_captions(author, course, text_lesson, VTT).status_code == 404
    assert post_captions(author, course, lesson, VTT, csrf=False).status_code == 400
    learner = make_client().login(make_member(org).user)
    assert post_captions(learner, course, lesson, VTT).status_code == 403
    assert db.session.query(LessonCaption).count() == 0 and stored_files(app) == before


def test_a_second_file_in_the_same_language_replaces_the_first_and_a_new_version_keeps_them(client, db, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False, quiz=False)
    lesson = video_lesson(course, educator)
    client.login(educator)
    post_captions(client, course, lesson, VTT)
    post_captions(client, course, lesson, VTT.replace(b"Welcome", b"Hello"), label="English (revised)")
    post_captions(client, course, lesson, VTT, language="es", label="Español")
    assert sorted((c.language, c.label) for c in db.session.query(LessonCaption)) == [
        ("en", "English (revised)"), ("es", "Español")]
    # An embedded player has no track, but its transcript still shows (from the first track).
    content.update_lesson(educator, course, lesson.id, title="Watch", body="",
                          embed_url="https://player.vimeo.com/video/1", now=utcnow())
    db.session.flush()
    page = client.get(f"/courses/{course.id}/preview/lessons/{lesson.id}").text
    assert "<track" not in page and "Hello to safer prescribing." in page and "(English (revised))" in page
    from courses import workflow

    copy = workflow.copy_version(course.draft_version, now=utcnow())
    copied = next(item for item in copy.lessons if item.kind == "video")
    assert sorted((c.language, c.stored_name) for c in copied.captions) == sorted(
        (c.language, c.stored_name) for c in lesson.captions)


# --- uploads answering the progress bar ---------------------------------------------------------


def test_uploads_answer_the_progress_script_in_json(client, db, provider):
    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    lesson = course.draft_version.lessons[0]
    client.login(educator)
    url = f"/courses/{course.id}/lessons/{lesson.id}/upload/attachment"
    refused = client.post(url, {"file": (io.BytesIO(b"<html>"), "notes.pdf")}, content_type="multipart/form-data",
                          headers=JSON)
    assert refused.status_code == 422 and refused.json == {"error": "That file is not a PDF or PowerPoint (.pptx) file."}
    kept = client.post(url, {"file": (io.BytesIO(b"%PDF-1.4\n%ok\n"), "notes.pdf")}, content_type="multipart/form-data",
                       headers=JSON)
    assert kept.status_code == 200
    assert kept.json == {"ok": True, "message": "notes.pdf uploaded.",
                         "redirect": f"/courses/{course.id}/lessons/{lesson.id}/edit"}
    assert db.session.query(CourseFile).count() == 1
    forged = client.post(url, {"file": (io.BytesIO(b"%PDF-1.4\n"), "x.pdf")}, csrf=False,
                         content_type="multipart/form-data", headers=JSON)
    assert forged.status_code == 422 and "CSRF" in forged.json["error"]
    assert db.session.query(CourseFile).count() == 1


def test_a_package_import_answers_the_progress_script_in_json_and_stores_nothing_when_refused(client, db, provider):
    from courses.packages.models import ContentPackage

    org, educator = provider
    course = make_course(org, author=educator, publish=False)
    module = course.draft_version.modules[0]
    lesson = content.add_lesson(educator, course, module.id, title="Module", kind="package", now=utcnow())
    client.login(educator)
    refused = client.post(f"/packages/courses/{course.id}/lessons/{lesson.id}/import",
                          {"file": (io.BytesIO(b"PK\x03\x04 not a zip"), "course.zip")},
                          content_type="multipart/form-data", headers=JSON)
    assert refused.status_code == 422 and refused.json["error"].startswith("Package refused:")
    assert db.session.query(ContentPackage).count() == 0
