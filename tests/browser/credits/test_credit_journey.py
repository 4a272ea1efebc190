"""A clinician completes a course, claims 1.25 of a 1.5 maximum, sees it on the transcript and
in licence progress, downloads the transcript PDF, then downloads the certificate the claim
issued and opens its public verification page from the code."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import answer_evaluation, axe_check

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def course(live_app, unique_email):
    from lms.extensions import db
    from tests.factories import make_course, make_member, make_org, make_user

    with live_app.app_context():
        org = make_org(name="Northbridge CME Institute", kind="provider", is_accredited_provider=True)
        author = make_member(org, make_user(email=unique_email("educator")), role="educator").user
        course = make_course(org, author=author, title="Opioid prescribing: safer pain management",
                             designations=(("ama_pra_1", "1.5"),), topics=("pain management/opioids",))
        db.session.commit()
        return course.id


def test_clinician_claims_credit_and_tracks_a_licence(page: Page, page_log, course, make_live_user):
    email, password = make_live_user(profession="physician_md", first_name="Priya", last_name="Raman")
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password\b")).fill(password)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"/courses/{course}")
    page.get_by_role("button", name="Enrol and start").click()
    page.get_by_role("link", name="Next: Check your understanding").click()
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_role("group", name="Pick B").get_by_label("B", exact=True).check()
    multiple = page.get_by_role("group", name="Pick A and C")
    multiple.get_by_label("A", exact=True).check()
    multiple.get_by_label("C", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_contain_text("Passed")
    page.get_by_role("link", name="Back to the course").click()
    page.get_by_role("link", name="Complete the evaluation").click()
    answer_evaluation(page, "Taper more slowly.")

    # The button in the "Completed" notice: the page header has a phone-only copy, which a busy
    # machine can find visible before the stylesheet has hidden it on this desktop viewport.
    page.get_by_role("status").get_by_role("link", name="Claim credit", exact=True).click()
    expect(page.get_by_text("designates this enduring material for a maximum of 1.5 AMA PRA Category 1 "
                            "Credits™")).to_be_visible()
    axe_check(page)
    amount = page.get_by_role("textbox", name=re.compile(r"^AMA PRA Category 1 Credit™"))
    amount.fill("1.3")
    page.get_by_label(re.compile("commensurate")).check()
    page.get_by_role("button", name="Claim credit").click()
    expect(page.get_by_text("claimed in steps of 0.25")).to_be_visible()
    page.get_by_role("textbox", name=re.compile(r"^AMA PRA Category 1 Credit™")).fill("1.25")
    page.get_by_label(re.compile("commensurate")).check()
    page.get_by_role("button", name="Claim credit").click()

    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Opioid prescribing: safer pain management")
    expect(row).to_contain_text("1.25")
    axe_check(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requirements").click()
    page.get_by_label("Requirement", exact=True).select_option("ca-md")
    page.get_by_label("Your cycle ends on").fill("2027-06-30")
    page.get_by_role("button", name="Track this requirement").click()
    expect(page.get_by_text("1.25 of 50 counted.")).to_be_visible()
    expect(page.get_by_text("48.75 to go")).to_be_visible()
    axe_check(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Transcript").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = download.value
    data = open(pdf.path(), "rb").read()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Priya Raman" in text and "Opioid prescribing" in text and "1.25" in text

    # The claim issued a certificate: download it, then verify it publicly from its code.
    page.get_by_role("row").filter(has_text="Opioid prescribing").get_by_role("link", name="Certificate").click()
    expect(page.get_by_role("heading", name=re.compile("Certificate"))).to_be_visible()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    certificate = open(download.value.path(), "rb").read()
    certificate_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate)).pages)
    code = page.locator("a.font-monospace").inner_text()
    assert "Priya Raman" in certificate_text and code in certificate_text and "1.25" in certificate_text

    page.context.clear_cookies()  # verification is public: no login
    page.goto("/verify")
    page.get_by_label(re.compile("code", re.I)).fill(code.lower())
    page.get_by_role("button", name=re.compile("Verify", re.I)).click()
    expect(page.get_by_text("Valid", exact=False).first).to_be_visible()
    expect(page.get_by_text("Opioid prescribing: safer pain management").first).to_be_visible()
    axe_check(page)
    page_log.assert_clean()
