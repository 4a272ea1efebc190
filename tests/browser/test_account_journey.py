"""A new clinician's first visit, in a real browser: register, verify, log in, fill the profile, log out.

Every page on the way is checked with axe-core, and the page must report no JavaScript error,
no Content Security Policy violation and no failed sub-resource.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "night shift handover notes 42"
VALID_NPI = "1234567893"
BAD_CHECK_DIGIT_NPI = "1234567890"
# "Password *": the required marker is part of the label's text, so match the start.
PASSWORD_LABEL = re.compile(r"^Password\b")


def profile_form(page: Page):
    return page.locator("form", has=page.get_by_role("button", name="Save profile"))


def test_new_user_account_journey(page: Page, page_log, outbox, unique_email, live_url):
    email = unique_email("nia")

    # Landing page → registration.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Continuing education")
    axe_check(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/auth/register$"))
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    axe_check(page)
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Okoro")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Profession").select_option(label="Nurse")
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # Check your email → the link in the email.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    axe_check(page)
    link = outbox.last_link(email)
    assert link.startswith(f"{live_url}/auth/verify/"), link
    page.goto(link)

    # Log in (the address is already filled in).
    expect(page).to_have_url(re.compile(r"/auth/login"))
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(email)
    axe_check(page)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Dashboard.
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="Welcome, Nia")).to_be_visible()
    axe_check(page)

    # The profile, through the user menu.
    page.get_by_role("button", name="Nia Okoro").click()
    page.get_by_role("link", name="Profile", exact=True).click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    axe_check(page)

    form = profile_form(page)
    form.get_by_label("Credentials").fill("RN, BSN")
    form.get_by_label("Profession").select_option(label="Nurse practitioner")
    form.get_by_label("NPI").fill(VALID_NPI)
    form.get_by_label("Birth month").select_option(label="March")
    form.get_by_label("Birth day").select_option(label="14")
    form.get_by_label("Time zone").select_option("America/New_York")
    form.get_by_label(re.compile("I consent to Continuum reporting")).check()
    form.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("status").filter(has_text="Profile saved.")).to_be_visible()
    page.reload()
    form = profile_form(page)
    expect(form.get_by_label("Credentials")).to_have_value("RN, BSN")
    expect(form.get_by_label("Profession")).to_have_value("nurse_practitioner")
    expect(form.get_by_label("NPI")).to_have_value(VALID_NPI)
    expect(form.get_by_label("Birth month")).to_have_value("3")
    expect(form.get_by_label("Birth day")).to_have_value("14")
    expect(form.get_by_label("Time zone")).to_have_value("America/New_York")
    expect(form.get_by_label(re.compile("I consent to Continuum reporting"))).to_be_checked()
    expect(page.get_by_text("Times are shown in America/New_York.")).to_be_visible()

    # A mistyped NPI: a clear message at the field, and nothing else typed is lost.
    form.get_by_label("Credentials").fill("RN, BSN, CCRN")
    form.get_by_label("Birth day").select_option(label="15")
    form.get_by_label("NPI").fill(BAD_CHECK_DIGIT_NPI)
    form.get_by_role("button", name="Save profile").click()

    form = profile_form(page)
    npi = form.get_by_label("NPI")
    expect(npi).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#npi-error")).to_contain_text("check digit")
    expect(npi).to_have_accessible_description(re.compile("check digit"))
    expect(npi).to_have_value(BAD_CHECK_DIGIT_NPI)
    expect(form.get_by_label("First name")).to_have_value("Nia")
    expect(form.get_by_label("Last name")).to_have_value("Okoro")
    expect(form.get_by_label("Credentials")).to_have_value("RN, BSN, CCRN")
    expect(form.get_by_label("Profession")).to_have_value("nurse_practitioner")
    expect(form.get_by_label("Birth month")).to_have_value("3")
    expect(form.get_by_label("Birth day")).to_have_value("15")
    expect(form.get_by_label("Time zone")).to_have_value("America/New_York")
    expect(form.get_by_label(re.compile("I consent to Continuum reporting"))).to_be_checked()
    expect(page.get_by_text("Profile saved.")).to_have_count(0)
    axe_check(page)

    # Nothing was saved by the refused form.
    page.goto("/profile")
    form = profile_form(page)
    expect(form.get_by_label("NPI")).to_have_value(VALID_NPI)
    expect(form.get_by_label("Credentials")).to_have_value("RN, BSN")
    expect(form.get_by_label("Birth day")).to_have_value("14")

    # A licence.
    licences = page.locator("#licences")
    licences.get_by_label("State").select_option(label="California")
    licences.get_by_label("Licence number").fill("RN 654321")
    licences.get_by_label("Expires on").fill("2028-06-30")
    licences.get_by_role("button", name="Add licence").click()
    expect(page.get_by_role("status").filter(has_text="Licence added.")).to_be_visible()
    expect(page.locator("#licences").get_by_role("listitem").filter(has_text="CA · RN 654321")).to_contain_text(
        "expires 30 Jun 2028")

    # Organisations.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1, name="Organisations")).to_be_visible()
    axe_check(page)

    # Log out through the user menu; the profile then asks for a login.
    page.get_by_role("button", name="Nia Okoro").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_text("You are logged out.")).to_be_visible()

    page.goto("/profile")
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Fprofile$"))
    expect(page.get_by_text("Please log in to continue.")).to_be_visible()

    page_log.assert_clean()
