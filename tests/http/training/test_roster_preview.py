"""Roster import, preview and apply: every row shown with its status in words, only the valid rows
applied on a confirming POST whose plan the server checks, and nothing trusted from the browser."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from lms.training.models import RosterImport
from lms.users.models import User
from tests.factories import make_member, make_org, make_user


def _setup(db):
    org = make_org(name="Riverside")
    manager = make_member(org, make_user(first_name="Marcus", last_name="Manager"), role="manager").user
    return org, manager


def _upload(client, org, data: bytes):
    return client.post(f"/training/orgs/{org.id}/roster", {"file": (io.BytesIO(data), "staff.csv")},
                       content_type="multipart/form-data")


def _preview(client, org, data: bytes) -> tuple[str, RosterImport, str]:
    from lms.extensions import db

    response = _upload(client, org, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    imp = db.session.scalar(select(RosterImport).order_by(RosterImport.id.desc()))
    found = re.search(r'name="plan" type="hidden" value="([0-9a-f]+)"', page)
    return page, imp, found.group(1) if found else ""


def test_every_row_has_its_status_in_words(db, client):
    org, manager = _setup(db)
    existing = make_member(org, make_user(first_name="Nia", last_name="Nurse", email="nia@example.org"),
                           job_title="Nurse")
    client.login(manager)
    page, imp, _ = _preview(client, org, (
        "name,email,role,team,profession,job title\n"
        "Ana Lopez,ana@example.org,member,Front office,Physician (MD),Doctor\n"
        f"Nia Nurse,{existing.user.email},member,,,Senior nurse\n"
        "Cal Clerk,cal@example.org,boss,,,\n"
        "Dee Doc,dee@example.org,member,,astronaut,\n").encode())
    rows = re.findall(r'class="roster-row roster-(\w+)"', page)
    assert rows == ["create", "update", "error", "error"]
    assert "Will add" in page and "Will update" in page and "job title Nurse → Senior nurse" in page
    assert "“boss” is not a role here: write Member, Educator or Manager" in page
    assert "“astronaut” is not a profession we know" in page and "Physician (MD)" in page
    visible = re.sub(r"<[^>]+>", " ", page)
    assert "physician_md" not in visible and "other" not in re.findall(r"\b\w+_\w+\b", visible)


def test_a_tampered_or_stale_plan_is_refused_and_nothing_is_imported(db, client):
    org, manager = _setup(db)
    client.login(manager)
    _, imp, plan = _preview(client, org, b"name,email\nAna Lopez,ana@example.org\n")
    forged = "0" * 32
    response = client.post(f"/training/orgs/{org.id}/roster/{imp.id}/confirm", {"plan": forged})
    assert response.status_code == 302
    assert "changed since this preview" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is None
    # Rows posted by the browser are ignored: only the stored preview is applied.
    response = client.post(f"/training/orgs/{org.id}/roster/{imp.id}/confirm",
                           {"plan": plan, "email": "mallory@example.org", "role": "manager"})
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is not None
    assert db.session.scalar(select(User).where(User.email == "mallory@example.org")) is None
    # Confirming twice applies once.
    again = client.post(f"/training/orgs/{org.id}/roster/{imp.id}/confirm", {"plan": plan})
    assert "already applied" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_confirm_without_csrf_is_refused(db, client):
    org, manager = _setup(db)
    client.login(manager)
    _, imp, plan = _preview(client, org, b"name,email\nAna Lopez,ana@example.org\n")
    assert client.post(f"/training/orgs/{org.id}/roster/{imp.id}/confirm", {"plan": plan},
                       csrf=False).status_code == 400
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is None


def test_another_organisations_manager_cannot_see_or_apply_our_import(db, client, make_client):
    org, manager = _setup(db)
    client.login(manager)
    _, imp, plan = _preview(client, org, b"name,email\nAna Lopez,ana@example.org\n")
    other = make_org(name="Elsewhere")
    stranger = make_member(other, role="manager").user
    browser = make_client().login(stranger)
    assert browser.get(f"/training/orgs/{org.id}/roster/{imp.id}").status_code == 404
    assert browser.post(f"/training/orgs/{org.id}/roster/{imp.id}/confirm", {"plan": plan}).status_code == 404
    # Through their own organisation's address, our import is not theirs either.
    assert browser.get(f"/training/orgs/{other.id}/roster/{imp.id}").status_code == 404
    assert browser.post(f"/training/orgs/{other.id}/roster/{imp.id}/confirm", {"plan": plan}).status_code == 404
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is None


def test_wrong_columns_are_refused_whole_in_words(db, client):
    org, manager = _setup(db)
    client.login(manager)
    response = _upload(client, org, b"full_name,mail\nAna,ana@example.org\n")
    assert response.status_code == 422
    assert "The first line must name the columns" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == 0


def test_duplicate_emails_and_formulas_are_errors_the_rest_imports(db, client):
    org, manager = _setup(db)
    client.login(manager)
    page, imp, plan = _preview(client, org, (
        "name,email,team\n"
        "Ana Lopez,ana@example.org,Front office\n"
        "Ana Again,ANA@example.org,\n"
        "Eve Evil,eve@example.org,=1+1\n"
        "-Minus,minus@example.org,\n").encode())
    assert re.findall(r'class="roster-row roster-(\w+)"', page) == ["create", "error", "error", "error"]
    assert "ana@example.org is already on line 2 of this file" in page
    assert "=1+1" not in page and "-Minus" not in page
    assert "Import the 1 valid change, skip 3 with errors" in page
    client.post(f"/training/orgs/{org.id}/roster/{imp.id}/confirm", {"plan": plan})
    emails = set(db.session.scalars(select(User.email).where(User.email.like("%@example.org"))))
    assert "ana@example.org" in emails and "eve@example.org" not in emails and "minus@example.org" not in emails
