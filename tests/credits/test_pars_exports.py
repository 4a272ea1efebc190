"""PARS / JA-PARS files read back with independent readers (openpyxl; csv with delimiter="\\t") and
checked against the documented columns (lms/credits/pars_reference.md), behind the validation gate."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lms.credits import pars
from lms.credits import services as credits
from lms.users.models import BoardCertification, Licence
from tests.credits.conftest import NOW
from tests.factories import make_member, make_org, make_user

REFERENCE = Path(__file__).resolve().parents[2] / "lms" / "credits" / "pars_reference.md"


def documented(table: str) -> list[str]:
    """The column names of one table in the reference, in order."""
    text = REFERENCE.read_text()
    section = text.split(f"<!-- {table} -->", 1)[1].split("<!-- end -->", 1)[0]
    return [m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", section, re.M)]


def read_txt(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8"), newline=""), delimiter="\t"))


def read_xlsx(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.data))
    return [["" if v is None else v for v in row] for row in book.active.iter_rows(values_only=True)]


def valid_npis():
    """Distinct NPIs that pass the Luhn check over the 80840 prefix, as CMS issues them."""
    for base in range(123456780, 123456999):
        digits = [int(d) for d in "80840" + str(base)]
        total = 0
        for i, d in enumerate(reversed(digits)):
            if i % 2 == 0:
                d *= 2
                d = d - 9 if d > 9 else d
            total += d
        yield f"{base}{(10 - total % 10) % 10}"


@pytest.fixture
def world(db, acts, make_client):
    org = make_org(name="Northbridge CME Institute", kind="provider", is_accredited_provider=True)
    info = acts.add(org=org, designations={"ama_pra_1": D("2"), "abim_moc": D("2"), "ancc": D("2")})
    educator = make_client().login(make_member(org, role="educator").user)

    npis = iter(valid_npis())

    def learner(first, last, *, profession="physician_md", boards=(), licences=(), **fields):
        # Each learner holds their own NPI: one NPI belongs to one person (issue 19).
        defaults = dict(consent_to_report=True, birth_month=3, birth_day=7, npi=next(npis))
        user = make_user(first_name=first, last_name=last, profession=profession, **(defaults | fields))
        for board, number in boards:
            db.session.add(BoardCertification(user=user, board=board, diplomate_id=number))
        for state, number in licences:
            db.session.add(Licence(user=user, state=state, number=number))
        db.session.flush()
        acts.complete(user, info)
        return user

    def claim(user, code, amount):
        credits.claim_credit(user, "course", info.id, code, D(amount), attested=True, now=NOW)

    def register(**data):
        body = {"pars_activity_id": "202698765", "providership": "direct", "changes_competence": "y",
                "moc_boards": ["ABIM", "ABP", "ABS"]} | data
        assert educator.post(f"/credits/activities/course/{info.id}/pars", body).status_code == 302

    return org, info, educator, learner, claim, register


def test_learner_file_one_row_per_learner_with_cme_and_moc_for_every_board(world):
    org, info, educator, learner, claim, register = world
    internist = learner("Priya", "Raman", boards=[("ABIM", "123456")], licences=[("NY", "301234"), ("NJ", "25MA0999")])
    pediatrician = learner("Tomás", "O'Neill", boards=[("ABP", "0098765")], npi=None, licences=[("MA", "77001")])
    surgeon = learner("Li", "Wei", boards=[("ABS", "S-4411")])
    claim(internist, "ama_pra_1", "1.5")
    claim(internist, "abim_moc", "1.5")
    claim(pediatrician, "ama_pra_1", "2")
    claim(surgeon, "ama_pra_1", "0.25")
    register()
    rows = read_txt(educator.get(f"/credits/activities/course/{info.id}/pars-learners.txt"))
    header, body = rows[0], rows[1:]
    assert header == documented("learners") == pars.learner_columns()
    for board in pars.MOC_BOARDS:
        assert f"{board} Diplomate ID" in header and f"{board} MOC Points" in header
    assert len(body) == 3  # one per learner: two licences do not make two rows, MOC is on the CME row
    row = {r[header.index("Last Name")]: dict(zip(header, r)) for r in body}
    priya = row["Raman"]
    assert priya["PARS Activity ID"] == "202698765" and priya["Provider Activity ID"] == f"course-{info.id}"
    assert priya["Date of Birth (MM/DD)"] == "03/07"
    assert priya["Completion Date (MM/DD/YYYY)"] == NOW.strftime("%m/%d/%Y") == "11/27/2026"
    assert (priya["License State"], priya["License ID"]) == ("NJ", "25MA0999")
    assert priya["AMA PRA Category 1 Credits"] == "1.5"
    assert (priya["ABIM Diplomate ID"], priya["ABIM MOC Points"]) == ("123456", "1.5")
    tomas = row["O'Neill"]
    assert (tomas["ABP Diplomate ID"], tomas["ABP MOC Points"]) == ("0098765", "2")  # leading zero kept
    assert tomas["ABIM Diplomate ID"] == "" and tomas["NPI"] == ""
    assert (row["Wei"]["ABS Diplomate ID"], row["Wei"]["ABS MOC Points"]) == ("S-4411", "0.25")
    assert all(r[header.index("Learner Permission to Share")] == "Y" for r in body)

    sheet = read_xlsx(educator.get(f"/credits/activities/course/{info.id}/pars-learners.xlsx"))
    assert sheet[0] == header and sorted(sheet[1:]) == sorted(body)
    book = load_workbook(io.BytesIO(educator.get(f"/credits/activities/course/{info.id}/pars-learners.xlsx").data))
    assert all(cell.data_type == "s" for row in book.active.iter_rows() for cell in row if cell.value is not None)


def test_the_gate_lists_every_problem_by_learner_and_leaves_them_out(world):
    org, info, educator, learner, claim, register = world
    good = learner("Ada", "Good", boards=[("ABIM", "654321")])
    no_consent = learner("Noor", "Shy", consent_to_report=False)
    no_birthday = learner("Ben", "Nobirth", birth_month=None, birth_day=None)
    bad_npi = learner("Cy", "Badnpi", npi="1234567890")
    no_board = learner("Di", "Noboard")
    formula = learner("=HYPERLINK(\"x\")", "Evil")
    feb30 = learner("Eve", "Leap", birth_month=2, birth_day=30)
    nurse = learner("Nia", "Nurse", profession="nurse")
    for user in (good, no_consent, no_birthday, bad_npi, formula, feb30):
        claim(user, "ama_pra_1", "1")
    claim(good, "abim_moc", "1")
    claim(no_board, "ama_pra_1", "1")
    claim(no_board, "abim_moc", "1")  # MOC for ABIM without an ABIM ID
    claim(nurse, "ancc", "1")
    register()
    response = educator.get(f"/credits/activities/course/{info.id}/pars-learners.txt")
    body = read_txt(response)[1:]
    assert [r[3] for r in body] == ["Good"]  # the nurse is not PARS learner data; every other has a problem
    assert response.headers["X-Learners-Left-Out"] == "6"
    page = educator.get(f"/credits/activities/course/{info.id}/claims").get_data(as_text=True)
    problems = page.split('id="pars-problems"', 1)[1].split("</ul>", 1)[0]
    for who, what in [("Noor Shy", "has not given permission"), ("Ben Nobirth", "birth month and day missing"),
                      ("Cy Badnpi", "NPI invalid"), ("Di Noboard", "ABIM diplomate ID missing"),
                      ("Evil", "first name has characters PARS does not accept"),
                      ("Eve Leap", "birth day does not exist")]:
        assert re.search(rf"{re.escape(who)}</strong>: {re.escape(what)}", problems), (who, what)
    assert problems.count("Fix:") == 6
    assert "Nia" not in problems


def test_no_file_without_a_pars_activity_id(world):
    org, info, educator, learner, claim, register = world
    claim(learner("Ada", "Good"), "ama_pra_1", "1")
    response = educator.get(f"/credits/activities/course/{info.id}/pars-learners.txt")
    assert response.status_code == 302
    page = educator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was exported" in page and "no PARS activity ID" in page
    assert educator.post(f"/credits/activities/course/{info.id}/pars",
                         {"pars_activity_id": "12\t34", "providership": "direct"}).status_code == 302
    assert educator.get(f"/credits/activities/course/{info.id}/pars-learners.txt").status_code == 302


def test_the_activity_record_has_the_fields_to_close_it(world):
    org, info, educator, learner, claim, register = world
    claim(learner("Ada", "Good"), "ama_pra_1", "1")
    claim(learner("Nia", "Nurse", profession="nurse"), "ancc", "1")
    register(providership="joint", joint_providers="")
    response = educator.get(f"/credits/activities/course/{info.id}/pars-activity.xlsx")
    assert response.status_code == 302  # jointly provided without a joint provider's name
    register(providership="joint", joint_providers="Harbor Medical Society", commercial_support="y",
             commercial_supporters="")
    assert educator.get(f"/credits/activities/course/{info.id}/pars-activity.xlsx").status_code == 302
    register(providership="joint", joint_providers="Harbor Medical Society", commercial_support="",
             changes_performance="y")
    sheet = read_xlsx(educator.get(f"/credits/activities/course/{info.id}/pars-activity.xlsx"))
    header, (row,) = sheet[0], sheet[1:]
    assert header == documented("activity") == pars.ACTIVITY_COLUMNS
    record = dict(zip(header, row))
    assert record["Activity Format"] == "Enduring Material" and record["Providership"] == "Joint"
    assert record["Start Date (MM/DD/YYYY)"] == "01/01/2026" and record["End Date (MM/DD/YYYY)"] == "12/31/2028"
    assert record["AMA PRA Category 1 Credits Designated"] == "2"
    assert (record["Physician Learners"], record["Other Learners"]) == ("1", "1")
    assert record["Designed to Change Performance"] == "Y" and record["Commercial Support Received"] == "N"
    assert record["MOC Boards"] == "ABIM;ABP;ABS"


def test_ja_pars_reports_every_profession_on_one_row(world, db):
    org, info, educator, learner, claim, register = world
    org.joint_accreditation = True
    doctor = learner("Ada", "Good", boards=[("ABIM", "654321")])
    nurse = learner("Nia", "Nurse", profession="nurse", npi=None, licences=[("OH", "RN.445566")])
    claim(doctor, "ama_pra_1", "2")
    claim(doctor, "abim_moc", "2")
    claim(nurse, "ancc", "1.75")
    register()
    rows = read_txt(educator.get(f"/credits/activities/course/{info.id}/ja-pars-learners.txt"))
    header, body = rows[0], rows[1:]
    assert header == documented("ja-learners") == pars.ja_learner_columns()
    row = {r[header.index("Last Name")]: dict(zip(header, r)) for r in body}
    assert row["Good"]["Learner Type"] == "Physician" and row["Good"]["AMA PRA Category 1 Credits"] == "2"
    assert row["Good"]["ABIM MOC Points"] == "2"
    assert row["Nurse"]["Learner Type"] == "Nurse" and row["Nurse"]["ANCC Contact Hours"] == "1.75"
    assert row["Nurse"]["AMA PRA Category 1 Credits"] == "" and row["Nurse"]["License ID"] == "RN.445566"


def test_values_cannot_break_the_tab_delimited_layout():
    export = pars.Export(["A", "B"], rows=[["x\ty", "line\r\nbreak"]])
    rows = list(csv.reader(io.StringIO(pars.tab_delimited(export).decode(), newline=""), delimiter="\t"))
    assert rows == [["A", "B"], ["x y", "line break"]]
