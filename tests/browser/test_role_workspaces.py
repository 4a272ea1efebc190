"""Each role's home, walked in Chromium: what a learner, a practice manager, an educator and an
administrator see on the dashboard and in the activity hub; a crawl from each dashboard that must reach,
within two clicks, every page the role may use (and meet no error and no link the role is refused);
axe on each; a nav focus ring that shows on the teal bar."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Links a crawl does not follow: they change state, download files or leave the app.
SKIP = re.compile(r"(\.csv|\.pdf|\.zip|\.ics|\.json|\.jwt|/download|/logout|/feed/|/room$|/verify/)")


def login(page: Page, email: str, password: str):
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password\b")).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("#", "mailto:", "javascript:")):
                self.hrefs.append(href)


def crawl(page: Page, base: str, depth: int = 2) -> dict[str, int]:
    """Paths reachable from the dashboard in at most ``depth`` clicks (nav menus included), with
    their status codes, fetched with the browser's own session."""
    seen: dict[str, int] = {}
    frontier = ["/dashboard"]
    host = urlsplit(base).netloc
    for _ in range(depth + 1):
        following = []
        for path in frontier:
            if path in seen:
                continue
            response = page.request.get(path, max_redirects=0)
            seen[path] = response.status
            if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            parser = _Links()
            parser.feed(response.text())
            for href in parser.hrefs:
                url = urlsplit(urljoin(base + path, href))
                target = url.path + (f"?{url.query}" if url.query else "")
                if url.netloc == host and not SKIP.search(url.path) and target not in seen:
                    following.append(target)
        frontier = list(dict.fromkeys(following))
    return seen


def reached(seen: dict[str, int], pattern: str) -> bool:
    return any(re.fullmatch(pattern, path) and status == 200 for path, status in seen.items())


@pytest.fixture(scope="module")
def world(live_app):
    from decimal import Decimal

    from lms.extensions import db
    from lms.types import utcnow
    from meetings import services as meeting_services
    from tests.factories import (PASSWORD, complete_course, make_assignment, make_course, make_meeting, make_member,
                                 make_org, make_team, make_user)

    tag = uuid.uuid4().hex[:6]
    email = lambda who: f"{who}.{tag}@example.org"  # noqa: E731
    with live_app.app_context():
        provider = make_org(name=f"Northbridge CME {tag}", kind="provider", is_accredited_provider=True)
        practice = make_org(name=f"Riverside {tag}")
        educator = make_member(provider, make_user(email=email("educator"), first_name="Elena"), role="educator").user
        manager = make_member(practice, make_user(email=email("manager"), first_name="Marcus"), role="manager").user
        learner = make_member(practice, make_user(email=email("learner"), first_name="Priya", last_name="Raman"))
        make_member(provider, learner.user)
        make_team(practice, name="Clinical staff", members=[learner])
        admin = make_user(email=email("admin"), first_name="Ada", admin=True)
        course = make_course(provider, author=educator, title=f"Opioid prescribing {tag}")
        enrolment = complete_course(learner.user, course)
        enrolment.evaluation_submitted_at = utcnow()
        make_assignment(practice, manager, course=course, due_on=utcnow().date() - timedelta(days=2))
        huddle = make_meeting(practice, manager, title=f"Staff huddle {tag}", open_to_org=True)
        meeting_services.add_action_item(manager, huddle, text="Restock the crash cart", owner_id=manager.id,
                                         due_on=None, now=utcnow())
        rounds = make_meeting(provider, educator, title=f"Grand rounds {tag}", category="education",
                              designations={"ama_pra_1": Decimal("1")}, open_to_org=True)
        db.session.commit()
        # Site administrators always sign in with a second factor: the admin has an authenticator app.
        from lms.mfa import services as mfa
        from tests.browser.test_identity_journeys import code
        admin_codes = mfa.confirm_totp(admin, code(mfa.start_totp(admin, now=utcnow())), now=utcnow())
        db.session.commit()
        return dict(tag=tag, password=PASSWORD, educator=educator.email, manager=manager.email,
                    learner=learner.user.email, admin=admin.email, admin_codes=admin_codes, course=course.id, provider=provider.id,
                    practice=practice.id, huddle=huddle.id, rounds=rounds.id, title=f"Opioid prescribing {tag}")


def check_crawl(page: Page, live_url: str, must_reach: list[str]):
    seen = crawl(page, live_url)
    errors = {p: s for p, s in seen.items() if s >= 500}
    assert not errors, f"server errors: {errors}"
    refused = {p: s for p, s in seen.items() if s in (403, 404)}
    assert not refused, f"links this role is shown but may not follow: {refused}"
    missing = [p for p in must_reach if not reached(seen, p)]
    assert not missing, f"not reachable within two clicks of the dashboard: {missing}\nreached: {sorted(seen)}"
    return seen


def test_the_learner_sees_credit_to_claim_and_reaches_every_page_of_theirs(page: Page, page_log, world, live_url):
    login(page, world["learner"], world["password"])
    todo = page.get_by_role("region", name="Credit to claim")
    expect(todo).to_contain_text(world["title"])
    expect(todo.get_by_role("link", name=re.compile(r"^Claim credit"))).to_be_visible()
    expect(page.get_by_role("button", name="Manage")).to_have_count(0)
    expect(page.get_by_role("heading", name="Your practice")).to_have_count(0)
    axe_check(page)
    page.get_by_role("region", name="Credit to claim").get_by_role("link", name=re.compile(r"^Claim credit")).click()
    expect(page).to_have_url(re.compile(rf"/credits/claim/course/{world['course']}$"))
    check_crawl(page, live_url, [
        "/courses/", "/courses/mine", "/credits/transcript", "/credits/requirements", "/certificates/",
        "/meetings/", "/orgs/", "/profile", "/auth/password/change", rf"/courses/{world['course']}",
        rf"/credits/claim/course/{world['course']}"])
    page_log.assert_clean()


def test_the_manager_sees_the_practice_and_reaches_every_page_they_manage(page: Page, page_log, world, live_url):
    login(page, world["manager"], world["password"])
    practice = page.get_by_role("region", name="Your practice")
    expect(practice).to_contain_text("compliant overall")
    expect(practice).to_contain_text("Overdue staff")
    expect(practice).to_contain_text("Marcus")  # the learner completed it; the manager has not
    expect(practice.get_by_role("img", name=re.compile("Compliance by training"))).to_be_visible()
    expect(practice).to_contain_text(f"Staff huddle {world['tag']}")
    expect(practice).to_contain_text("Restock the crash cart")
    axe_check(page)
    page.get_by_role("button", name="Manage").click()
    menu = page.locator(".manage-menu")
    expect(menu.get_by_role("link", name=re.compile(r"^Compliance"))).to_be_visible()
    menu.get_by_role("link", name=re.compile(r"^Assign training")).click()
    expect(page).to_have_url(re.compile(rf"/training/orgs/{world['practice']}/assignments$"))
    org = world["practice"]
    check_crawl(page, live_url, [
        rf"/training/orgs/{org}/compliance", rf"/training/orgs/{org}/assignments", rf"/orgs/{org}/members",
        rf"/orgs/{org}/teams", rf"/training/orgs/{org}/roster", rf"/meetings/orgs/{org}/new",
        rf"/meetings/{world['huddle']}", rf"/training/orgs/{org}/people/\d+", "/meetings/",
        rf"/workspace/orgs/{org}/activities", rf"/courses/manage/{org}", rf"/certificates/templates/org/{org}"])
    page_log.assert_clean()


def test_the_educator_sees_activities_and_the_hub_and_reaches_every_tool(page: Page, page_log, world, live_url):
    login(page, world["educator"], world["password"])
    teaching = page.get_by_role("region", name="Your activities")
    expect(teaching).to_contain_text(world["title"])
    expect(teaching.get_by_role("row", name=re.compile(world["title"]))).to_contain_text("Published")
    axe_check(page)

    teaching.get_by_role("link", name=world["title"]).click()
    hub = page.get_by_role("navigation", name="Activity hub")
    for tab in ("Overview", "Content", "People and disclosures", "Credit and claims", "Certificates",
                "Evaluation and reports", "Exports"):
        expect(hub.get_by_role("link", name=tab)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("From enrolment to credit"))).to_be_visible()
    axe_check(page)
    hub.get_by_role("link", name="Credit and claims").click()
    expect(page.get_by_role("heading", name="Credit and claims")).to_be_visible()
    expect(page.get_by_text("1 learner has claimed credit", exact=False)).to_have_count(0)
    page.get_by_role("link", name="Claims", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/credits/activities/course/{world['course']}/claims$"))
    page.go_back()
    hub.get_by_role("link", name="Evaluation and reports").click()
    expect(page.get_by_role("img", name=re.compile("Evaluation answers"))).to_be_visible()
    axe_check(page)

    org, course = world["provider"], world["course"]
    check_crawl(page, live_url, [
        rf"/workspace/orgs/{org}/activities", rf"/courses/manage/{org}", rf"/certificates/templates/org/{org}",
        rf"/meetings/orgs/{org}/new", rf"/workspace/hub/course/{course}(\?tab=overview)?",
        rf"/workspace/hub/meeting/{world['rounds']}", rf"/credits/activities/course/{course}/claims",
        rf"/certificates/activities/course/{course}", rf"/courses/{course}/edit", rf"/courses/{course}/reports"])
    page_log.assert_clean()


def test_the_administrator_sees_the_site_and_reaches_accounts_and_audit(page: Page, page_log, world, live_url):
    page.goto("/auth/login")
    page.get_by_label("Email").fill(world["admin"])
    page.get_by_label(re.compile(r"^Password\b")).fill(world["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/mfa/verify$"))
    page.get_by_label(re.compile("^Code")).fill(world["admin_codes"][0])
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("region", name="Site administration")).to_contain_text("accounts")
    axe_check(page)
    check_crawl(page, live_url, ["/admin/users", "/admin/audit", "/orgs/", "/profile"])
    page_log.assert_clean()


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])


def test_the_nav_focus_ring_is_visible_on_the_teal_bar(page: Page, page_log, world):
    login(page, world["manager"], world["password"])
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog", exact=True)
    for _ in range(10):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    expect(link).to_be_focused()
    style = link.evaluate("""el => { const s = getComputedStyle(el);
        return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
                bar: getComputedStyle(el.closest('nav')).backgroundColor}; }""")
    assert style["style"] != "none" and style["width"] >= 2, style
    ratio = contrast(rgb(style["color"]), rgb(style["bar"]))
    assert ratio >= 3, f"focus ring contrast {ratio:.2f}:1 against the bar ({style})"
    # Unfocused, the same link has no ring: the check sees the difference.
    page.locator("main").focus()
    assert link.evaluate("el => getComputedStyle(el).outlineStyle") == "none"
    page_log.assert_clean()


@pytest.mark.parametrize("size", [(390, 844)])
def test_on_a_phone_the_dashboards_fit_the_screen(page: Page, page_log, world, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    for who in ("manager", "educator", "learner"):
        page.context.clear_cookies()
        login(page, world[who], world["password"])
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the {who}'s dashboard scrolls sideways by {overflow}px on a phone"
    page_log.assert_clean()
