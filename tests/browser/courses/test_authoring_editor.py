"""An educator writes a lesson in the Markdown editor (toolbar, the server's preview, an uploaded image),
captions a video, watches uploads make progress (and cancels one), publishes; a learner then sees the
image, the captions track and the transcript."""

from __future__ import annotations

import base64
import io
import re
import uuid

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_check
from tests.browser.courses.test_courses_journeys import login
from tests.browser.courses.test_courses_video import RECORD_WEBM

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VTT = (b"WEBVTT\n\n00:00.000 --> 00:01.000\nWelcome to safer prescribing.\n\n"
       b"00:01.000 --> 00:02.000\n<v Dr Rivera>Start low, go slow.\n")
CODEMIRROR_VALUE = "() => document.querySelector('.CodeMirror').CodeMirror.getValue()"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 180), (11, 85, 99)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def authoring_course(live_app, unique_email):
    from lms.extensions import db
    from tests.factories import make_course, make_member, make_org, make_user

    with live_app.app_context():
        org = make_org(name=f"Editor provider {uuid.uuid4().hex[:6]}", kind="provider")
        educator = make_user(email=unique_email("editor-educator"))
        make_member(org, educator, role="educator")
        learner = make_user(email=unique_email("editor-learner"))
        course = make_course(org, author=educator, publish=False, quiz=False, lessons=1, require_evaluation=False,
                             title=f"Editor course {uuid.uuid4().hex[:6]}")
        lesson = course.draft_version.lessons[0]
        lesson.body = ""
        db.session.commit()
        return {"course": course.id, "lesson": lesson.id, "educator": educator.email, "learner": learner.email}


def expected_refusals(page_log, *paths: str) -> None:
    """Refusals the test provokes on purpose (a 422 answer to the upload script) are not page problems."""
    page_log.failed_requests = [r for r in page_log.failed_requests
                                if not (r.startswith("422 ") and any(r.endswith(p) for p in paths))]


def test_an_educator_writes_illustrates_and_captions_and_a_learner_sees_it(page: Page, page_log, authoring_course):
    c, lesson = authoring_course["course"], authoring_course["lesson"]
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, authoring_course["educator"])
    page.goto(f"/courses/{c}/lessons/{lesson}/edit")

    # The toolbar: headings and bold through the buttons, typed text in between.
    toolbar = page.get_by_role("toolbar", name=re.compile("^Formatting"))
    expect(toolbar).to_be_visible()
    editor = page.locator(".CodeMirror")
    editor.click()
    page.keyboard.type("Tapering plan")
    toolbar.get_by_role("button", name="Heading", exact=True).click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("Start ")
    toolbar.get_by_role("button", name="Bold").click()
    page.keyboard.type("low")
    page.keyboard.press("End")
    page.keyboard.type(", go slow.")
    assert page.evaluate(CODEMIRROR_VALUE) == "## Tapering plan\n\nStart **low**, go slow."

    # The preview is the server's rendering.
    with page.expect_response(lambda r: r.url.endswith("/markdown-preview") and r.request.method == "POST") as asked:
        toolbar.get_by_role("button", name="Preview", exact=True).click()
    assert asked.value.ok
    preview = page.locator(".editor-preview-full.editor-preview-active")
    expect(preview.get_by_role("heading", name="Tapering plan", level=2)).to_be_visible()
    expect(preview.locator("strong")).to_have_text("low")
    toolbar.get_by_role("button", name="Preview", exact=True).click()

    # Insert an image: a file that is not an image is refused in the dialog, a PNG goes into the text.
    page.keyboard.press("Control+End")
    toolbar.get_by_role("button", name="Insert image").click()
    dialog = page.get_by_role("dialog", name="Insert an image")
    expect(dialog).to_be_visible()
    dialog.get_by_label(re.compile(r"^Image")).set_input_files(
        {"name": "chart.png", "mimeType": "image/png", "buffer": b"<svg onload='alert(1)'></svg>"})
    dialog.get_by_label(re.compile("alt text")).fill("Dosing chart")
    dialog.get_by_role("button", name="Upload image").click()
    expect(dialog.get_by_role("alert")).to_contain_text("not a PNG, JPEG, GIF or WebP image")
    expect(dialog.get_by_label(re.compile("alt text"))).to_have_value("Dosing chart")  # the form is kept
    dialog.get_by_label(re.compile(r"^Image")).set_input_files(
        {"name": "chart.png", "mimeType": "image/png", "buffer": png_bytes()})
    dialog.get_by_role("button", name="Upload image").click()
    expect(dialog).to_be_hidden()
    value = page.evaluate(CODEMIRROR_VALUE)
    assert re.search(rf"go slow\.\n\n!\[Dosing chart\]\(/courses/{c}/images/[0-9a-f]{{32}}\)\n$", value), value
    expect(page.get_by_text("Image “Dosing chart” inserted into the text.")).to_be_attached()
    axe_check(page)
    assert axe_check(page, impacts=("minor", "moderate", "serious", "critical")) == []
    page.get_by_role("button", name="Save lesson").click()
    expect(page.get_by_role("status").filter(has_text="Lesson saved.")).to_be_visible()

    # A video lesson: a real WebM recorded by Chromium, uploaded with a progress bar.
    page.goto(f"/courses/{c}/edit/content")
    webm = base64.b64decode(page.evaluate(RECORD_WEBM))
    page.get_by_label("New lesson title").fill("Watch this")
    page.get_by_label("Kind").select_option("video")
    page.get_by_role("button", name="Add lesson").click()
    video_form = page.locator("form", has=page.get_by_label(re.compile("MP4 or WebM")))
    video_form.get_by_label(re.compile("MP4 or WebM")).set_input_files(
        {"name": "clip.webm", "mimeType": "video/webm", "buffer": webm})
    video_form.get_by_role("button", name="Upload video").click()
    expect(page.get_by_role("status").filter(has_text="clip.webm uploaded.")).to_be_visible()
    # The page then reloads to show the stored file; the captions below belong on the reloaded page.
    expect(page.get_by_text(re.compile(r"^Current video: clip\.webm"))).to_be_visible()

    # Captions: a malformed file is refused beside the form (nothing stored), a good one is kept.
    captions = page.locator("#captions")
    captions.get_by_label(re.compile("Captions file")).set_input_files(
        {"name": "captions.vtt", "mimeType": "text/vtt", "buffer": b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nSRT\n"})
    captions.get_by_role("button", name="Upload captions").click()
    expect(captions.get_by_role("alert")).to_contain_text("the cue timing is malformed")
    expect(captions.get_by_text("No captions yet.")).to_be_visible()
    captions.get_by_label(re.compile("Captions file")).set_input_files(
        {"name": "captions.vtt", "mimeType": "text/vtt", "buffer": VTT})
    captions.get_by_role("button", name="Upload captions").click()
    expect(page.get_by_role("status").filter(has_text="Captions “English” uploaded (2 cues).")).to_be_visible()
    expect(page.locator("#captions").get_by_role("link", name="English")).to_be_visible()
    axe_check(page)
    assert axe_check(page, impacts=("minor", "moderate", "serious", "critical")) == []
    expected_refusals(page_log, f"/courses/{c}/images", "/captions")

    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").filter(has_text="Published: the course is in the catalog")).to_be_visible()

    # The learner: the image in the text lesson, the captions track (shown) and the transcript.
    page.context.clear_cookies()
    login(page, authoring_course["learner"])
    page.goto(f"/courses/{c}")
    page.get_by_role("button", name="Enrol and start").click()
    expect(page.get_by_role("heading", name="Tapering plan")).to_be_visible()
    image = page.get_by_role("img", name="Dosing chart")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('.lesson-body img').naturalWidth === 320")
    page.get_by_role("link", name=re.compile("^Next: Watch this")).click()
    track = page.locator("video.course-video track")
    expect(track).to_have_attribute("kind", "captions")
    expect(track).to_have_attribute("srclang", "en")
    expect(track).to_have_attribute("label", "English")
    expect(track).to_have_attribute("default", "")
    page.wait_for_function("() => { const t = document.querySelector('video').textTracks[0];"
                           " return t && t.mode === 'showing' && t.cues && t.cues.length === 2; }", timeout=10_000)
    transcript = page.locator("details.transcript-card")
    expect(transcript).to_contain_text("Welcome to safer prescribing.")
    expect(transcript).to_contain_text("Dr Rivera: Start low, go slow.")
    expect(transcript).not_to_contain_text("<v Dr Rivera>")
    axe_check(page)
    page_log.assert_clean()


def test_a_large_upload_shows_its_progress_and_can_be_cancelled(page: Page, page_log, authoring_course):
    """Throttled to 1 MB/s, a 3 MB file takes seconds: the bar moves, Cancel stops it and stores nothing."""
    c, lesson = authoring_course["course"], authoring_course["lesson"]
    login(page, authoring_course["educator"])
    page.goto(f"/courses/{c}/lessons/{lesson}/edit")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": -1,
                                                   "uploadThroughput": 1024 * 1024})
    pdf = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    form = page.locator("form", has=page.get_by_label(re.compile("PDF or PowerPoint")))
    bar = form.locator("progress")
    status = form.locator("[data-upload-status]")
    expect(bar).to_be_hidden()

    form.get_by_label(re.compile("PDF or PowerPoint")).set_input_files(
        {"name": "handout.pdf", "mimeType": "application/pdf", "buffer": pdf})
    form.get_by_role("button", name="Upload", exact=True).click()
    expect(bar).to_be_visible()
    page.wait_for_function("(el) => el.value > 0 && el.value < 100", arg=bar.element_handle(), timeout=10_000)
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text(re.compile(r"Uploading handout\.pdf: \d+% of 3\.\d MB"))
    expect(form.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    form.get_by_role("button", name="Cancel upload").click()
    expect(form.get_by_role("alert")).to_have_text("Upload cancelled. Nothing was saved.")
    expect(form.get_by_role("button", name="Upload", exact=True)).to_be_enabled()

    # Again, to the end: the page reloads with the file listed.
    form.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_function("(el) => el.value > 0 && el.value < 100", arg=bar.element_handle(), timeout=10_000)
    expect(page.get_by_role("status").filter(has_text="handout.pdf uploaded.")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("link", name="handout.pdf")).to_have_count(1)
    page_log.assert_clean()
