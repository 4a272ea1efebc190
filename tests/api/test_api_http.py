"""The API's HTTP contract: problem+json errors, ETags, cursors, rate limits, idempotency keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.credits.models import CreditEntry
from lms.orgs.models import Invitation
from lms.types import utcnow
from tests.api.conftest import personal_token, service_token
from tests.factories import complete_course, make_course, make_member, make_org, make_user

PROBLEM = "application/problem+json"


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["type"] == "about:blank" and body["title"]
    return body


@pytest.fixture
def learner(db):
    return make_user(profession="physician_md")


@pytest.fixture
def claimable(db, learner):
    course = make_course()
    enrolment = complete_course(learner, course)
    enrolment.evaluation_submitted_at = utcnow()
    db.session.flush()
    return course


def test_openapi_document_is_3_1_and_public(api, db):
    r = api().get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "/api/v1/me/credit-claims" in spec["paths"]
    claim = spec["paths"]["/api/v1/me/credit-claims"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in claim["parameters"])
    assert spec["components"]["responses"]["NOT_FOUND"]["content"].keys() == {PROBLEM}


def test_docs_are_served_locally(api, db):
    page = api().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "//cdn" not in html and "unpkg" not in html and "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    asset = api().get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    assert api().get("/api/v1/docs/assets/../package.json").status_code == 404
    assert api().get("/api/v1/docs/assets/index.html").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer cnt_nope", "Basic dXNlcjpwYXNz", "cnt_x", "Token abc"])
def test_no_valid_token_is_401_problem(api, db, header):
    client = api()
    r = client.get("/api/v1/me/transcript", headers={"Authorization": header} if header else {})
    assert_problem(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_session_cookie_is_not_a_token(api, client, db, learner):
    client.login(learner)
    assert client.get("/api/v1/me/transcript").status_code == 401


def test_errors_are_problems(api, db, learner):
    client = api(personal_token(learner))
    assert_problem(client.get("/api/v1/nowhere"), 404)
    assert_problem(client.get("/api/v1/activities/999999"), 404)
    assert_problem(client.get("/api/v1/activities/132779003333636538368"), 404)
    assert_problem(client.post("/api/v1/activities/99999999999999999999/enrolment"), 404)
    body = assert_problem(client.open("/api/v1/me/transcript", "DELETE"), 405)
    assert body["detail"]
    assert "GET" in client.open("/api/v1/me/transcript", "DELETE").headers["Allow"]
    body = assert_problem(client.get("/api/v1/me/credit-ledger?limit=0"), 422)
    assert "limit" in body["errors"]["query"]
    assert_problem(client.get("/api/v1/me/credit-ledger?cursor=garbage"), 422)
    assert_problem(client.get("/api/v1/me/credit-ledger?updated_since=yesterday"), 422)
    assert_problem(client.post("/api/v1/me/credit-claims", {"amount": "x"}), 422)
    narrow = api(personal_token(learner, scopes=["catalog:read"]))
    body = assert_problem(narrow.get("/api/v1/me/transcript"), 403)
    assert "credits:read" in body["detail"]


def test_html_pages_keep_their_own_errors(client, db):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and r.mimetype == "text/html"


def test_rate_limit_headers_and_429(app, api, db, learner):
    client = api(personal_token(learner))
    r = client.get("/api/v1/orgs")
    assert r.status_code == 200
    limit = int(r.headers["RateLimit-Limit"])
    assert int(r.headers["RateLimit-Remaining"]) == limit - 1 and int(r.headers["RateLimit-Reset"]) >= 0
    app.config["API_RATE_LIMIT"] = "2 per minute"
    try:
        assert [client.get("/api/v1/orgs").status_code for _ in range(2)] == [200, 200]
        body = assert_problem(client.get("/api/v1/orgs"), 429)
        assert body["title"] == "Too Many Requests"
        assert client.get("/api/v1/orgs").headers["RateLimit-Remaining"] == "0"
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"


def test_etag_and_if_none_match(api, db, learner, claimable):
    client = api(personal_token(learner))
    first = client.get("/api/v1/me/enrolments")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag and "Authorization" in first.headers["Vary"]
    again = client.get("/api/v1/me/enrolments", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/api/v1/me/enrolments", headers={"If-None-Match": '"other"'}).status_code == 200
    client.post("/api/v1/me/credit-claims", {"activity_kind": "course", "activity_id": claimable.id,
                                             "credit_type": "ama_pra_1", "amount": "1.5", "attest": True})
    ledger = client.get("/api/v1/me/credit-ledger")
    assert client.get("/api/v1/me/credit-ledger", headers={"If-None-Match": ledger.headers["ETag"]}).status_code == 304


def test_cursor_pagination_and_updated_since(api, db):
    org = make_org()
    manager = make_member(org, role="manager").user
    members = [make_member(org) for _ in range(4)]
    client = api(personal_token(manager))
    seen, url = [], f"/api/v1/orgs/{org.id}/members?limit=2"
    for _ in range(5):
        r = client.get(url)
        assert r.status_code == 200
        page = r.get_json()
        seen += [m["id"] for m in page["data"]]
        if page["next_cursor"] is None:
            assert "Link" not in r.headers
            break
        assert 'rel="next"' in r.headers["Link"]
        url = f"/api/v1/orgs/{org.id}/members?limit=2&cursor={page['next_cursor']}"
    assert len(seen) == 5 and len(set(seen)) == 5 and seen == sorted(seen)
    members[0].deactivated_at = utcnow() + timedelta(hours=1)
    db.session.flush()
    since = (utcnow() + timedelta(minutes=30)).isoformat()
    changed = client.get(f"/api/v1/orgs/{org.id}/members", query_string={"updated_since": since}).get_json()
    assert [m["id"] for m in changed["data"]] == [members[0].id]


def test_a_retried_claim_returns_the_first_result_never_a_second_row(api, db, learner, claimable):
    client = api(personal_token(learner))
    body = {"activity_kind": "course", "activity_id": claimable.id, "credit_type": "ama_pra_1", "amount": "1.25",
            "attest": True}
    key = {"Idempotency-Key": "2b1f6a2e-claim-1"}
    first = client.post("/api/v1/me/credit-claims", body, headers=key)
    assert first.status_code == 201, first.get_data(as_text=True)
    retry = client.post("/api/v1/me/credit-claims", body, headers=key)
    assert retry.status_code == 201 and retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(CreditEntry).where(
        CreditEntry.learner_id == learner.id)) == 1
    assert_problem(client.post("/api/v1/me/credit-claims", {**body, "amount": "1.5"}, headers=key), 409)
    # Without a key, the ledger's own rule still allows one claim only.
    assert_problem(client.post("/api/v1/me/credit-claims", body), 409)
    assert first.get_json()["amount"] == "1.25"


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "caf\u00e9"])
def test_malformed_idempotency_keys_are_refused(api, db, learner, claimable, key):
    client = api(personal_token(learner))
    r = client.post("/api/v1/me/credit-claims", {"activity_kind": "course", "activity_id": claimable.id,
                                                 "credit_type": "ama_pra_1", "amount": "1", "attest": True},
                    headers={"Idempotency-Key": key})
    assert r.status_code in (400, 422)


@pytest.mark.parametrize("body, status", [
    ({"credit_type": "ama_pra_1", "amount": "1.5", "attest": True}, 422),
    ({"activity_kind": "course", "credit_type": "ama_pra_1", "amount": "1.6", "attest": True}, 409),
    ({"activity_kind": "course", "credit_type": "ama_pra_1", "amount": "99", "attest": True}, 409),
    ({"activity_kind": "course", "credit_type": "ama_pra_1", "amount": "-1", "attest": True}, 422),
    ({"activity_kind": "course", "credit_type": "ama_pra_1", "amount": "NaN", "attest": True}, 422),
    ({"activity_kind": "course", "credit_type": "ama_pra_1", "amount": 1.5, "attest": True}, 422),
    ({"activity_kind": "course", "credit_type": "ama_pra_1", "amount": "0", "attest": True}, 409),
    ({"activity_kind": "course", "credit_type": "ancc", "amount": "1", "attest": True}, 409),
    ({"activity_kind": "course", "credit_type": "ama_pra_1", "amount": "1", "attest": False}, 409),
    ({"activity_kind": "meeting", "credit_type": "ama_pra_1", "amount": "1", "attest": True}, 409),
])
def test_claims_follow_the_claim_page_rules(api, db, learner, claimable, body, status):
    body = {"activity_id": claimable.id, **body}
    assert_problem(api(personal_token(learner)).post("/api/v1/me/credit-claims", body), status)
    assert db.session.scalar(select(func.count()).select_from(CreditEntry)) == 0


def test_an_unfinished_course_cannot_be_claimed(api, db, learner):
    course = make_course()
    assert_problem(api(personal_token(learner)).post("/api/v1/me/credit-claims", {
        "activity_kind": "course", "activity_id": course.id, "credit_type": "ama_pra_1", "amount": "1",
        "attest": True}), 409)


def test_invitation_post_is_idempotent_and_emails_once(api, db, outbox):
    org = make_org()
    manager = make_member(org, role="manager").user
    client = api(service_token(manager, org))
    key = {"Idempotency-Key": "hr-new-starter-42"}
    body = {"email": "new.starter@example.org", "role": "member"}
    first = client.post(f"/api/v1/orgs/{org.id}/invitations", body, headers=key)
    assert first.status_code == 201
    assert client.post(f"/api/v1/orgs/{org.id}/invitations", body, headers=key).get_json() == first.get_json()
    assert db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.org_id == org.id)) == 1
    assert len([m for m in outbox.messages if m["To"] == "new.starter@example.org"]) == 1
    assert_problem(client.post(f"/api/v1/orgs/{org.id}/invitations", {"email": "not-an-email"}), 422)
    assert_problem(client.post(f"/api/v1/orgs/{org.id}/invitations", {"email": "a@example.org", "role": "owner"}), 422)


def test_enrol_creates_once(api, db, learner):
    course = make_course()
    client = api(personal_token(learner))
    first = client.post(f"/api/v1/activities/{course.id}/enrolment")
    assert first.status_code == 201 and first.get_json()["activity_id"] == course.id
    assert client.post(f"/api/v1/activities/{course.id}/enrolment").status_code == 200
    archived = make_course()
    archived.archived_at = utcnow()
    db.session.flush()
    assert_problem(client.post(f"/api/v1/activities/{archived.id}/enrolment"), 404)


def test_a_request_counts_once_however_many_apps_the_process_made(app, api, db, learner, tmp_path):
    """The API's blueprints are shared module objects: making another app must not add its limits again."""
    from lms import create_app
    from tests.conftest import base_config

    for n in range(2):
        create_app(base_config(tmp_path / f"other{n}", f"sqlite:///{tmp_path}/other{n}.db"))
    client = api(personal_token(learner))
    first, second = client.get("/api/v1/orgs"), client.get("/api/v1/orgs")
    limit = int(first.headers["RateLimit-Limit"])
    assert int(first.headers["RateLimit-Remaining"]) == limit - 1
    assert int(second.headers["RateLimit-Remaining"]) == limit - 2
