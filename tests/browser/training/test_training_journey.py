"""Practice management in a real browser.

A manager imports a roster (a new nurse and her team), assigns the HIPAA course to the team with
annual recurrence, the nurse sets her password from the welcome email, finds the course at the top
of her dashboard and completes it, and the manager's compliance cell turns complete. axe-core
checks each page on the way.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW_PASSWORD = "a long and memorable passphrase 42"


def login(page: Page, email: str, password: str):
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password\b")).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


@pytest.fixture
def world(live_app, unique_email):
    from lms.extensions import db
    from tests.factories import PASSWORD, make_course, make_member, make_org, make_user

    with live_app.app_context():
        tag = uuid.uuid4().hex[:6]
        practice = make_org(name=f"Riverside {tag}")
        manager = make_user(email=unique_email("manager"), first_name="Marcus")
        make_member(practice, manager, role="manager")
        course = make_course(make_org(kind="provider", is_accredited_provider=True),
                             title=f"HIPAA privacy and security {tag}", quiz=False)
        course.current_version.require_evaluation = False  # one lesson read is a completion here
        db.session.commit()
        return {"org": practice.id, "manager": manager.email, "password": PASSWORD, "course": course.id,
                "title": f"HIPAA privacy and security {tag}", "nurse": unique_email("nurse")}


def test_manager_imports_assigns_and_sees_the_cell_turn_complete(page: Page, page_log, world, outbox, tmp_path):
    org, title, nurse = world["org"], world["title"], world["nurse"]
    login(page, world["manager"], world["password"])

    # 1. Import the roster.
    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name=re.compile(r"^Roster import")).click()
    expect(page.get_by_role("heading", name="Staff roster")).to_be_visible()
    axe_check(page)
    csv_file = tmp_path / "staff.csv"
    csv_file.write_text("name,email,role,team,profession,job title\n"
                        f"Nora Quinn,{nurse},member,Clinical,nurse,Practice nurse\n", encoding="utf-8")
    page.get_by_label("CSV file (UTF-8)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#roster-summary")).to_contain_text("1 new account")
    expect(page.get_by_role("cell", name="Nora Quinn")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Confirm and import").click()
    expect(page.get_by_text("Imported: 1 new")).to_be_visible()

    # 2. Assign HIPAA to the team, every 12 months from completion.
    page.goto(f"/training/orgs/{org}/assignments")
    page.get_by_label("Course or minutes").select_option(label=title)
    page.get_by_label("A team").check()
    page.get_by_label("Team", exact=True).select_option(label="Clinical")
    page.get_by_role("textbox", name="Due date").fill((date.today() + timedelta(days=20)).isoformat())
    page.get_by_label(re.compile(r"^Repeat every")).fill("12")
    axe_check(page)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text(f"{title} is assigned to Team: Clinical.")).to_be_visible()
    expect(page.get_by_role("cell", name="Every year, counted from each completion")).to_be_visible()

    page.goto(f"/training/orgs/{org}/compliance")
    cell = page.get_by_role("link", name=f"Nora Quinn, {title}: Due soon")
    expect(cell).to_be_visible()
    axe_check(page)

    # 3. The nurse sets her password from the welcome email, and completes the course.
    page.context.clear_cookies()
    page.goto(outbox.last_link(nurse))
    page.get_by_label(re.compile(r"^New password")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^Repeat new password")).fill(NEW_PASSWORD)
    page.get_by_role("button", name=re.compile("password", re.IGNORECASE)).click()
    login(page, nurse, NEW_PASSWORD)
    section = page.get_by_role("region", name="My required training")
    expect(section.get_by_text("Due soon")).to_be_visible()
    axe_check(page)
    section.get_by_role("button", name=f"Start {title}").click()
    page.get_by_role("button", name="I have read the disclosures: start").click()
    expect(page.get_by_role("heading", name="Lesson 1")).to_be_visible()
    page.goto("/dashboard")
    expect(page.get_by_role("region", name="My required training").get_by_text("Complete")).to_be_visible()

    # 4. The manager's matrix shows it complete, at 100%.
    page.context.clear_cookies()
    login(page, world["manager"], world["password"])
    page.goto(f"/training/orgs/{org}/compliance")
    done = page.get_by_role("link", name=f"Nora Quinn, {title}: Complete")
    expect(done).to_be_visible()
    expect(page.get_by_text("100% compliant overall")).to_be_visible()
    done.click()
    expect(page.get_by_role("heading", name="Nora Quinn")).to_be_visible()
    axe_check(page)
    page_log.assert_clean()
