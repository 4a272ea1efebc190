"""Claiming, transcripts, external credit, requirements and accreditor exports through HTTP."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from lms.credits import services
from lms.credits.models import CreditEntry, Requirement
from lms.extensions import db as _db
from tests.conftest import count_queries
from tests.credits.conftest import NOW
from tests.factories import make_member, make_org, make_user

D = Decimal


@pytest.fixture
def setup(acts, db):
    org = make_org(name="Northbridge CME Institute", kind="provider")
    learner = make_user(profession="physician_md", first_name="Priya", last_name="Raman")
    info = acts.add(org=org, designations={"ama_pra_1": D("1.5"), "abim_moc": D("1.5")})
    acts.complete(learner, info)
    return org, learner, info


def entries(learner):
    return _db.session.scalars(_db.select(CreditEntry).where(CreditEntry.learner_id == learner.id)).all()


def test_claim_page_shows_the_designation_statement(client, setup):
    org, learner, info = setup
    page = client.login(learner).get(f"/credits/claim/course/{info.id}").get_data(as_text=True)
    assert ("Northbridge CME Institute designates this enduring material for a maximum of 1.5 AMA PRA Category 1 "
            "Credits™. Physicians should claim only the credit commensurate with the extent of their participation "
            "in the activity.") in page


def test_claim_1_25_of_1_5_and_see_it_on_the_transcript(client, setup):
    org, learner, info = setup
    client.login(learner)
    response = client.post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1.25", "attest": "y"})
    assert response.status_code == 302
    (entry,) = entries(learner)
    assert entry.amount == D("1.25")
    page = client.get("/credits/transcript").get_data(as_text=True)
    assert info.title in page and "1.25" in page


def test_claim_for_another_learner_id_claims_for_yourself_only(client, setup):
    org, learner, info = setup
    victim = make_user(profession="physician_md")
    client.login(learner).post(f"/credits/claim/course/{info.id}",
                               {"amount_ama_pra_1": "1", "attest": "y", "learner_id": str(victim.id),
                                "user_id": str(victim.id)})
    assert entries(victim) == [] and len(entries(learner)) == 1


@pytest.mark.parametrize("amount, message", [("0.1", "steps of 0.25"), ("-5", "plain number"),
                                             ("1e308", "plain number"), ("NaN", "plain number"),
                                             ("2", "at most 1.5")])
def test_bad_amounts_get_a_clear_answer_and_nothing_is_written(client, setup, amount, message):
    org, learner, info = setup
    response = client.login(learner).post(f"/credits/claim/course/{info.id}",
                                          {"amount_ama_pra_1": amount, "attest": "y"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert entries(learner) == []


def test_all_or_nothing_when_one_type_fails(client, setup):
    org, learner, info = setup
    response = client.login(learner).post(f"/credits/claim/course/{info.id}",
                                          {"amount_ama_pra_1": "1", "amount_abim_moc": "0.3", "attest": "y"})
    assert response.status_code == 422 and entries(learner) == []


def test_a_retried_post_makes_one_entry_and_a_clear_answer(client, setup):
    org, learner, info = setup
    client.login(learner)
    first = client.post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1", "attest": "y"})
    again = client.post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1", "attest": "y"})
    assert first.status_code == 302 and again.status_code == 422
    assert "already claimed" in again.get_data(as_text=True) or "nothing more to claim" in again.get_data(as_text=True)
    assert len(entries(learner)) == 1


def test_without_attestation_nothing_is_claimed(client, setup):
    org, learner, info = setup
    response = client.login(learner).post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1"})
    assert response.status_code == 422 and entries(learner) == []


def test_unknown_activity_is_404(client, setup):
    org, learner, info = setup
    assert client.login(learner).get("/credits/claim/course/999999").status_code == 404


@pytest.mark.slow  # seconds of work: left out of `make quick`
def test_transcript_csv_and_pdf(client, setup, acts):
    org, learner, info = setup
    client.login(learner).post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1.25", "attest": "y"})
    client.post("/credits/external", {"provider_name": "=HYPERLINK(\"http://evil\")", "activity_title": "+cmd",
                                      "activity_date": "2026-10-01", "credit_type_code": "ama_pra_1", "amount": "2"})
    rows = list(csv.reader(io.StringIO(client.get("/credits/transcript.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Date", "Activity", "Provider", "Credit type", "Amount"]
    by_title = {r[1]: r for r in rows[1:]}
    assert by_title[info.title][4] == "1.25"
    assert by_title["'+cmd"][2].startswith("'=HYPERLINK") and by_title["'+cmd"][7] == "yes"

    response = client.get("/credits/transcript.pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Priya Raman" in text and "1.25" in text and "self-reported" in text


def test_transcript_date_range(client, setup):
    org, learner, info = setup
    client.login(learner).post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1", "attest": "y"})
    assert info.title in client.get("/credits/transcript?start=2026-11-01&end=2026-11-30").get_data(as_text=True)
    assert info.title not in client.get("/credits/transcript?start=2025-01-01&end=2025-12-31").get_data(as_text=True)
    assert client.get("/credits/transcript?start=garbage").status_code == 200


@pytest.mark.parametrize("filename, content, ok", [
    ("cert.pdf", b"%PDF-1.7\n...", True), ("x.html", b"<script>alert(1)</script>", False),
    ("../../x.pdf", b"%PDF-1.7\n", True), ("image.svg", b"<svg onload=alert(1)>", False),
    ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), False),
])
def test_external_certificate_uploads(client, setup, app, filename, content, ok):
    org, learner, info = setup
    client.login(learner)
    response = client.post("/credits/external", {
        "provider_name": "ACP", "activity_title": "Annual meeting", "activity_date": "2026-10-01",
        "credit_type_code": "ama_pra_1", "amount": "3", "certificate": (io.BytesIO(content), filename)},
        content_type="multipart/form-data")
    assert (response.status_code == 302) is ok
    from lms.credits.models import ExternalCredit

    stored = _db.session.scalars(_db.select(ExternalCredit)).all()
    assert len(stored) == (1 if ok else 0)
    if ok:
        assert ".." not in stored[0].certificate_path and stored[0].certificate_filename == "x.pdf" or \
            stored[0].certificate_filename == "cert.pdf"
        download = client.get(f"/credits/external/{stored[0].id}/certificate")
        assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]


def test_external_credit_in_the_future_is_refused(client, setup):
    org, learner, info = setup
    response = client.login(learner).post("/credits/external", {
        "provider_name": "ACP", "activity_title": "Annual meeting", "activity_date": "2099-01-01",
        "credit_type_code": "ama_pra_1", "amount": "3"})
    assert response.status_code == 422 and "future" in response.get_data(as_text=True)


def test_requirement_from_a_template_shows_progress_and_gap(client, setup):
    org, learner, info = setup
    client.login(learner).post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1.5", "attest": "y"})
    response = client.post("/credits/requirements/template", {"template_code": "ca-md", "cycle_end": "2027-06-30"})
    assert response.status_code == 302
    requirement = _db.session.scalar(_db.select(Requirement))
    assert requirement.cycle_start == date(2025, 7, 1) and requirement.total_required == 50
    page = client.get("/credits/requirements").get_data(as_text=True)
    assert "1.5 of 50 counted" in page and "48.5 to go" in page and "mbc.ca.gov" in page


def test_recurring_template_needs_the_cycle_end(client, setup):
    org, learner, info = setup
    response = client.login(learner).post("/credits/requirements/template", {"template_code": "tx-md"})
    assert response.status_code == 422 and "renewal date" in response.get_data(as_text=True)


def test_custom_requirement_with_a_topic_minimum(client, setup):
    org, learner, info = setup
    client.login(learner)
    response = client.post("/credits/requirements/custom", {
        "name": "Hospital privileges", "cycle_start": "2026-01-01", "cycle_end": "2026-12-31",
        "total_required": "10", "credit_types": "", "topic": "pain management/opioids", "topic_hours": "2"})
    assert response.status_code == 302
    bad = client.post("/credits/requirements/custom", {"name": "x", "cycle_start": "2026-12-31",
                                                       "cycle_end": "2026-01-01", "total_required": "1"})
    assert bad.status_code == 422 and "must end after" in bad.get_data(as_text=True)


def test_pars_export_has_only_consented_learners_and_a_validation_report(make_client, setup, acts):
    org, learner, info = setup
    learner.consent_to_report, learner.birth_month, learner.birth_day, learner.npi = True, 4, 12, "1234567893"
    shy = make_user(profession="physician_md", first_name="Shy")
    incomplete = make_user(profession="physician_md", first_name="Ines", consent_to_report=True)
    for user in (learner, shy, incomplete):
        acts.complete(user, info)
        make_client().login(user).post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1", "attest": "y"})
    educator = make_member(org, role="educator").user
    browser = make_client().login(educator)
    assert browser.post(f"/credits/activities/course/{info.id}/pars", {"pars_activity_id": "202612345",
                                                                      "providership": "direct",
                                                                      "changes_competence": "y"}).status_code == 302
    response = browser.get(f"/credits/activities/course/{info.id}/pars-learners.txt")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter="\t"))
    names = [r[2] for r in rows[1:]]
    assert names == ["Priya"] and response.headers["X-Learners-Left-Out"] == "2"
    assert rows[1][4] == "04/12" and rows[1][6] == "1234567893" and rows[1][9] == "1"
    page = browser.get(f"/credits/activities/course/{info.id}/claims").get_data(as_text=True)
    assert "Ines" in page and "birth month and day missing" in page and "has not given permission" in page


def test_educator_corrects_and_revokes_with_reasons(make_client, setup):
    org, learner, info = setup
    make_client().login(learner).post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1.5", "attest": "y"})
    (claim,) = entries(learner)
    educator = make_client().login(make_member(org, role="educator").user)
    assert educator.post(f"/credits/entries/{claim.id}/correct", {"amount": "1", "reason": "Left early"}).status_code == 302
    assert educator.post(f"/credits/entries/{claim.id}/revoke", {"reason": ""}).status_code == 302
    assert len(entries(learner)) == 2  # the empty reason was refused
    educator.post(f"/credits/entries/{claim.id}/revoke", {"reason": "Registration was a duplicate"})
    kinds = sorted(e.kind for e in entries(learner))
    assert kinds == ["claim", "correction", "revocation"]


def test_the_kept_transcript_follows_every_ledger_entry_at_once(make_client, setup):
    """An educator's correction and revocation (another user, possibly another process) show on the
    learner's very next visit: the transcript is read fresh every time."""
    org, learner, info = setup
    browser = make_client().login(learner)
    assert "No credit yet" in browser.get("/credits/transcript").text
    browser.post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1.5", "attest": "y"})
    for _ in range(2):
        page = browser.get("/credits/transcript").text
        assert "No credit yet" not in page and "Claimed" in page and ">1.5 <" in page
    (claim,) = entries(learner)
    educator = make_client().login(make_member(org, role="educator").user)
    educator.post(f"/credits/entries/{claim.id}/correct", {"amount": "1", "reason": "Left early"})
    page = browser.get("/credits/transcript").text
    assert "Corrected from 1.5" in page and ">1 <" in page
    educator.post(f"/credits/entries/{claim.id}/revoke", {"reason": "Registration was a duplicate"})
    assert "Revoked" in browser.get("/credits/transcript").text
    # A date range is its own rendering: the claim's date is today, so a range in the past is empty.
    assert "No credit yet" in browser.get("/credits/transcript?start=2001-01-01&end=2001-12-31").text
    assert "Revoked" in browser.get("/credits/transcript").text


def test_the_kept_ledger_escapes_hostile_titles(make_client, acts, db):
    """The ledger is Markup only because it is an autoescaped template's output: a hostile title
    prints as text."""
    org = make_org(name="<b>Org</b>", kind="provider")
    learner = make_user(profession="physician_md")
    info = acts.add(org=org, title="<script>alert(1)</script> Sepsis", designations={"ama_pra_1": D("1")})
    acts.complete(learner, info)
    browser = make_client().login(learner)
    browser.post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1", "attest": "y"})
    for _ in range(2):
        page = browser.get("/credits/transcript").text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Sepsis" in page and "<script>alert" not in page


def _claims(acts, org, learners, n):
    for i in range(n):
        info = acts.add(org=org, title=f"Activity {i}")
        for learner in learners:
            acts.complete(learner, info)
            services.claim_credit(learner, "course", info.id, "ama_pra_1", D("1"), attested=True, now=NOW)
    return info


@pytest.mark.slow  # seconds of work: left out of `make quick`
def test_transcript_and_pars_run_a_bounded_number_of_queries(make_client, acts, db):
    org = make_org(kind="provider")
    educator = make_member(org, role="educator").user
    counts = {}
    for n in (2, 25):
        learners = [make_user(profession="physician_md", consent_to_report=True) for _ in range(n)]
        info = _claims(acts, org, learners, n)
        learner_browser, educator_browser = make_client().login(learners[0]), make_client().login(educator)
        with count_queries(db.engine) as transcript:
            assert learner_browser.get("/credits/transcript").status_code == 200
        with count_queries(db.engine) as pars:
            assert educator_browser.get(f"/credits/activities/course/{info.id}/pars-learners.txt").status_code \
                in (200, 302)
        with count_queries(db.engine) as claims_page:
            assert educator_browser.get(f"/credits/activities/course/{info.id}/claims").status_code == 200
        counts[n] = (len(transcript), len(pars), len(claims_page))
    assert counts[2] == counts[25], counts


def test_the_dashboard_shows_licence_progress(client, setup):
    org, learner, info = setup
    client.login(learner).post(f"/credits/claim/course/{info.id}", {"amount_ama_pra_1": "1.5", "attest": "y"})
    client.post("/credits/requirements/template", {"template_code": "tx-md", "cycle_end": "2027-03-31"})
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Texas physician licence" in page and "46.5 to go" in page and "days left" in page


def test_a_likely_identifier_is_saved_only_after_the_person_confirms(client, setup):
    from lms.credits.models import ExternalCredit

    org, learner, info = setup
    data = {"provider_name": "ACP", "activity_title": "Mr Jones was admitted on 12 March 2026",
            "activity_date": "2026-10-01", "credit_type_code": "ama_pra_1", "amount": "1"}
    client.login(learner)
    first = client.post("/credits/external", data)
    page = first.get_data(as_text=True)
    assert first.status_code == 422 and 'name="activity_title-phi-confirmed"' in page
    assert "Mr Jones was admitted" in page  # nothing typed is lost
    assert _db.session.scalars(_db.select(ExternalCredit)).all() == []
    second = client.post("/credits/external", {**data, "activity_title-phi-confirmed": "1"})
    assert second.status_code == 302 and len(_db.session.scalars(_db.select(ExternalCredit)).all()) == 1


def test_the_clearest_identifiers_are_refused_even_when_confirmed(client, setup):
    org, learner, info = setup
    response = client.login(learner).post("/credits/external", {
        "provider_name": "ACP", "activity_title": "John Smith, DOB 03/04/1962, MRN 00123456",
        "activity_date": "2026-10-01", "credit_type_code": "ama_pra_1", "amount": "1",
        "activity_title-phi-confirmed": "1"})
    from lms.credits.models import ExternalCredit

    assert response.status_code == 422 and "Remove identifiers" in response.get_data(as_text=True)
    assert _db.session.scalars(_db.select(ExternalCredit)).all() == []
