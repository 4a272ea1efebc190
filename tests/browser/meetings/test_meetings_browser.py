"""Meetings in a real browser, against a local stand-in for Jitsi's external_api.js.

Jitsi cannot run here: a loopback static server plays https://JITSI_DOMAIN (JITSI_SCHEME=http), so
these tests prove the wiring (options, token, events, fallback), not Jitsi itself.
"""

from __future__ import annotations

import functools
import re
import socket
import threading
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEFAULT_TIMEOUT_MS, axe_check

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECRET = "browser-test-prosody-secret-0123456789"
HERE = Path(__file__).parent


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def stub_server():
    handler = functools.partial(_Quiet, directory=str(HERE))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _configure(live_app, **settings):
    saved = {k: live_app.config.get(k) for k in settings}
    live_app.config.update(settings)
    return saved


@pytest.fixture
def jitsi_stub(live_app, stub_server, tmp_path):
    # The stand-in is served as /external_api.js at the "Jitsi domain".
    (HERE / "external_api.js").write_text((HERE / "fake_external_api.js").read_text())
    saved = _configure(live_app, JITSI_DOMAIN=stub_server, JITSI_SCHEME="http", JITSI_MODE="selfhosted",
                       JITSI_APP_ID="continuum", JITSI_APP_SECRET=SECRET, JITSI_AUDIENCE="jitsi")
    yield stub_server
    live_app.config.update(saved)
    (HERE / "external_api.js").unlink(missing_ok=True)


@pytest.fixture
def dead_jitsi(live_app):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens: the script cannot load
    saved = _configure(live_app, JITSI_DOMAIN=f"127.0.0.1:{port}", JITSI_SCHEME="http", JITSI_MODE="public")
    yield f"127.0.0.1:{port}"
    live_app.config.update(saved)


def seed(live_app, unique_email, *, start_offset=-1, passcode=None, with_meeting=True):
    from lms.extensions import db
    from lms.types import utcnow
    from tests.factories import make_meeting, make_member, make_org, make_team, make_user

    with live_app.app_context():
        org = make_org()
        host = make_member(org, make_user(email=unique_email("host"), first_name="Marcus", last_name="Bell"),
                           role="manager").user
        staff = make_member(org, make_user(email=unique_email("staff"), first_name="Tess", last_name="Moreno"))
        team = make_team(org, name="Front office", members=[staff])
        meeting = None
        if with_meeting:
            meeting = make_meeting(org, host, title="Huddle", starts_at=utcnow() + timedelta(minutes=start_offset),
                                   teams=[team], passcode=passcode)
        db.session.commit()
        return {"org": org.id, "host": host.email, "host_id": host.id, "host_name": host.full_name,
                "staff": staff.user.email, "meeting": meeting.id if meeting else None,
                "room": meeting.room_name if meeting else None}


def login(page: Page, email: str):
    from tests.factories import PASSWORD

    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password\b")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def presence_posted(response) -> bool:
    return response.url.endswith("/presence") and response.request.method == "POST"


def test_room_embeds_jitsi_with_token_and_reports_presence(page: Page, page_log, live_app, jitsi_stub, unique_email):
    world = seed(live_app, unique_email, passcode="4821")
    login(page, world["host"])
    page.goto(f"/meetings/{world['meeting']}/room")

    frame = page.locator("#jitsi-room iframe")
    expect(frame).to_have_attribute("data-room", world["room"])
    expect(page.get_by_text("Non-clinical meeting.")).to_be_visible()
    state = page.locator("#room-state")
    expect(state).to_have_attribute("data-state", "ready")
    expect(state.get_by_role("link", name=re.compile("^Open in a new tab"))).to_be_visible()
    token = frame.get_attribute("data-jwt")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi")
    assert claims["room"] == world["room"] and claims["context"]["user"]["id"] == str(world["host_id"])
    assert claims["context"]["user"]["moderator"] == "true"
    options = page.evaluate("() => window.__jitsi.api.options")
    assert options["roomName"] == world["room"] and options["jwt"] == token
    assert page.evaluate("() => window.__jitsi.api.domain") == jitsi_stub
    assert token not in page.url

    with page.expect_response(lambda r: presence_posted(r) and r.status == 204):
        page.evaluate("() => window.__jitsi.api.__emit('videoConferenceJoined', {id: 'a1b2c3', roomName: 'x'})")
    expect(state).to_have_attribute("data-state", "connected")
    expect(state.get_by_role("status")).to_have_text("Connected: you have joined the meeting.")
    # Offline: one banner, in the same place, with a retry; back online, connected again.
    page.context.set_offline(True)
    expect(state).to_have_attribute("data-state", "offline")
    expect(page.locator(".alert[data-state], #room-state ~ .alert")).to_have_count(1)
    expect(state.get_by_role("button", name="Retry")).to_be_visible()
    page.context.set_offline(False)
    expect(state).to_have_attribute("data-state", "connected")
    # The passcode goes only once a moderator role is reported for us.
    assert page.evaluate("() => window.__jitsi.commands") == []
    page.evaluate("() => window.__jitsi.api.__emit('participantRoleChanged', {id: 'someone-else', role: 'moderator'})")
    assert page.evaluate("() => window.__jitsi.commands") == []
    page.evaluate("() => window.__jitsi.api.__emit('participantRoleChanged', {id: 'a1b2c3', role: 'moderator'})")
    assert page.evaluate("() => window.__jitsi.commands") == [{"name": "password", "args": ["4821"]}]
    axe_check(page)
    with page.expect_response(lambda r: presence_posted(r) and r.status == 204):
        page.evaluate("() => window.__jitsi.api.__emit('videoConferenceLeft', {roomName: 'x'})")

    # readyToClose: dispose the iframe, then back to the meeting page.
    page.evaluate("() => window.__jitsi.api.__emit('readyToClose')")
    expect(page).to_have_url(re.compile(rf"/meetings/{world['meeting']}$"))

    page.goto(f"/meetings/{world['meeting']}/attendance")
    row = page.locator("#attendance-table tbody tr", has=page.get_by_role("rowheader", name=world["host_name"]))
    expect(row).to_contain_text("Self-reported")
    axe_check(page)
    page_log.assert_clean()


def test_room_falls_back_to_a_direct_link_when_the_script_fails(page: Page, page_log, live_app, dead_jitsi,
                                                                 unique_email):
    world = seed(live_app, unique_email)
    login(page, world["host"])
    page.goto(f"/meetings/{world['meeting']}/room")
    state = page.locator("#room-state")
    expect(state).to_have_attribute("data-state", "failed")
    expect(state).to_contain_text("could not load")
    expect(state.get_by_role("button", name="Retry")).to_be_visible()
    link = state.get_by_role("link", name=re.compile("^Open in a new tab"))
    expect(link).to_have_attribute("href", f"http://{dead_jitsi}/{world['room']}")
    expect(page.locator("#jitsi-room iframe")).to_have_count(0)
    assert page_log.csp_violations == []
    assert all("external_api.js" in r for r in page_log.failed_requests)


def test_a_hanging_network_shows_connecting_then_fails_after_the_timeout(page: Page, page_log, live_app, jitsi_stub,
                                                                         unique_email):
    """A proxy that never answers for external_api.js: a spinner saying so, then a failure with retry."""
    world = seed(live_app, unique_email)
    saved = _configure(live_app, MEETING_ROOM_TIMEOUT_SECONDS=2)
    try:
        login(page, world["host"])
        page.route("**/external_api.js", lambda route: None)  # never fulfilled: the request hangs
        page.goto(f"/meetings/{world['meeting']}/room", wait_until="domcontentloaded")
        state = page.locator("#room-state")
        expect(state).to_have_attribute("data-state", "connecting")
        expect(state.get_by_role("status")).to_have_text("Connecting to the video room…")
        expect(state.locator(".spinner-border")).to_be_visible()
        expect(state.get_by_role("link", name=re.compile("^Open in a new tab"))).to_be_visible()
        expect(state).to_have_attribute("data-state", "failed", timeout=6000)
        expect(state).to_contain_text("did not connect within 2 seconds")
        expect(state.get_by_role("button", name="Retry")).to_be_visible()
        expect(state.locator(".spinner-border")).to_be_hidden()
    finally:
        live_app.config.update(saved)
        page.unroute("**/external_api.js")
    assert page_log.console_errors == []


def test_manager_journey_and_staff_ics(page: Page, page_log, browser, live_app, live_url, jitsi_stub, unique_email,
                                       outbox):
    from datetime import datetime, timezone

    world = seed(live_app, unique_email, with_meeting=False)
    login(page, world["host"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", name="Meetings")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=re.compile("Schedule a meeting")).click()
    axe_check(page)

    now = datetime.now(timezone.utc)
    page.get_by_label(re.compile("^Title")).fill("Weekly huddle")
    page.get_by_label("Kind of meeting").select_option(label="Staff training")
    page.get_by_label("Agenda").fill("1. Rota\n2. **Fire drill**")
    page.get_by_label("Time zone").select_option("UTC")
    page.get_by_label(re.compile("^Starts")).fill((now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(re.compile("^Ends")).fill((now + timedelta(minutes=59)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("group", name="Invite teams").get_by_label("Front office").check()
    page.get_by_role("button", name="Save meeting").click()

    expect(page.get_by_role("heading", name="Weekly huddle")).to_be_visible()
    expect(page.get_by_text("invitations are on their way")).to_be_visible()
    axe_check(page)
    invite = [m for m in outbox.messages if m["To"] == world["staff"]]
    assert invite and any(p.get_content_type() == "text/calendar" for p in invite[-1].iter_attachments())

    page.get_by_role("link", name="Join the meeting").click()
    expect(page.locator("#jitsi-room iframe")).to_have_count(1)
    with page.expect_response(lambda r: presence_posted(r) and r.status == 204):
        page.evaluate("() => window.__jitsi.api.__emit('videoConferenceJoined', {id: 'mgr1', roomName: 'x'})")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="End meeting").click()

    expect(page.get_by_role("heading", name="Attendance report")).to_be_visible()
    expect(page.locator("#attendance-table")).to_contain_text(world["host_name"])
    expect(page.locator("#attendance-table")).to_contain_text("Tess Moreno")  # invited, absent
    axe_check(page)

    page.get_by_role("link", name="Meeting page").click()
    page.get_by_role("textbox", name="Minutes").fill("Fire drill on **Friday**. Rota agreed.")
    page.get_by_role("button", name="Save minutes").click()
    expect(page.locator("#meeting-minutes .markdown strong")).to_have_text("Friday")
    meeting_url = page.url

    staff_context = browser.new_context(base_url=live_url, accept_downloads=True)
    staff_context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    staff_page = staff_context.new_page()
    try:
        login(staff_page, world["staff"])
        staff_page.goto(meeting_url)
        expect(staff_page.get_by_text("Rota agreed.")).to_be_visible()
        with staff_page.expect_download() as download_info:
            staff_page.get_by_role("link", name="Add to calendar (.ics)").click()
        body = Path(download_info.value.path()).read_text()
        assert "BEGIN:VCALENDAR" in body and "SUMMARY:Weekly huddle" in body
        staff_page.get_by_role("button", name=re.compile("read and signed")).click()
        expect(staff_page.get_by_text("You read and signed these minutes")).to_be_visible()
    finally:
        staff_context.close()
    page_log.assert_clean()
