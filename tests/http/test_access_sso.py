"""URL × role × expected status for sessions and single sign-on."""

from __future__ import annotations

import pytest

from tests.http.access import ROLES, check_access, everyone, make_people, org_scoped, signed_in

from tests.factories import make_org

MATRIX = {
    "sessions.index": ("GET", "/account/sessions", signed_in(200)),
    "sessions.end": ("POST", "/account/sessions/{session}/end", signed_in(404)),
    "sessions.end_all": ("POST", "/account/sessions/end-all", signed_in(302)),
    "sessions.admin_user_sessions": ("GET", "/admin/users/{other_user}/sessions", {**signed_in(403), "admin": 200}),
    "sso.start": ("GET", "/sso/", everyone(200)),
    "sso.oidc_callback": ("GET", "/sso/oidc/callback?state=x&code=y", everyone(400)),
    "sso.settings": ("GET", "/sso/orgs/{org}/settings", org_scoped(200)),
    "sso.saml_metadata": ("GET", "/sso/saml/{connection}/metadata", everyone(200)),
    "sso.saml_acs": ("POST", "/sso/saml/{connection}/acs", everyone(404)),
}


@pytest.fixture
def world(db):
    from lms.sessions.services import start_session
    from lms.sso.models import SsoConnection
    from lms.types import utcnow
    from tests.factories import make_user

    org, other = make_org(), make_org()
    people = make_people(org, other)
    someone = make_user()
    row, _ = start_session(someone, method="password", user_agent="x", ip=None, now=utcnow())
    conn = SsoConnection(org_id=org.id)  # not enabled: its ACS is an unknown identity provider
    db.session.add(conn)
    db.session.flush()
    return people, {"org": org.id, "session": row.id, "other_user": someone.id, "connection": conn.id}


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, *MATRIX[endpoint], role)
