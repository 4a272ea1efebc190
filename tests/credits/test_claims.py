"""Claims on the append-only ledger: the rules, the bad inputs and the database's own guarantees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from lms.audit.models import AuditEvent
from lms.credits import services as credits
from lms.credits.models import CreditEntry
from lms.extensions import db as _db
from tests.credits.conftest import NOW
from tests.factories import make_user

D = Decimal


def claim(learner, info, amount, type_="ama_pra_1", **kw):
    kw.setdefault("attested", True)
    return credits.claim_credit(learner, info.kind, info.id, type_, D(amount) if isinstance(amount, str) else amount,
                                now=NOW, **kw)


def test_a_claim_is_one_ledger_entry_with_a_snapshot_and_an_audit_event(acts, db):
    learner = make_user(profession="physician_md")
    info = acts.add()
    acts.complete(learner, info)
    entry = claim(learner, info, "1.25")
    assert (entry.kind, entry.amount, entry.activity_title, entry.activity_date) == \
        ("claim", D("1.25"), info.title, NOW.date())
    assert isinstance(entry.amount, Decimal)
    event = db.session.scalar(_db.select(AuditEvent).where(AuditEvent.action == "credit.claim"))
    assert event.after["amount"] == "1.25" and event.actor_id == learner.id


@pytest.mark.parametrize("raw, message", [
    ("-5", "plain number"), ("1e308", "plain number"), ("NaN", "plain number"), ("Infinity", "plain number"),
    ("1,5", "plain number"), ("", "Enter an amount"), ("0.125", "two decimal places"), ("9" * 20, "plain number"),
    (" 1.5 ", None), ("1.50", None),
])
def test_amounts_as_typed(raw, message):
    if message is None:
        assert credits.parse_amount(raw) == D("1.5")
    else:
        with pytest.raises(credits.InvalidAmount, match=message):
            credits.parse_amount(raw)


@pytest.mark.parametrize("amount, message", [
    (D("0.1"), "steps of 0.25"), (D("1.75"), "at most 1.5"), (D("0"), "more than zero"), (D("-5"), "more than zero"),
    (D("NaN"), "plain number"), (D("1e308"), "at most 1.5"), (D("Infinity"), "plain number"),
])
def test_bad_amounts_are_refused_and_nothing_is_written(acts, db, amount, message):
    learner = make_user(profession="physician_md")
    info = acts.add()
    acts.complete(learner, info)
    with pytest.raises(credits.InvalidAmount, match=message):
        claim(learner, info, amount)
    assert db.session.scalar(_db.select(_db.func.count()).select_from(CreditEntry)) == 0


def test_no_claim_before_completion_or_without_the_evaluation(acts, db):
    learner = make_user(profession="physician_md")
    info = acts.add()
    with pytest.raises(credits.NotReady, match="Complete the activity"):
        claim(learner, info, "1")
    acts.complete(learner, info, evaluation=False)
    with pytest.raises(credits.NotReady, match="evaluation"):
        claim(learner, info, "1")


def test_attestation_is_required(acts, db):
    learner = make_user(profession="physician_md")
    info = acts.add()
    acts.complete(learner, info)
    with pytest.raises(credits.NotReady, match="commensurate"):
        claim(learner, info, "1", attested=False)


def test_a_second_claim_and_a_claim_after_revocation_are_refused(acts, db):
    learner, educator = make_user(profession="physician_md"), make_user()
    info = acts.add()
    acts.complete(learner, info)
    first = claim(learner, info, "1.5")
    with pytest.raises(credits.AlreadyClaimed, match="already claimed"):
        claim(learner, info, "1")
    credits.revoke_claim(educator, first, reason="Attendance not verified", now=NOW)
    with pytest.raises(credits.AlreadyClaimed, match="revoked"):
        claim(learner, info, "1")


def test_ama_credit_is_for_physicians_and_others_are_told_what_they_can_claim(acts, db):
    nurse = make_user(profession="nurse")
    info = acts.add(designations={"ama_pra_1": D("1.5")})
    acts.complete(nurse, info)
    with pytest.raises(credits.NotEligible, match="Certificate of participation instead"):
        claim(nurse, info, "1", type_="ama_pra_1")
    entry = claim(nurse, info, "1.5", type_="participation")
    assert entry.credit_type_code == "participation"


def test_acpe_needs_nabp_id_birth_day_and_a_uan(acts, db):
    pharmacist = make_user(profession="pharmacist")
    no_uan, with_uan = acts.add(designations={"acpe": D("2")}), acts.add(designations={"acpe": D("2")},
                                                                            acpe_uan="0000-9999-26-001-H01-P")
    acts.complete(pharmacist, no_uan)
    acts.complete(pharmacist, with_uan)
    with pytest.raises(credits.ProfileIncomplete, match="NABP"):
        claim(pharmacist, with_uan, "2", type_="acpe")
    pharmacist.nabp_eprofile_id, pharmacist.birth_month, pharmacist.birth_day = "1234567", 9, 3
    with pytest.raises(credits.NotEligible, match="(?i)universal activity number"):
        claim(pharmacist, no_uan, "2", type_="acpe")
    assert claim(pharmacist, with_uan, "2", type_="acpe").amount == D("2")


def test_category_2_is_self_documented(acts, db):
    learner = make_user(profession="physician_do")
    info = acts.add(designations={"ama_pra_2": D("3")})
    acts.complete(learner, info)
    with pytest.raises(credits.NotReady, match="Describe"):
        claim(learner, info, "1", type_="ama_pra_2")
    assert claim(learner, info, "1", type_="ama_pra_2", description="Read three journal articles").description


def test_live_credit_is_capped_by_attendance(acts, db):
    learner = make_user(profession="physician_md")
    info = acts.add(format="live", designations={"ama_pra_1": D("2")}, kind="meeting")
    acts.complete(learner, info, max_claimable=D("1.25"))
    with pytest.raises(credits.InvalidAmount, match="at most 1.25"):
        claim(learner, info, "1.5")
    assert claim(learner, info, "1.25").amount == D("1.25")


def test_corrections_and_revocations_are_new_entries_with_actor_and_reason(acts, db):
    learner, educator = make_user(profession="physician_md"), make_user()
    info = acts.add()
    acts.complete(learner, info)
    first = claim(learner, info, "1.5")
    with pytest.raises(credits.CreditError, match="reason"):
        credits.correct_claim(educator, first, D("1"), reason=" ", now=NOW)
    correction = credits.correct_claim(educator, first, D("1"), reason="Left early", now=NOW)
    assert (correction.kind, correction.claim_id, correction.amount, correction.actor_id) == \
        ("correction", first.id, D("-0.5"), educator.id)
    assert credits.net_amount(first) == D("1") and first.amount == D("1.5")
    credits.revoke_claim(educator, first, reason="Duplicate registration", now=NOW)
    assert credits.net_amount(first) == 0
    (row,) = credits.transcript(learner.id)
    assert (row.status, row.amount, row.claimed) == ("revoked", 0, D("1.5"))
    actions = db.session.scalars(_db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["credit.claim", "credit.correct", "credit.revoke"]


def test_has_claimed_agrees_with_the_claimed_amounts_through_corrections_and_revocation(acts, db):
    learner, other, educator = make_user(profession="physician_md"), make_user(profession="physician_md"), make_user()
    info, elsewhere = acts.add(), acts.add()
    acts.complete(learner, info)

    def agree():
        for who in (learner, other):
            for activity in (info, elsewhere):
                found = db.session.scalar(_db.select(credits.has_claimed(who.id, "course", activity.id)))
                assert found == bool(credits.claimed_amounts(who.id, "course", activity.id))

    agree()
    first = claim(learner, info, "1.5")
    agree()
    credits.correct_claim(educator, first, D("1"), reason="Left early", now=NOW)
    credits.revoke_claim(educator, first, reason="Duplicate registration", now=NOW)
    agree()
    assert db.session.scalar(_db.select(credits.has_claimed(learner.id, "course", info.id)))


def test_external_credit_is_self_reported_in_the_ledger(acts, db):
    learner = make_user()
    credits.add_external_credit(learner, credits.ExternalCreditData(
        "ACP", "Internal Medicine Meeting 2026", NOW.date(), "ama_pra_1", D("12.5"), ("implicit bias",)), now=NOW)
    (row,) = credits.transcript(learner.id)
    assert row.self_reported and row.amount == D("12.5") and row.activity_kind == "external"


@pytest.mark.parametrize("statement", ["UPDATE credit_entry SET amount = 99", "DELETE FROM credit_entry"])
def test_the_database_refuses_update_and_delete_of_ledger_rows(acts, db, statement):
    learner = make_user(profession="physician_md")
    info = acts.add()
    acts.complete(learner, info)
    entry = claim(learner, info, "1.5")
    db.session.flush()
    with pytest.raises(Exception, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text(statement + f" WHERE id = {entry.id}"))
    assert db.session.scalar(text(f"SELECT amount FROM credit_entry WHERE id = {entry.id}")) in (D("1.5"), 1.5)


def test_the_orm_cannot_change_a_ledger_row_either(acts, db):
    learner = make_user(profession="physician_md")
    info = acts.add()
    acts.complete(learner, info)
    entry = claim(learner, info, "1.5")
    db.session.flush()
    entry.amount = D("99")
    with pytest.raises(Exception, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_account_deletion_anonymises_the_profile_and_keeps_the_ledger(acts, db, client):
    from tests.factories import PASSWORD

    learner = make_user(profession="physician_md", first_name="Priya", npi="1234567893")
    info = acts.add()
    acts.complete(learner, info)
    entry = claim(learner, info, "1.5")
    client.login(learner)
    assert client.post("/profile/delete", {"password": PASSWORD, "confirm": "delete"}).status_code == 422
    assert client.post("/profile/delete", {"password": "wrong password here", "confirm": "DELETE"}).status_code == 422
    assert client.post("/profile/delete", {"password": PASSWORD, "confirm": "DELETE"}).status_code == 302
    assert learner.anonymised_at is not None and learner.first_name == "Deleted" and learner.npi is None
    assert "priya" not in learner.email.lower() and learner.password_hash is None
    assert db.session.get(CreditEntry, entry.id).amount == D("1.5")
    assert client.get("/profile").status_code == 302
