"""In Chromium: an educator designs the organisation's certificate (fonts, accent colour checked for
contrast, logo, seal, signatory and signature) watching the real certificate update, and a manager
previews a roster file row by row and imports only its valid rows. axe on each page, at desktop and
phone sizes; with SHOTS_DIR set, screenshots of each are written there."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_check
from tests.browser.test_role_workspaces import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]
IMAGES = Path(__file__).resolve().parent.parent / "data" / "certificate_images"
PHONE = {"width": 390, "height": 844}


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"d-{name}.png"), full_page=full_page)


@pytest.fixture(scope="module")
def world(live_app):
    from lms.extensions import db
    from tests.factories import PASSWORD, make_member, make_org, make_user

    tag = uuid.uuid4().hex[:6]
    with live_app.app_context():
        provider = make_org(name=f"Northbridge CME Institute {tag}", kind="provider", is_accredited_provider=True)
        educator = make_member(provider, make_user(email=f"educator.{tag}@example.org", first_name="Elena",
                                                   last_name="Educator"), role="educator").user
        practice = make_org(name=f"Riverside Family Practice {tag}")
        manager = make_member(practice, make_user(email=f"manager.{tag}@example.org", first_name="Marcus",
                                                  last_name="Manager"), role="manager").user
        make_member(practice, make_user(email=f"nia.{tag}@example.org", first_name="Nia", last_name="Nurse"),
                    job_title="Nurse")
        db.session.commit()
        return dict(tag=tag, password=PASSWORD, educator=educator.email, manager=manager.email,
                    provider=provider.id, practice=practice.id)


def _preview_image(page: Page):
    return page.frame_locator("iframe[name='design-preview']").get_by_role(
        "img", name="Preview of a sample certificate with this design")


def test_an_educator_designs_the_certificate_and_sees_it_update(page: Page, page_log, world):
    login(page, world["educator"], world["password"])
    page.get_by_role("button", name="Manage", exact=True).click()
    page.get_by_role("link", name="Certificate design").first.click()
    expect(page.get_by_role("heading", name="Certificate designs")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Design a credit certificate").click()
    expect(page.get_by_role("heading", name="Design a certificate")).to_be_visible()
    expect(_preview_image(page)).to_be_visible(timeout=30_000)  # the default design, rendered at once

    page.get_by_label("Name", exact=True).fill("CME credit 2027")
    page.get_by_label("Traditional: Libre Baskerville with Lato").check()
    page.get_by_label("Signatory name").fill("Helen Okafor, MD")
    page.get_by_label("Signatory title").fill("Director of Continuing Medical Education")
    page.get_by_label("Logo", exact=True).set_input_files(str(IMAGES / "logo.png"))
    page.get_by_label("Seal", exact=True).set_input_files(str(IMAGES / "seal.png"))
    page.get_by_label("Signature image").set_input_files(str(IMAGES / "signature.png"))
    # A colour too light for white paper: the page says so as it is picked, and saving refuses it.
    page.get_by_label("Accent colour").fill("#ffd700")
    expect(page.locator("#accent-contrast")).to_contain_text("too light")
    expect(page.frame_locator("iframe[name='design-preview']").get_by_role("alert")).to_contain_text(
        "too light to read on white paper", timeout=30_000)
    page.get_by_label("Accent colour").fill("#7a1f2b")
    expect(page.locator("#accent-contrast")).to_contain_text("(readable)")
    expect(_preview_image(page)).to_be_visible(timeout=30_000)
    page.wait_for_timeout(300)
    axe_check(page)
    shot(page, "design-editor-desktop")

    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Design saved.")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("img", name="The current seal")).to_be_visible()
    page.get_by_role("button", name="Use for new certificates").click()
    expect(page.get_by_text("in use for new certificates")).to_be_visible()
    expect(_preview_image(page)).to_be_visible(timeout=30_000)
    axe_check(page)

    # A bad image is refused with the reason; the saved design is untouched.
    bad = Path(os.environ.get("TMPDIR", "/tmp")) / f"not-an-image-{world['tag']}.png"
    bad.write_bytes(b"GIF89a" + b"\0" * 64)
    page.get_by_label("Seal", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Upload the image as PNG or JPEG.").first).to_be_visible(timeout=30_000)

    page.set_viewport_size(PHONE)
    page.goto(page.url)
    expect(_preview_image(page)).to_be_visible(timeout=30_000)
    axe_check(page)
    shot(page, "design-editor-phone")
    page_log.assert_clean()


def test_a_manager_previews_every_row_and_imports_only_the_valid_ones(page: Page, page_log, world, tmp_path):
    login(page, world["manager"], world["password"])
    page.get_by_role("button", name="Manage", exact=True).click()
    page.get_by_role("link", name=re.compile(r"^Roster import")).click()
    expect(page.get_by_role("heading", name="Staff roster")).to_be_visible()
    tag = world["tag"]
    csv_file = tmp_path / "staff.csv"
    csv_file.write_text(
        "name,email,role,team,profession,job title\n"
        f"Ana Lopez,ana.{tag}@example.org,Member,Front office,Nurse,Receptionist\n"
        f"Nia Nurse,nia.{tag}@example.org,Member,Clinical,,Senior nurse\n"
        f"Ben Ode,ben.{tag}@example.org,Boss,,,\n"
        f"Cai Chen,cai.{tag}@example.org,Member,,Astronaut,\n"
        f"=HYPERLINK(\"http://evil.example\"),evil.{tag}@example.org,Member,,,\n"
        f"Ana Again,ANA.{tag}@example.org,Member,,,\n", encoding="utf-8")
    page.get_by_label("CSV file (UTF-8)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and preview").click()
    summary = page.locator("#roster-summary")
    expect(summary).to_contain_text("6 rows read")
    expect(summary).to_contain_text("4 rows with errors")
    table = page.get_by_role("region", name="Every row of the file and what will happen to it")
    expect(table.locator("tr.roster-error")).to_have_count(4)
    expect(table).to_contain_text("“Boss” is not a role here: write Member, Educator or Manager")
    expect(table).to_contain_text("“Astronaut” is not a profession we know")
    expect(table).to_contain_text("Will update")
    expect(table).not_to_contain_text("physician_md")
    expect(page.get_by_text("HYPERLINK")).to_have_count(0)
    leavers = page.get_by_role("group", name="Choose who has left")
    expect(leavers).to_have_count(0)  # a file with errors offers no leavers
    axe_check(page)
    shot(page, "roster-preview-desktop")
    page.set_viewport_size(PHONE)
    axe_check(page)
    shot(page, "roster-preview-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Import the 2 valid changes, skip 4 with errors").click()
    expect(page.get_by_text(re.compile(r"Imported: 1 new, 0 existing accounts added, 1 updated.*4 rows with errors "
                                       r"skipped"))).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^Ana Lopez"))).to_be_visible()
    axe_check(page)
    page_log.assert_clean()
