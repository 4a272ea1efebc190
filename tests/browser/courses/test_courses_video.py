"""An uploaded video plays, is served with ranges, reports its position, and counts as watched.

There is no video file in the repository: Chromium records a two-second WebM of a canvas with
MediaRecorder, the test uploads it through the lesson editor, and a learner then plays it.
"""

from __future__ import annotations

import base64
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_check
from tests.browser.courses.test_courses_journeys import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECORD_WEBM = """
async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 160; canvas.height = 120;
  const ctx = canvas.getContext("2d");
  const stream = canvas.captureStream(15);
  const recorder = new MediaRecorder(stream, { mimeType: "video/webm" });
  const chunks = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  let frame = 0;
  const timer = setInterval(() => { ctx.fillStyle = frame++ % 2 ? "#0b5563" : "#ffffff"; ctx.fillRect(0, 0, 160, 120); }, 60);
  const done = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start(250);
  await new Promise((r) => setTimeout(r, 2000));
  recorder.stop();
  await done;
  clearInterval(timer);
  const buffer = await new Blob(chunks, { type: "video/webm" }).arrayBuffer();
  let binary = "";
  new Uint8Array(buffer).forEach((b) => { binary += String.fromCharCode(b); });
  return btoa(binary);
}
"""


@pytest.fixture
def video_course(live_app, unique_email):
    from lms.extensions import db
    from tests.factories import make_course, make_member, make_org, make_user

    with live_app.app_context():
        org = make_org(name=f"Video provider {uuid.uuid4().hex[:6]}", kind="provider")
        educator = make_user(email=unique_email("video-educator"))
        make_member(org, educator, role="educator")
        learner = make_user(email=unique_email("video-learner"))
        course = make_course(org, author=educator, publish=False, quiz=False, lessons=0, require_evaluation=False,
                             title=f"Video course {uuid.uuid4().hex[:6]}")
        db.session.commit()
        return {"course": course.id, "module": course.draft_version.modules[0].id, "educator": educator.email,
                "learner": learner.email}


def test_video_upload_playback_and_watched_threshold(page: Page, page_log, video_course):
    c = video_course["course"]
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, video_course["educator"])
    page.goto(f"/courses/{c}/edit/content")
    webm = base64.b64decode(page.evaluate(RECORD_WEBM))
    assert webm[:4] == b"\x1a\x45\xdf\xa3"

    page.get_by_label("New lesson title").fill("Watch this")
    page.get_by_label("Kind").select_option("video")
    page.get_by_role("button", name="Add lesson").click()
    page.get_by_label(re.compile("MP4 or WebM")).set_input_files(
        {"name": "clip.webm", "mimeType": "video/webm", "buffer": webm})
    page.get_by_role("button", name="Upload video").click()
    expect(page.get_by_role("status").filter(has_text="clip.webm uploaded.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Current video: clip\.webm"))).to_be_visible()  # the page reloaded
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").filter(has_text="Published: the course is in the catalog")).to_be_visible()

    page.context.clear_cookies()
    login(page, video_course["learner"])
    page.goto(f"/courses/{c}")
    page.get_by_role("button", name="Enrol and start").click()
    expect(page.get_by_role("heading", name="Watch this")).to_be_visible()
    video = page.locator("video.course-video")
    expect(video).to_be_visible()
    axe_check(page)

    with page.expect_response(lambda r: r.url.endswith("/position") and r.request.method == "POST") as posted:
        page.evaluate("""() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }""")
        page.wait_for_function("() => document.querySelector('video').ended", timeout=15_000)
    assert posted.value.ok
    page.wait_for_function("() => document.querySelector('[data-video-status]').textContent.includes('Watched')",
                           timeout=5_000)

    page.goto(f"/courses/{c}")
    expect(page.get_by_text("Completed — ready to claim credit.")).to_be_visible()
    page_log.assert_clean()
