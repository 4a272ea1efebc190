"""Helpers for the per-package access matrices (``tests/http/test_access_*.py``).

Each matrix module defines ``MATRIX = {endpoint: (method, path template, {role: status})}`` and
a ``world`` fixture giving people per role and the ids its paths need. ``test_every_route_is_in_a
_matrix`` (in ``test_access_matrix.py``) fails when a route is in no module's matrix.
"""

from __future__ import annotations

ROLES = ("anonymous", "member", "educator", "manager", "other_manager", "admin")
LOGIN = 302  # anonymous users are sent to the login page


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status, anonymous=LOGIN):
    return {**everyone(status), "anonymous": anonymous}


def org_scoped(inside, *, manager=None, educator=None, member=None, admin=None):
    """Inside the org: the given statuses; managers of another org: 404; anonymous: login."""
    return {"anonymous": LOGIN, "other_manager": 404, "member": member or 403, "educator": educator or 403,
            "manager": manager or inside, "admin": admin or inside}


def check_access(make_client, people: dict, ids: dict, method: str, template: str, expected: dict, role: str):
    browser = make_client()
    if role != "anonymous":
        browser.login(people[role])
    path = template.format(**ids)
    response = browser.get(path) if method == "GET" else browser.post(path)
    assert response.status_code == expected[role], f"{role} {method} {path}"


def make_people(org, other, **member_fields) -> dict:
    """One user per role: a member, an educator and a manager of ``org``, a manager of ``other``
    and a site administrator. ``member_fields`` go to the member's user (e.g. a profession)."""
    from tests.factories import make_member, make_user

    return {
        "member": make_member(org, make_user(**member_fields)).user,
        "educator": make_member(org, role="educator").user,
        "manager": make_member(org, role="manager").user,
        "other_manager": make_member(other, role="manager").user,
        "admin": make_user(admin=True),
    }
