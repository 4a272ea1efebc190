"""scim2-tester (the python-scim project's conformance checker) against the running app over HTTP."""

from __future__ import annotations

import collections

import pytest

pytestmark = pytest.mark.slow

PASSING = {"SUCCESS", "COMPLIANT", "ACCEPTABLE"}


@pytest.fixture(scope="module")
def scim_token(scim_live):
    from lms.extensions import db
    from lms.scim import tokens
    from lms.types import utcnow
    from tests.factories import make_member, make_org

    app, _ = scim_live
    with app.app_context():
        org = make_org(name="Conformance Hospital")
        manager = make_member(org, role="manager").user
        _, token = tokens.issue(manager, org, name="scim2-tester", now=utcnow())
        db.session.commit()
    return token


def run_checks(base_url: str, token: str):
    from httpx2 import Client
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_tester import check_server

    http = Client(base_url=f"{base_url}/scim/v2", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    try:
        return check_server(SyncSCIMClient(http), raise_exceptions=False)
    finally:
        http.close()


def test_scim2_tester_finds_nothing_wrong(scim_live, scim_token, capsys):
    _, base_url = scim_live
    results = run_checks(base_url, scim_token)
    counts = collections.Counter(r.status.name for r in results)
    with capsys.disabled():
        print(f"\nscim2-tester: {len(results)} checks: "
              + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    failures = [f"{r.status.name} {r.resource_type or ''} {r.title}: {r.reason}" for r in results
                if r.status.name not in PASSING | {"SKIPPED"}]
    assert results and counts["SUCCESS"] > 20
    assert not failures, "\n".join(failures)
