"""URL × role × expected status for the core routes (accounts, profiles, organisations, admin).

``test_every_route_is_in_a_matrix`` walks ``app.url_map`` and fails when a route is added
without deciding who may reach it in some package's matrix.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tests.http.access import ROLES, check_access, everyone, make_people, org_scoped, signed_in

from tests.factories import make_member, make_org, make_team

# endpoint: (method, path template, {role: status}). POSTs carry a valid CSRF token and no other data
# unless the row says so, so an allowed POST usually answers with a redirect back to its page.
MATRIX = {
    "main.index": ("GET", "/", {**signed_in(302), "anonymous": 200}),
    "main.dashboard": ("GET", "/dashboard", signed_in(200)),
    "main.policy": ("GET", "/policy", everyone(200)),
    "ops.healthz": ("GET", "/healthz", everyone(200)),
    "ops.readyz": ("GET", "/readyz", everyone(200)),
    "ops.metrics_view": ("GET", "/metrics", everyone(200)),  # the test client is loopback
    "auth.register": ("GET", "/auth/register", {**signed_in(302), "anonymous": 200}),
    "auth.check_email": ("GET", "/auth/check-email", everyone(200)),
    "auth.verify_email": ("GET", "/auth/verify/not-a-token", everyone(302)),
    "auth.resend_verification": ("GET", "/auth/verify/resend", everyone(200)),
    "auth.login": ("GET", "/auth/login", {**signed_in(302), "anonymous": 200}),
    "auth.logout": ("POST", "/auth/logout", everyone(302)),
    "auth.forgot_password": ("GET", "/auth/password/forgot", everyone(200)),
    "auth.reset_password": ("GET", "/auth/password/reset/not-a-token", everyone(302)),
    "auth.change_password": ("GET", "/auth/password/change", signed_in(200)),
    "users.profile": ("GET", "/profile", signed_in(200)),
    "users.add_licence": ("POST", "/profile/licences", signed_in(422)),
    "users.delete_licence": ("POST", "/profile/licences/{licence}/delete", {**signed_in(404), "member": 302}),
    "users.add_board": ("POST", "/profile/boards", signed_in(422)),
    "users.delete_account": ("GET", "/profile/delete", signed_in(200)),
    "users.delete_board": ("POST", "/profile/boards/{board}/delete", {**signed_in(404), "member": 302}),
    "orgs.index": ("GET", "/orgs/", signed_in(200)),
    "orgs.create": ("POST", "/orgs/new", signed_in(302)),
    "orgs.show": ("GET", "/orgs/{org}", org_scoped(200, member=200, educator=200)),
    "orgs.members": ("GET", "/orgs/{org}/members", org_scoped(200)),
    "orgs.change_role": ("POST", "/orgs/{org}/members/{membership}/role", org_scoped(302)),
    "orgs.set_active": ("POST", "/orgs/{org}/members/{membership}/reactivate", org_scoped(302)),
    "orgs.invite": ("POST", "/orgs/{org}/invitations", org_scoped(302)),
    "orgs.revoke_invitation": ("POST", "/orgs/{org}/invitations/{invitation}/revoke", org_scoped(302)),
    "orgs.accept_invitation": ("GET", "/orgs/invitations/not-a-token", everyone(404)),
    "orgs.teams": ("GET", "/orgs/{org}/teams", org_scoped(200)),
    "orgs.team": ("GET", "/orgs/{org}/teams/{team}", org_scoped(200)),
    "orgs.remove_team_member": ("POST", "/orgs/{org}/teams/{team}/members/{membership}/remove", org_scoped(302)),
    "admin.users": ("GET", "/admin/users", {**signed_in(403), "admin": 200}),
    "admin.set_user_disabled": ("POST", "/admin/users/{other_user}/enable", {**signed_in(403), "admin": 302}),
    "admin.audit": ("GET", "/admin/audit", {**signed_in(403), "admin": 200}),
}
# Framework routes that serve files and are public by design.
PUBLIC_FILES = {"static", "bootstrap.static"}


def all_matrices() -> dict:
    """Every package's matrix, from each ``tests/http/test_access_*.py`` module."""
    rows = {}
    for path in sorted(Path(__file__).parent.glob("test_access_*.py")):
        module = importlib.import_module(f"tests.http.{path.stem}")
        overlap = rows.keys() & module.MATRIX.keys()
        assert not overlap, f"{path.name} repeats rows: {overlap}"
        rows.update(module.MATRIX)
    return rows


def test_every_route_is_in_a_matrix(app):
    matrix = all_matrices()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - PUBLIC_FILES
    assert endpoints - matrix.keys() == set(), "add these routes to an access matrix"
    assert matrix.keys() - endpoints == set(), "these matrix rows name routes that no longer exist"


@pytest.fixture
def world(db):
    from lms.orgs.models import Invitation
    from lms.types import utcnow
    from lms.users.models import BoardCertification, Licence

    org, other = make_org(), make_org()
    people = make_people(org, other)
    member = make_member(org)
    team = make_team(org, members=[member])
    invitation = Invitation(org=org, email="x@example.org", role="member", token_hash="0" * 64,
                            expires_at=utcnow().replace(year=2099))
    licence = Licence(user=people["member"], state="NY", number="1")
    board = BoardCertification(user=people["member"], board="ABIM", diplomate_id="1")
    db.session.add_all([invitation, licence, board])
    db.session.flush()
    ids = {"org": org.id, "membership": member.id, "team": team.id, "invitation": invitation.id,
           "licence": licence.id, "board": board.id, "other_user": member.user_id}
    return people, ids


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, *MATRIX[endpoint], role)
