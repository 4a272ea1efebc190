"""Browser fixtures: a live server on its own database, Debian's Chromium driven by Playwright, axe-core.

The browser is never downloaded: it is ``CHROMIUM_PATH`` or ``/usr/bin/chromium``. When it is
missing the tests skip locally and fail in CI (``CONTINUUM_REQUIRE_SERVICES=1``).

Data written through the live server is committed for real (there is no rollback around a
request served by another thread), so every test creates its own users with unique emails.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import Outbox, base_config, require_postgres, service_missing, upgrade_database

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000
BLOCKING_IMPACTS = ("serious", "critical")


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


# --- the live server ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured and configured.startswith("postgres"):
        return require_postgres("live")
    return f"sqlite:///{tmp_path_factory.mktemp('live-db') / 'live.db'}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, live_database_url):
    """The app served by Werkzeug on 127.0.0.1 and a free port, in a daemon thread."""
    from werkzeug.serving import make_server

    from lms import create_app

    app = create_app(base_config(tmp_path_factory.mktemp("live-app"), live_database_url))
    upgrade_database(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url  # links in emails point at this server
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield app, url
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        from lms.extensions import db

        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_app(live_server):
    return live_server[0]


@pytest.fixture(scope="session")
def live_url(live_server) -> str:
    return live_server[1]


@pytest.fixture
def outbox(live_app):
    """The live app's outbox. Not cleared: other tests' mail stays, so look it up by recipient."""
    return Outbox(Path(live_app.config["MAIL_OUTBOX"]))


@pytest.fixture
def unique_email():
    return lambda prefix="learner": f"{prefix}.{uuid.uuid4().hex[:12]}@example.org"


@pytest.fixture
def make_live_user(live_app, unique_email):
    """Create and commit a verified user in the live app's database; returns (email, password)."""
    from lms.extensions import db
    from tests.factories import PASSWORD, make_user

    def make(**fields):
        email = fields.pop("email", None) or unique_email("user")
        with live_app.app_context():
            make_user(email=email, **fields)
            db.session.commit()
        return email, fields.get("password", PASSWORD)

    return make


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    executable = chromium_path()
    if not (Path(executable).is_file() and os.access(executable, os.X_OK)) and not shutil.which(executable):
        service_missing(f"Chromium not found at {executable} (apt-get install chromium, or set CHROMIUM_PATH)")
    try:
        browser = playwright_driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:
        service_missing(f"Chromium at {executable} did not start: {exc}")
    yield browser
    browser.close()


@dataclass
class PageLog:
    """What the page reported while the test ran: console errors, CSP violations, failed requests."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def on_console(self, message) -> None:
        text = message.text
        where = (message.location or {}).get("url", "")
        if "Content Security Policy" in text:
            self.csp_violations.append(f"{text} ({where})")
        elif message.type == "error" and not text.startswith("Failed to load resource: the server responded"):
            # A non-2xx document (a 422 form, a 401 login) logs "Failed to load resource" on purpose;
            # failed sub-resources are caught precisely by on_response instead.
            self.console_errors.append(f"{text} ({where})")

    def on_page_error(self, error) -> None:
        self.console_errors.append(f"uncaught {error}")

    def on_csp_event(self, description: str) -> None:
        self.csp_violations.append(description)

    def on_response(self, response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.failed_requests.append(f"{response.status} {response.url}")

    def on_request_failed(self, request) -> None:
        # ERR_ABORTED is a sub-resource cancelled because the test moved on to the next page.
        if request.resource_type != "document" and "ERR_ABORTED" not in (request.failure or ""):
            self.failed_requests.append(f"{request.failure} {request.url}")

    def problems(self) -> list[str]:
        return ([f"console error: {e}" for e in self.console_errors]
                + [f"CSP violation: {v}" for v in self.csp_violations]
                + [f"failed request: {r}" for r in self.failed_requests])

    def assert_clean(self) -> None:
        problems = self.problems()
        if problems:
            pytest.fail("the page reported problems:\n  " + "\n  ".join(problems))


# Runs in every document before its own scripts, through DevTools (so the CSP does not apply to it).
_REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__continuumReportCsp(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${e.documentURI}`);
});
"""


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def context(browser, live_url):
    context = browser.new_context(base_url=live_url, reduced_motion="reduce", viewport={"width": 1280, "height": 900},
                                  locale="en-US", timezone_id="UTC")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context, page_log):
    page = context.new_page()
    page.on("console", page_log.on_console)
    page.on("pageerror", page_log.on_page_error)
    page.on("response", page_log.on_response)
    page.on("requestfailed", page_log.on_request_failed)
    page.expose_function("__continuumReportCsp", page_log.on_csp_event)
    page.add_init_script(_REPORT_CSP)
    yield page
    page.close()


# --- accessibility -----------------------------------------------------------------------------


def _axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


_AXE_SOURCE: str | None = None


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v.get('impact')}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", [])[:10]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


def axe_run(page) -> list[dict]:
    """Every axe-core violation on the page as it is now."""
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = _axe_source()
    page.wait_for_load_state("load")
    # The app's CSP forbids inline <script> (so page.add_script_tag(content=...) is blocked);
    # page.evaluate goes through DevTools and is not subject to the page's CSP.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_AXE_SOURCE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def axe_check(page, *, impacts=BLOCKING_IMPACTS) -> list[dict]:
    """Fail on any serious or critical axe-core violation; return all of them (minor ones too)."""
    violations = axe_run(page)
    blocking = [v for v in violations if v.get("impact") in impacts]
    if blocking:
        pytest.fail(f"axe-core found {len(blocking)} {'/'.join(impacts)} accessibility violation(s) on "
                    f"{page.url}:\n{format_violations(blocking)}")
    return violations


def answer_evaluation(page, change: str) -> None:
    """Agree with every rating on the evaluation page the browser is opening, name a change, submit.

    Waits for the form first: ``locator(...).all()`` does not wait, so on the page being left it
    finds no fieldset and the form would go in unanswered.
    """
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="Evaluate this activity")).to_be_visible()
    for fieldset in page.locator("fieldset").all():
        fieldset.get_by_label("Agree", exact=True).check()
    page.get_by_label("What one specific change will you make in your practice?").fill(change)
    page.get_by_role("button", name="Submit evaluation").click()
