"""Roster CSV import: every problem reported by line, nothing half-imported, the same file twice changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.orgs.models import Membership, Team, TeamMember
from lms.training import roster
from lms.training.models import RosterImport
from lms.types import utcnow
from lms.users.models import User
from tests.factories import make_member, make_org, make_team, make_user

HEADER = "name,email,role,team,profession,job title\n"


def csv_bytes(*lines: str, header: str = HEADER, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + header + "".join(line + "\n" for line in lines)).encode()


def errors_of(data: bytes) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.message) for e in roster.parse(data)[1]]


def test_clean_file_with_and_without_bom():
    for bom in (False, True):
        rows, errors = roster.parse(csv_bytes("Ana Lopez,ANA@Example.org,member,Front office,Nurse,Receptionist",
                                              "Ben Ode,ben@example.org,,,,", bom=bom))
        assert errors == []
        assert rows[0] | {"line": 0} == {"line": 0, "first_name": "Ana", "last_name": "Lopez", "email": "ana@example.org",
                                         "role": "member", "team": "Front office", "profession": "nurse",
                                         "job_title": "Receptionist"}
        assert (rows[1]["role"], rows[1]["profession"]) == ("member", "other")


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)",
                                  "-2+3", "\t=1"])
def test_formula_injection_is_refused_per_cell(cell):
    data = csv_bytes(f'"{cell.replace(chr(34), chr(34) * 2)}",a@example.org,member,,,',
                     f'Ok Person,b@example.org,member,"{cell.replace(chr(34), chr(34) * 2)}",,')
    problems = errors_of(data)
    assert [(line, col) for line, col, _ in problems] == [(2, "name"), (3, "team")]
    assert "formula" in problems[0][2]


def test_bad_emails_roles_professions_and_duplicates_are_reported_by_line():
    problems = errors_of(csv_bytes(
        "A One,not-an-email,member,,,",
        "B Two,b@example.org,owner,,,",
        "C Three,c@example.org,member,,astronaut,",
        "D Four,b@EXAMPLE.org,member,,,",
        ",e@example.org,member,,,",
    ))
    assert [(line, column) for line, column, _ in problems] == [
        (2, "email"), (3, "role"), (4, "profession"), (5, "email"), (6, "name")]
    assert "already on line 3" in problems[3][2]


def test_non_utf8_file_is_refused_with_the_byte_offset():
    data = HEADER.encode() + "José Díaz,jose@example.org,member,,,\n".encode("latin-1")
    with pytest.raises(roster.RosterFileError) as exc:
        roster.parse(data)
    offset = data.index(b"\xe9")
    assert f"offset {offset}" in str(exc.value) and "CSV UTF-8" in str(exc.value)


def test_missing_columns_empty_files_and_nul_bytes_are_refused_whole():
    for data in (b"", b"email\nx@example.org\n", HEADER.encode(), b"name,email\nA B,a@example.org\x00\n"):
        with pytest.raises(roster.RosterFileError):
            roster.parse(data)


@pytest.mark.slow  # seconds of work: left out of `make quick`
def test_ten_thousand_rows_parse_and_one_more_is_refused_whole():
    lines = [f"Person {i},p{i}@example.org,member,Team {i % 7},nurse,Nurse" for i in range(roster.MAX_ROWS)]
    rows, errors = roster.parse(csv_bytes(*lines))
    assert (len(rows), errors) == (10_000, [])
    with pytest.raises(roster.RosterFileError, match="more than 10,000"):
        roster.parse(csv_bytes(*lines, "One More,extra@example.org,member,,,"))


def test_split_name_columns_are_accepted():
    rows, errors = roster.parse(csv_bytes("Ana,Lopez,ana@example.org", header="First name,Last_Name,Email\n"))
    assert errors == [] and (rows[0]["first_name"], rows[0]["last_name"]) == ("Ana", "Lopez")


def _import(org, actor, data):
    imp = roster.upload(actor, org, "staff.csv", data, now=utcnow())
    return imp, roster.apply(actor, imp, now=utcnow())


def test_apply_creates_accounts_memberships_and_teams_and_the_same_file_again_changes_nothing(db):
    org = make_org()
    manager = make_member(org, role="manager").user
    existing = make_user(email="kim@example.org")
    data = csv_bytes("Ana Lopez,ana@example.org,member,Front office,nurse,Receptionist",
                     "Kim Park,kim@example.org,educator,Clinical,,Nurse",
                     "Lee Chan,lee@example.org,manager,front OFFICE,,Practice lead")
    _, summary = _import(org, manager, data)
    assert (summary["create"], summary["add"], summary["update"]) == (2, 1, 0)
    members = {m.user.email: m for m in db.session.scalars(select(Membership).where(Membership.org_id == org.id))}
    assert members["ana@example.org"].user.password_hash is None
    assert (members["kim@example.org"].user_id, members["kim@example.org"].role) == (existing.id, "educator")
    assert sorted(t.name for t in db.session.scalars(select(Team).where(Team.org_id == org.id))) == [
        "Clinical", "Front office"]
    before = db.session.scalar(select(func.count()).select_from(TeamMember))
    imp2, summary2 = _import(org, manager, data)
    assert (summary2["create"], summary2["add"], summary2["update"], summary2["none"]) == (0, 0, 0, 3)
    assert db.session.scalar(select(func.count()).select_from(TeamMember)) == before
    assert imp2.file_sha256 == db.session.get(RosterImport, imp2.id).file_sha256


def test_existing_member_is_updated_not_duplicated_and_a_leaver_is_left_alone(db):
    org = make_org()
    manager = make_member(org, role="manager").user
    stays = make_member(org, make_user(email="stay@example.org"), job_title="Nurse")
    left = make_member(org, make_user(email="left@example.org"), deactivated_at=utcnow())
    make_team(org, name="Clinical")
    _, summary = _import(org, manager, csv_bytes("Stay Here,stay@example.org,manager,Clinical,,Senior nurse",
                                                 "Left Here,left@example.org,member,Clinical,,"))
    assert (summary["update"], summary["leaver"]) == (1, 1)
    db.session.refresh(stays)
    assert (stays.job_title, stays.role) == ("Senior nurse", "member")  # an import never changes roles
    assert left.deactivated_at is not None


def test_a_file_with_errors_imports_only_its_valid_rows_when_asked(db):
    org = make_org()
    manager = make_member(org, role="manager").user
    imp = roster.upload(manager, org, "bad.csv", csv_bytes("Ana Lopez,ana@example.org,member,New team,,",
                                                           "=cmd,bad,member,,,"), now=utcnow())
    assert len(imp.errors) == 2 and [r["email"] for r in imp.rows] == ["ana@example.org"]
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is None  # not before asked
    summary = roster.apply(manager, imp, now=utcnow())
    assert (summary["create"], summary["skipped"]) == (1, 1)
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is not None
    assert db.session.scalar(select(User).where(User.email == "bad")) is None


def test_a_file_with_only_errors_imports_nothing(db):
    org = make_org()
    manager = make_member(org, role="manager").user
    imp = roster.upload(manager, org, "bad.csv", csv_bytes("=cmd,bad,member,,,"), now=utcnow())
    with pytest.raises(roster.RosterNotReady):
        roster.apply(manager, imp, now=utcnow())


def test_errors_are_in_human_words_never_internal_codes():
    problems = errors_of(csv_bytes("A One,a@example.org,owner,,,", "B Two,b@example.org,member,,astronaut,",
                                   "C Three,c@example.org,member,,RN,", "D Four,d@example.org,member,,Physician (DO),"))
    assert [(line, column) for line, column, _ in problems] == [(2, "role"), (3, "profession")]
    assert "Member, Educator or Manager" in problems[0][2]
    assert "Physician (MD)" in problems[1][2] and "physician_md" not in problems[1][2]
    rows, _ = roster.parse(csv_bytes("C Three,c@example.org,member,,RN,", "D Four,d@example.org,,,Physician (DO),"))
    assert [r["profession"] for r in rows] == ["nurse", "physician_do"]


def test_a_changed_staff_list_refuses_a_stale_confirmation(db):
    org = make_org()
    manager = make_member(org, role="manager").user
    imp = roster.upload(manager, org, "s.csv", csv_bytes("Ana Lopez,ana@example.org,member,,,"), now=utcnow())
    seen = roster.plan_digest(roster.plan(org, imp.rows))
    make_member(org, make_user(email="ana@example.org"))  # added by hand after the preview
    with pytest.raises(roster.RosterNotReady, match="changed since this preview"):
        roster.apply(manager, imp, now=utcnow(), seen=seen)


def test_an_applied_import_cannot_be_applied_twice(db):
    org = make_org()
    manager = make_member(org, role="manager").user
    imp, _ = _import(org, manager, csv_bytes("Ana Lopez,ana@example.org,member,,,"))
    with pytest.raises(roster.RosterNotReady):
        roster.apply(manager, imp, now=utcnow())


@pytest.mark.slow
def test_ten_thousand_rows_apply_in_one_transaction_and_again_change_nothing(db):
    org = make_org()
    manager = make_member(org, role="manager").user
    data = csv_bytes(*[f"Person {i},p{i}@bulk.example.org,member,Team {i % 20},nurse,Nurse"
                       for i in range(roster.MAX_ROWS)])
    _, summary = _import(org, manager, data)
    assert summary["create"] == 10_000
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.org_id == org.id)) == 10_001
    assert db.session.scalar(select(func.count()).select_from(Team).where(Team.org_id == org.id)) == 20
    _, again = _import(org, manager, data)
    assert (again["create"], again["none"]) == (0, 10_000)
