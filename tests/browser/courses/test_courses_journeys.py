"""The two course journeys in a real browser.

An educator creates a course with a lesson, a quiz and the evaluation, records a disclosure
(publishing is refused until the relevant relationship is mitigated) and publishes it. A
clinician finds it in the catalog, reads the lesson, fails then passes the quiz, submits the
evaluation and sees the course completed. axe-core checks each main page.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import answer_evaluation, axe_check

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def login(page: Page, email: str):
    from tests.factories import PASSWORD

    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password\b")).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def logout(page: Page):
    page.context.clear_cookies()


def label(text: str):
    return re.compile(rf"^{re.escape(text)}")


@pytest.fixture
def provider(live_app, unique_email):
    from lms.extensions import db
    from tests.factories import make_member, make_org, make_user

    with live_app.app_context():
        org = make_org(name=f"Northbridge {uuid.uuid4().hex[:6]}", kind="provider", is_accredited_provider=True)
        educator = make_user(email=unique_email("educator"), first_name="Elena")
        make_member(org, educator, role="educator")
        learner = make_user(email=unique_email("clinician"), first_name="Priya", profession="physician_md")
        db.session.commit()
        return {"org": org.id, "educator": educator.email, "learner": learner.email}


def test_educator_publishes_and_clinician_completes(page: Page, page_log, provider):
    title = f"Safer opioid prescribing {uuid.uuid4().hex[:6]}"
    page.on("dialog", lambda dialog: dialog.accept())

    # --- the educator ---
    login(page, provider["educator"])
    page.goto(f"/courses/manage/{provider['org']}")
    expect(page.get_by_role("heading", name="Courses")).to_be_visible()
    axe_check(page)
    page.get_by_label(label("Title")).fill(title)
    page.get_by_label(label("Format")).select_option("enduring")
    page.get_by_label(label("Estimated time")).fill("90")
    page.get_by_role("button", name="Create course").click()

    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.get_by_label(label("Summary")).fill("Prescribe opioids for pain more safely.")
    page.get_by_label(label("Learning objectives")).fill("Apply the 2022 CDC guideline\nTaper safely")
    page.get_by_label(label("Release date")).fill("2026-01-01")
    page.get_by_label(label("Expiry date")).fill("2028-12-31")
    page.get_by_label(label("Topics")).fill("pain management/opioids")
    page.get_by_label("Physician (MD)").check()
    page.get_by_label(label("Accreditation statement")).fill("Northbridge CME Institute is accredited by the ACCME.")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("status").filter(has_text="Details saved.")).to_be_visible()
    page.get_by_label(label("Credit type")).select_option("ama_pra_1")
    page.get_by_label(label("Maximum")).fill("1.5")
    page.get_by_role("button", name="Designate").click()
    expect(page.get_by_text("maximum 1.50")).to_be_visible()
    axe_check(page)

    # Faculty with a relevant, not yet mitigated relationship.
    page.get_by_role("link", name="Faculty and disclosures").click()
    page.get_by_label(label("Name")).fill("Dr Ana Ruiz")
    page.get_by_label(label("Credentials")).fill("MD")
    page.get_by_role("button", name="Add person").click()
    page.get_by_text("Add a financial relationship for Dr Ana Ruiz").click()
    page.get_by_label("Ineligible company").fill("Acme Pharma")
    page.get_by_label("Nature").select_option("consultant")
    page.get_by_role("button", name="Add relationship").click()
    page.get_by_label("Relevant to the content?").select_option("yes")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("status").filter(has_text="Decision saved.")).to_be_visible()
    axe_check(page)

    # Content: a module, a text lesson and a quiz.
    page.get_by_role("link", name="Modules and lessons").click()
    page.get_by_label(label("Module title")).fill("Foundations")
    page.get_by_role("button", name="Add module").click()
    page.get_by_label("New lesson title").fill("Opioid basics")
    page.get_by_label("Kind").select_option("text")
    page.get_by_role("button", name="Add lesson").click()
    # The Markdown editor's text box (EasyMDE) carries the field's label; the plain textarea is hidden behind it
    # once the editor has started (its toolbar shows), which a busy machine may take a moment to do.
    expect(page.get_by_role("toolbar", name=re.compile("^Formatting"))).to_be_visible()
    page.get_by_role("textbox", name="Text (Markdown)").fill("## Start low, go slow\n\nUse the **lowest effective dose**.")
    page.get_by_role("button", name="Save lesson").click()
    expect(page.get_by_role("status").filter(has_text="Lesson saved.")).to_be_visible()
    page.get_by_role("link", name="All modules and lessons").click()
    page.get_by_label("New lesson title").fill("Check your understanding")
    page.get_by_label("Kind").select_option("quiz")
    page.get_by_role("button", name="Add lesson").click()
    page.get_by_role("textbox", name=label("Question")).fill("What starting dose is recommended for opioid-naive patients?")
    page.get_by_label("Option 1", exact=True).fill("The highest tolerated dose")
    page.get_by_label("Option 2", exact=True).fill("The lowest effective dose")
    page.get_by_label("Option 2 is correct").check()
    page.get_by_label(label("Rationale")).fill("Start low and go slow: risk rises with dose.")
    page.get_by_role("button", name="Add question").click()
    expect(page.get_by_role("status").filter(has_text="Question added.")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Evaluation").click()
    expect(page.get_by_text("I intend to change my practice as a result of this activity.")).to_be_visible()
    axe_check(page)

    # Publishing is refused while the relevant relationship is unmitigated, and says which.
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Dr Ana Ruiz's relevant relationship with Acme Pharma (consultant) has not been mitigated.")
    page.get_by_role("link", name="Faculty and disclosures").click()
    page.get_by_label("How it was mitigated").fill("Content peer-reviewed by an independent reviewer.")
    page.get_by_role("button", name="Save decision").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status").filter(has_text="Submitted for review")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status").filter(has_text="Published: the course is in the catalog")).to_be_visible()
    page_log.assert_clean()

    # --- the clinician ---
    logout(page)
    login(page, provider["learner"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    page.get_by_role("searchbox", name="Search").fill(title.split()[-1])
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name=title).first).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text("Acme Pharma: Consultant (mitigated)")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Enrol and start").click()

    expect(page.get_by_role("heading", name="Opioid basics")).to_be_visible()
    expect(page.locator(".lesson-body strong")).to_have_text("lowest effective dose")
    axe_check(page)
    page.get_by_role("link", name="Next: Check your understanding").click()
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("The highest tolerated dose").check()
    axe_check(page)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_contain_text("Not passed")
    expect(page.get_by_text("Start low and go slow: risk rises with dose.")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Try again").click()
    page.get_by_label("The lowest effective dose").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_contain_text("Passed")

    page.get_by_role("link", name="Back to the course").click()
    page.get_by_role("link", name="Complete the evaluation").click()
    expect(page.get_by_role("heading", name="Evaluate this activity")).to_be_visible()
    axe_check(page)
    answer_evaluation(page, "Start opioid-naive patients on the lowest effective dose.")
    expect(page.get_by_text("Completed — ready to claim credit.")).to_be_visible()
    axe_check(page)

    page.goto("/dashboard")
    expect(page.get_by_role("heading", name="Completed")).to_be_visible()
    expect(page.get_by_role("link", name=title).first).to_be_visible()
    axe_check(page)
    page_log.assert_clean()

    # The educator's reports show the attempt analysis and the comment.
    logout(page)
    login(page, provider["educator"])
    page.goto(f"/courses/manage/{provider['org']}")
    page.get_by_role("link", name=re.compile(r"Reports for " + re.escape(title))).click()
    expect(page.get_by_text("2 answered · 50% correct")).to_be_visible()
    expect(page.get_by_text("Start opioid-naive patients on the lowest effective dose.")).to_be_visible()
    axe_check(page)
    page_log.assert_clean()
