"""Certificate statements per credit type and accreditor: singular and plural, the AMA credit name in
italics, a nurse's certificate naming ANCC (not ACCME), the Joint Accreditation statement standing alone,
and no claim after an enduring activity's expiry."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from pypdf import PdfReader

from lms.certificates import services
from lms.certificates.renderer import _compiled
from lms.credits import services as credits
from lms.credits import statements
from tests.credits import fake_activity
from tests.credits.conftest import NOW
from tests.factories import make_org, make_user

ACCME_TEXT = "Accreditation Council for Continuing Medical Education (ACCME) to provide"


@pytest.mark.parametrize("amount, expected", [
    ("1", "for a maximum of 1 AMA PRA Category 1 Credit™. Physicians"),
    ("1.00", "for a maximum of 1 AMA PRA Category 1 Credit™. Physicians"),
    ("0.25", "for a maximum of 0.25 AMA PRA Category 1 Credits™."),
    ("1.5", "for a maximum of 1.5 AMA PRA Category 1 Credits™."),
    ("2", "for a maximum of 2 AMA PRA Category 1 Credits™."),
])
def test_ama_designation_is_singular_only_for_one(amount, expected):
    parts = statements.designation("ama_pra_1", provider="Northbridge", format_name="live activity",
                                   amount=Decimal(amount))
    assert expected in statements.plain(parts)
    emphasised = [p["text"] for p in parts if p["em"]]
    assert emphasised == [("AMA PRA Category 1 Credit" if Decimal(amount) == 1 else "AMA PRA Category 1 Credits")]
    assert "™" not in emphasised[0]  # the trademark follows the italic name


@pytest.mark.parametrize("code, amount, expected", [
    ("ancc", "1", "awards 1 contact hour of nursing"),
    ("ancc", "1.5", "awards 1.5 contact hours of nursing"),
    ("acpe", "1", "approved for 1 contact hour of continuing pharmacy education (0.1 CEUs)"),
    ("acpe", "1.5", "approved for 1.5 contact hours of continuing pharmacy education (0.15 CEUs)"),
    ("acpe", "10", "(1 CEU)"),
    ("aapa_1", "1", "designated for 1 AAPA Category 1 CME credit."),
    ("aapa_1", "2.25", "designated for 2.25 AAPA Category 1 CME credits."),
    ("abim_moc", "1", "earn up to 1 MOC point in"),
    ("abim_moc", "3", "earn up to 3 MOC points in"),
    ("ipce", "1", "will receive 1 Interprofessional Continuing Education (IPCE) credit for"),
    ("ipce", "4", "will receive 4 Interprofessional Continuing Education (IPCE) credits for"),
])
def test_each_credit_type_counts_its_own_unit(code, amount, expected):
    text = statements.plain(statements.designation(code, provider="P", format_name="enduring material",
                                                   amount=Decimal(amount), uan="0000-0000-26-001-H01-P"))
    assert expected in text


def test_accreditation_statements_follow_the_credit_not_the_course():
    assert statements.accreditation(["ancc"], provider="P", joint=False) == [statements.ANCC.format(provider="P")]
    both = statements.accreditation(["ama_pra_1", "abim_moc", "ancc"], provider="P", joint=False)
    assert both == [statements.ACCME.format(provider="P"), statements.ANCC.format(provider="P")]
    joint = statements.accreditation(["ama_pra_1", "ancc", "acpe", "ipce"], provider="P", joint=True)
    assert joint == [statements.JOINT.format(provider="P")]
    assert statements.accreditation(["participation"], provider="P", joint=False) == []


def _pdf_text(certificate) -> str:
    from lms.certificates import storage

    with open(storage.path_for(certificate.sha256), "rb") as handle:
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def test_a_nurses_certificate_names_ancc_and_not_the_physicians_accme(db, acts):
    org = make_org(name="Northbridge CME Institute", kind="provider", is_accredited_provider=True)
    nurse = make_user(first_name="Ana", last_name="Lopez", credentials="RN", profession="nurse")
    info = acts.add(org=org, designations={"ama_pra_1": Decimal("1"), "ancc": Decimal("1")})
    acts.complete(nurse, info)
    credits.claim_credit(nurse, "course", info.id, "ancc", Decimal("1"), attested=True, now=NOW)
    certificate = services.issue_credit_certificate(nurse.id, "course", info.id, now=NOW).certificate
    snap = certificate.snapshot
    assert snap["provider"]["accreditation_statements"] == [statements.ANCC.format(provider=org.name)]
    assert snap["credits"][0]["statement"].endswith("awards 1 contact hour of nursing continuing professional "
                                                    "development.")
    text = " ".join(_pdf_text(certificate).split())
    assert "American Nurses Credentialing Center" in text
    assert ACCME_TEXT not in text and "AMA PRA" not in text


def test_a_physicians_certificate_sets_the_ama_name_in_italics(db, acts):
    org = make_org(name="Northbridge CME Institute", kind="provider", is_accredited_provider=True)
    doctor = make_user(first_name="Priya", last_name="Raman", credentials="MD", profession="physician_md")
    info = acts.add(org=org, designations={"ama_pra_1": Decimal("1")})
    acts.complete(doctor, info)
    credits.claim_credit(doctor, "course", info.id, "ama_pra_1", Decimal("1"), attested=True, now=NOW)
    certificate = services.issue_credit_certificate(doctor.id, "course", info.id, now=NOW).certificate
    html = _compiled(open("templates/certificates/pdf/default.html").read()).render(**certificate.snapshot)
    assert "<em>AMA PRA Category 1 Credit</em>™" in html
    assert "for a maximum of 1 <em>AMA PRA Category 1 Credit</em>™. Physicians" in html
    text = " ".join(_pdf_text(certificate).split())
    assert "for a maximum of 1 AMA PRA Category 1 Credit™" in text and ACCME_TEXT in text
    assert "Credits™" not in text and "1 credits" not in text
    assert snap_units(certificate) == ["credit"]


def snap_units(certificate):
    return [line["unit"] for line in certificate.snapshot["credits"]]


def test_joint_accreditation_uses_one_statement_and_ja_designations(db, acts):
    org = make_org(name="Lakeside Health Education", kind="provider", is_accredited_provider=True)
    org.joint_accreditation = True
    pharmacist = make_user(first_name="Sam", last_name="Okafor", credentials="PharmD", profession="pharmacist",
                           nabp_eprofile_id="1234567", birth_month=4, birth_day=9)
    info = acts.add(org=org, designations={"acpe": Decimal("1.5"), "ipce": Decimal("1.5")},
                    acpe_uan="JA0000000-0000-26-001-H01-P")
    acts.complete(pharmacist, info)
    credits.claim_credit(pharmacist, "course", info.id, "acpe", Decimal("1.5"), attested=True, now=NOW)
    credits.claim_credit(pharmacist, "course", info.id, "ipce", Decimal("1.5"), attested=True, now=NOW)
    snap = services.issue_credit_certificate(pharmacist.id, "course", info.id, now=NOW).certificate.snapshot
    assert snap["provider"]["accreditation_statements"] == [statements.JOINT.format(provider=org.name)]
    lines = {line["code"]: line["statement"] for line in snap["credits"]}
    assert lines["acpe"].startswith(f"{org.name} designates this activity for a maximum of 1.5 ACPE contact hours "
                                    "(0.15 CEUs). Universal Activity Number: JA0000000-0000-26-001-H01-P.")
    assert "1.5 Interprofessional Continuing Education (IPCE) credits" in lines["ipce"]


def test_no_claim_after_an_enduring_activitys_expiry(db, acts):
    doctor = make_user(profession="physician_md")
    info = acts.add()
    fake_activity.INFOS[info.id] = dataclasses.replace(info, end_date=date(2026, 11, 26))
    acts.complete(doctor, info)
    with pytest.raises(credits.NotEligible, match="certified for credit until 26 November 2026"):
        credits.claim_credit(doctor, "course", info.id, "ama_pra_1", Decimal("1"), attested=True, now=NOW)
    # The last day counts in the activity's time zone: 04:00 UTC on the 27th is still the 26th in New York.
    early = datetime(2026, 11, 27, 4, 0, tzinfo=timezone.utc)
    assert credits.claim_credit(doctor, "course", info.id, "ama_pra_1", Decimal("1"), attested=True, now=early)


def test_a_live_activity_is_claimed_after_its_date(db, acts):
    doctor = make_user(profession="physician_md")
    info = acts.add(format="live")
    fake_activity.INFOS[info.id] = dataclasses.replace(info, end_date=date(2026, 11, 1))
    acts.complete(doctor, info)
    assert credits.claim_credit(doctor, "course", info.id, "ama_pra_1", Decimal("1"), attested=True, now=NOW)
