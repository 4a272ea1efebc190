"""An identity provider looks people up one by one (``userName eq``) before every create: that look-up
must not read the whole organisation, so its SQL stays the same at any size."""

from __future__ import annotations

from lms.orgs.models import Organisation
from tests.conftest import count_queries
from tests.factories import make_member, make_org, make_team
from tests.scim.test_scim_http import Scim, nurse


def lookup(scim, email):
    return scim.get(f'/Users?filter=userName eq "{email}"')


def test_a_user_name_look_up_runs_the_same_sql_in_a_small_and_a_large_organisation(client, db, app):
    from lms.scim import tokens
    from lms.types import utcnow

    org: Organisation = make_org()
    _, token = tokens.issue(make_member(org, role="manager").user, org, name="IdP", now=utcnow())
    scim = Scim(client, token)
    assert scim.post("/Users", nurse()).status_code == 201
    assert lookup(scim, "nurse.joy@stelsewhere.org").get_json()["totalResults"] == 1  # warm-up
    with count_queries(db.engine) as small:
        assert lookup(scim, "nurse.joy@stelsewhere.org").get_json()["totalResults"] == 1
    members = [make_member(org) for _ in range(60)]
    make_team(org, members=members[:30])
    with count_queries(db.engine) as large:
        assert lookup(scim, "nurse.joy@stelsewhere.org").get_json()["totalResults"] == 1
    print(f"\nSCIM userName look-up: {len(small)} queries with 2 members, {len(large)} with 62")
    assert len(large) == len(small), "\n".join(large)
    with count_queries(db.engine) as listing:
        assert scim.get("/Users?count=200").get_json()["totalResults"] == 62
    assert len(listing) <= len(small) + 2, "listing 62 people must not run a query per person"
