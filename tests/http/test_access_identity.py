"""URL × role × expected status for second factors (``mfa.*``) and SCIM provisioning (``scim.*``).

The sign-in step pages answer everyone (they read the pending password step, not the session);
an organisation's policy and SCIM tokens are for its managers; the SCIM protocol endpoints take a
bearer token only, so a browser session gets 401 whoever it belongs to.
"""

from __future__ import annotations

import pytest

from tests.factories import make_member, make_org
from tests.http.access import ROLES, check_access, everyone, make_people, org_scoped, signed_in

MATRIX = {
    "mfa.verify": ("GET", "/mfa/verify", everyone(302)),
    "mfa.setup": ("GET", "/mfa/setup", signed_in(200)),
    "mfa.start_totp": ("POST", "/mfa/totp/start", everyone(302)),
    "mfa.security": ("GET", "/mfa/", signed_in(200)),
    # The member has a passkey, so gets new codes; the others have no factor to back up.
    "mfa.new_recovery_codes": ("POST", "/mfa/recovery-codes", {**everyone(302), "member": 200}),
    "mfa.remove_totp": ("POST", "/mfa/totp/remove", signed_in(302)),
    "mfa.policy": ("GET", "/mfa/orgs/{org}", org_scoped(200)),
    "mfa.passkey_register_options": ("POST", "/mfa/passkeys/register/options", signed_in(200, anonymous=401)),
    "mfa.passkey_register": ("POST", "/mfa/passkeys/register", signed_in(400, anonymous=401)),
    "mfa.passkey_page": ("GET", "/mfa/passkey", {**signed_in(302), "anonymous": 200}),
    "mfa.passkey_signin_options": ("POST", "/mfa/passkeys/signin/options", everyone(200)),
    "mfa.passkey_signin": ("POST", "/mfa/passkeys/signin", everyone(400)),
    "mfa.passkey_remove": ("POST", "/mfa/passkeys/{passkey}/remove", everyone(302)),
    "scim.endpoint": ("GET", "/scim/v2/Users", everyone(401)),
    "scim.manage_tokens": ("GET", "/orgs/{org}/scim", org_scoped(200)),
    "scim.revoke_token": ("POST", "/orgs/{org}/scim/{token}/revoke", org_scoped(302)),
}


@pytest.fixture
def world(db):
    from lms.mfa.models import Passkey
    from lms.scim import tokens
    from lms.types import utcnow

    org, other = make_org(), make_org()
    people = make_people(org, other)
    make_member(org)
    passkey = Passkey(user_id=people["member"].id, credential_id=b"\x01" * 16, public_key=b"\x02" * 77, sign_count=0)
    db.session.add(passkey)
    row, _ = tokens.issue(people["manager"], org, name="IdP", now=utcnow())
    db.session.flush()
    return people, {"org": org.id, "passkey": passkey.id, "token": row.id}


@pytest.mark.slow  # every route for every role: the whole matrix runs in `make test`, not `make quick`
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(endpoint, role, world, make_client):
    people, ids = world
    check_access(make_client, people, ids, *MATRIX[endpoint], role)
