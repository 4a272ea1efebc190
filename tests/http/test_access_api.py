"""The API's routes in the site-wide access matrix, as a browser with a session cookie meets them.

Every /api/v1 resource wants a bearer token, so a cookie gets 401 whoever holds it (no CSRF-able
door); the OpenAPI document, the docs and certificate verification are public. What each token
scope and role may do is in ``tests/api/test_api_access.py``, checked against the web pages.
"""

from __future__ import annotations

import pytest

from lms.extensions import db as _db
from tests.factories import make_org
from tests.http.access import ROLES, check_access, everyone, make_people, org_scoped, signed_in

TOKEN = everyone(401)

MATRIX = {
    "api-docs.openapi_json": ("GET", "/api/v1/openapi.json", everyone(200)),
    "api_docs.page": ("GET", "/api/v1/docs", everyone(200)),
    "api_docs.asset": ("GET", "/api/v1/docs/assets/swagger-ui.css", everyone(200)),
    "api_catalog.list_activities": ("GET", "/api/v1/activities", TOKEN),
    "api_catalog.get_activity": ("GET", "/api/v1/activities/1", TOKEN),
    "api_catalog.enrol": ("POST", "/api/v1/activities/1/enrolment", TOKEN),
    "api_learning.list_enrolments": ("GET", "/api/v1/me/enrolments", TOKEN),
    "api_learning.get_enrolment": ("GET", "/api/v1/me/enrolments/1", TOKEN),
    "api_learning.list_completions": ("GET", "/api/v1/me/completions", TOKEN),
    "api_credits.ledger": ("GET", "/api/v1/me/credit-ledger", TOKEN),
    "api_credits.transcript": ("GET", "/api/v1/me/transcript", TOKEN),
    "api_credits.requirements": ("GET", "/api/v1/me/requirements", TOKEN),
    "api_credits.claim": ("POST", "/api/v1/me/credit-claims", TOKEN),
    "api_certificates.list_certificates": ("GET", "/api/v1/me/certificates", TOKEN),
    "api_certificates.get_certificate": ("GET", "/api/v1/me/certificates/1", TOKEN),
    "api_certificates.verify": ("GET", "/api/v1/certificates/verify/not-a-code", everyone(404)),
    "api_orgs.list_orgs": ("GET", "/api/v1/orgs", TOKEN),
    "api_orgs.members": ("GET", "/api/v1/orgs/{org}/members", TOKEN),
    "api_orgs.teams": ("GET", "/api/v1/orgs/{org}/teams", TOKEN),
    "api_orgs.invitations": ("GET", "/api/v1/orgs/{org}/invitations", TOKEN),
    "api_orgs.invite": ("POST", "/api/v1/orgs/{org}/invitations", TOKEN),
    "api_training.assignments": ("GET", "/api/v1/orgs/{org}/assignments", TOKEN),
    "api_training.compliance_matrix": ("GET", "/api/v1/orgs/{org}/compliance", TOKEN),
    "api_meetings.list_meetings": ("GET", "/api/v1/meetings", TOKEN),
    "api_meetings.get_meeting": ("GET", "/api/v1/meetings/1", TOKEN),
    "api_meetings.invitations": ("GET", "/api/v1/meetings/1/invitations", TOKEN),
    "api_meetings.attendance": ("GET", "/api/v1/meetings/1/attendance", TOKEN),
    "api_tokens.personal": ("GET", "/profile/tokens", signed_in(200)),
    "api_tokens.revoke_personal": ("POST", "/profile/tokens/999999/revoke", signed_in(404)),
    "api_tokens.service": ("GET", "/orgs/{org}/api-tokens", org_scoped(200)),
    "api_tokens.revoke_service": ("POST", "/orgs/{org}/api-tokens/999999/revoke", org_scoped(404)),
    "webhooks.index": ("GET", "/orgs/{org}/webhooks", org_scoped(200)),
    "webhooks.show": ("GET", "/orgs/{org}/webhooks/{endpoint}", org_scoped(200)),
    "webhooks.set_active": ("POST", "/orgs/{org}/webhooks/{endpoint}/disable", org_scoped(302)),
    "webhooks.redeliver": ("POST", "/orgs/{org}/webhooks/{endpoint}/deliveries/{delivery}/redeliver",
                           org_scoped(302)),
}


@pytest.fixture
def world(db):
    from lms.webhooks.models import WebhookDelivery, WebhookEndpoint

    org, other = make_org(), make_org()
    people = make_people(org, other)
    endpoint = WebhookEndpoint(org_id=org.id, url="https://hooks.example.org/x", secret="whsec_x",
                               events=["credit.claimed"], is_active=True, consecutive_failures=0, disabled_reason="")
    _db.session.add(endpoint)
    _db.session.flush()
    # Delivered already: "send again" in the matrix queues it without reaching out.
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id="evt_x", event_type="credit.claimed", payload="{}",
                               status="delivered", attempts=1)
    _db.session.add(delivery)
    _db.session.flush()
    return people, {"org": org.id, "endpoint": endpoint.id, "delivery": delivery.id}


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, *MATRIX[endpoint], role)
