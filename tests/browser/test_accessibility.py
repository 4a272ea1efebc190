"""Keyboard users: the skip link reaches the main content, the user menu opens and works without a mouse."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

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
