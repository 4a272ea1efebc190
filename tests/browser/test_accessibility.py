"""Keyboard users reach the main content and the user menu without a mouse; the checks themselves bite."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_check, axe_run

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def tab_to(page: Page, locator, limit: int = 30) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{locator} not reached with {limit} presses of Tab")


def test_skip_link_is_first_and_moves_focus_to_main(page: Page, page_log):
    page.goto("/")
    skip = page.get_by_role("link", name="Skip to main content")

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["width"] > 20 and box["height"] > 10, f"the focused skip link is not visible: {box}"

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside the main content, not back in the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    page_log.assert_clean()


def test_user_menu_opens_and_works_with_the_keyboard(page: Page, page_log, make_live_user):
    email, password = make_live_user(first_name="Kai", last_name="Tanaka")
    page.goto(f"/auth/login?email={email}")
    page.get_by_label(re.compile(r"^Password\b")).fill(password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    toggle = page.get_by_role("button", name="Kai Tanaka")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    tab_to(page, toggle)
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    profile_link = page.get_by_role("link", name="Profile", exact=True)
    expect(profile_link).to_be_visible()

    # Arrow keys move through the items; Escape closes the menu and returns the focus.
    page.keyboard.press("ArrowDown")
    expect(profile_link).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(profile_link).to_be_hidden()
    expect(toggle).to_be_focused()

    # Open again and follow the first item with Enter.
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(profile_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/profile$"))
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    page_log.assert_clean()


def test_the_checks_catch_what_they_are_for(page: Page, page_log):
    """axe_check fails on a critical violation and PageLog sees a blocked inline script: neither is vacuous."""
    page.goto("/policy")
    assert axe_check(page) == []
    page.evaluate("""() => {
      const img = document.createElement("img");
      img.src = "/static/img/logo.svg";
      document.querySelector("main").append(img);
    }""")
    assert [v["id"] for v in axe_run(page)] == ["image-alt"]
    with pytest.raises(pytest.fail.Exception, match=r"\[critical\] image-alt.*\n.*at #main > img"):
        axe_check(page)

    assert page_log.problems() == []
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.injected = true")  # inline: the CSP must refuse it
    for _ in range(20):  # the console event may arrive just after the call returns
        if page_log.csp_violations:
            break
        page.wait_for_timeout(50)
    assert any("script-src" in v for v in page_log.csp_violations), page_log.csp_violations
    assert page.evaluate("() => window.injected") is None
