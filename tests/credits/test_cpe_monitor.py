"""ACPE rules at claim time and the CPE Monitor file (read back with the csv module), behind the gate."""

from __future__ import annotations

import csv
import dataclasses
import io
from decimal import Decimal as D

import pytest

from lms.credits import cpe_monitor
from lms.credits import services as credits
from tests.credits import fake_activity
from tests.credits.conftest import NOW
from tests.factories import make_member, make_org, make_user

P_HOME = "0197-0000-26-012-H01-P"
T_HOME = "0197-0000-26-013-H01-T"


@pytest.mark.parametrize("uan, ok", [
    ("0197-0000-26-012-L01-P", True), ("JA0000123-0000-26-012-H05-T", True), ("0197-9999-26-001-B08-P", True),
    ("0197-0000-26-012-l01-p", True),  # case is normalised
    ("0197-0000-26-012-X01-P", False), ("0197-0000-26-012-L1-P", False), ("0197-0000-26-012-L01-R", False),
    ("197-0000-26-012-L01-P", False), ("JA123-0000-26-012-L01-P", False), ("0197-0000-26-012-L01-P ", True),
    ("0197-0000-2026-012-L01-P", False), ("", False), (None, False),
])
def test_uan_format(uan, ok):
    assert (cpe_monitor.uan_problem(uan.strip() if uan else uan) is None) is ok


def pharmacy(acts, *, uan=P_HOME, hours="1.5", format="enduring", profession="pharmacist", **person):
    org = make_org(name="Northbridge CME Institute", kind="provider")
    info = acts.add(org=org, designations={"acpe": D(hours)}, acpe_uan=uan, format=format)
    defaults = dict(nabp_eprofile_id="1234567", birth_month=4, birth_day=9, consent_to_report=True,
                    first_name="Sam", last_name="Okafor")
    learner = make_user(profession=profession, **(defaults | person))
    return org, info, learner


def test_whole_activity_credit_only(acts, db):
    _, info, pharmacist = pharmacy(acts)
    acts.complete(pharmacist, info)
    with pytest.raises(credits.NotEligible, match="only for the whole activity"):
        credits.claim_credit(pharmacist, "course", info.id, "acpe", D("0.5"), attested=True, now=NOW)
    assert credits.claim_credit(pharmacist, "course", info.id, "acpe", D("1.5"), attested=True, now=NOW)


def test_live_attendance_must_cover_the_whole_activity(acts, db):
    _, info, pharmacist = pharmacy(acts, uan="0197-0000-26-012-L01-P", format="live")
    acts.complete(pharmacist, info, max_claimable=D("1.25"))
    with pytest.raises(credits.NotEligible, match="attendance of the whole activity"):
        credits.claim_credit(pharmacist, "course", info.id, "acpe", D("1.5"), attested=True, now=NOW)


@pytest.mark.parametrize("profession, uan, message", [
    ("pharmacy_technician", P_HOME, "for pharmacists only"),
    ("pharmacist", T_HOME, "for pharmacy technicians only"),
])
def test_pharmacist_and_technician_uans(acts, db, profession, uan, message):
    _, info, learner = pharmacy(acts, uan=uan, profession=profession)
    acts.complete(learner, info)
    with pytest.raises(credits.NotEligible, match=message):
        credits.claim_credit(learner, "course", info.id, "acpe", D("1.5"), attested=True, now=NOW)


def test_a_technician_claims_against_a_t_uan(acts, db):
    _, info, technician = pharmacy(acts, uan=T_HOME, profession="pharmacy_technician")
    acts.complete(technician, info)
    assert credits.claim_credit(technician, "course", info.id, "acpe", D("1.5"), attested=True, now=NOW)


@pytest.mark.parametrize("format, uan, ok", [
    ("live", "0197-0000-26-012-H01-P", False), ("enduring", "0197-0000-26-012-L01-P", False),
    ("internet", "0197-0000-26-012-L01-P", False), ("live", "0197-0000-26-012-B01-P", True),
    ("enduring", "0197-0000-26-012-B01-P", True), ("live", "0197-0000-26-012-L01-P", True),
])
def test_the_format_letter_matches_the_activity(acts, db, format, uan, ok):
    _, info, pharmacist = pharmacy(acts, uan=uan, format=format)
    acts.complete(pharmacist, info)
    if ok:
        assert credits.claim_credit(pharmacist, "course", info.id, "acpe", D("1.5"), attested=True, now=NOW)
    else:
        with pytest.raises(credits.NotEligible, match="must use"):
            credits.claim_credit(pharmacist, "course", info.id, "acpe", D("1.5"), attested=True, now=NOW)


def test_the_export_uses_the_completed_versions_uan_with_ceus_and_acpe_dates(acts, db, make_client):
    org, info, pharmacist = pharmacy(acts, uan="0197-0000-25-044-H01-P")
    acts.complete(pharmacist, info)
    credits.claim_credit(pharmacist, "course", info.id, "acpe", D("1.5"), attested=True, now=NOW)
    # The course is revised with a new UAN; the pharmacist completed the earlier version.
    fake_activity.TAKEN[(pharmacist.id, info.id)] = info
    fake_activity.INFOS[info.id] = dataclasses.replace(info, version=2, acpe_uan="0197-0000-26-099-H01-P")
    technician = make_user(profession="pharmacy_technician", nabp_eprofile_id="7654321", birth_month=12,
                           birth_day=31, consent_to_report=True, first_name="Tia", last_name="Zed")
    educator = make_client().login(make_member(org, role="educator").user)
    response = educator.get(f"/credits/activities/course/{info.id}/cpe-monitor.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == cpe_monitor.COLUMNS
    (row,) = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert row == {"NABP e-Profile ID": "1234567", "Date of Birth (MMDD)": "0409", "UAN": "0197-0000-25-044-H01-P",
                   "Date of Participation (MM/DD/YYYY)": "11/27/2026", "Contact Hours": "1.5", "CEUs": "0.15",
                   "Participant Type": "P", "First Name": "Sam", "Last Name": "Okafor"}
    assert technician  # a technician with no claim is simply not in the file


def test_the_gate_lists_invalid_pharmacy_rows(acts, db, make_client):
    org, info, pharmacist = pharmacy(acts)
    acts.complete(pharmacist, info)
    credits.claim_credit(pharmacist, "course", info.id, "acpe", D("1.5"), attested=True, now=NOW)
    pharmacist.nabp_eprofile_id = "1"  # written before the profile checked it
    educator = make_client().login(make_member(org, role="educator").user)
    response = educator.get(f"/credits/activities/course/{info.id}/cpe-monitor.csv")
    assert len(list(csv.reader(io.StringIO(response.get_data(as_text=True))))) == 1  # header only
    assert response.headers["X-Learners-Left-Out"] == "1"
    page = educator.get(f"/credits/activities/course/{info.id}/claims").get_data(as_text=True)
    assert "NABP e-Profile ID &#34;1&#34; is not one NABP issues" in page or \
        "NABP e-Profile ID &quot;1&quot; is not one NABP issues" in page


def test_meeting_uans_are_validated(app):
    from meetings.forms import MeetingForm

    with app.test_request_context(method="POST"):
        for uan, ok in (("0197-0000-26-012-L01-P", True), ("0197-0000-26-012-B01-T", True),
                        ("0197-0000-26-012-H01-P", False), ("not a uan", False)):
            form = MeetingForm(meta={"csrf": False}, data={"acpe_uan": uan})
            form.acpe_uan.errors = []
            try:
                form.validate_acpe_uan(form.acpe_uan)
                valid = True
            except Exception:  # noqa: BLE001 - WTForms' ValidationError
                valid = False
            assert valid is ok, uan
