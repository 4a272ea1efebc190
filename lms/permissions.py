"""Permission predicates and scoped loaders, in one place for views and templates alike.

Outside an organisation everything is 404 (its existence is not revealed); inside it,
a role that is too low gets 403.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import abort, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from lms.extensions import db
from lms.orgs.models import ROLE_RANK, ROLES, Membership, Organisation


class Seat(NamedTuple):
    """One active membership as permission checks and menus need it, as plain data."""

    id: int  # the membership's id
    org_id: int
    role: str
    org_name: str

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class OrgRef(NamedTuple):
    """An organisation as a menu or a link needs it."""

    id: int
    name: str


def _load_seats(user_id: int) -> dict[int, Seat]:
    rows = db.session.execute(
        select(Membership.id, Membership.org_id, Membership.role, Organisation.name)
        .join(Organisation, Organisation.id == Membership.org_id)
        .where(Membership.user_id == user_id, Membership.deactivated_at.is_(None)))
    return {row.org_id: Seat(*row) for row in rows}


def keep_seats(user_id: int, rows) -> None:
    """On a GET, keep the seats read with the login's user (membership id, org id, role, org name;
    None where the user has none) for the rest of the request."""
    if has_request_context() and request.method in ("GET", "HEAD"):
        g.setdefault("_seats_memo", {})[user_id] = {row[1]: Seat(*row) for row in rows if row[0] is not None}


def seats(user) -> dict[int, Seat]:
    """Every active membership of ``user``, by organisation id, read from the database (one indexed
    query). A GET reads them once for the whole request (the layout's menus and every permission
    question on the page share them); a request that changes data asks the database every time."""
    if not getattr(user, "is_authenticated", False):
        return {}
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return _load_seats(user.id)
    memo = g.setdefault("_seats_memo", {})
    if user.id not in memo:
        memo[user.id] = _load_seats(user.id)
    return memo[user.id]


def membership(user, org_id: int) -> Seat | None:
    return seats(user).get(org_id)


def active_memberships(user) -> list[Seat]:
    """The user's active memberships, by organisation name."""
    return sorted(seats(user).values(), key=lambda m: (m.org_name, m.org_id))


def orgs_with_role(user, role: str) -> list[OrgRef]:
    """Organisations where ``user`` holds at least ``role``, by name."""
    return sorted((OrgRef(m.org_id, m.org_name) for m in seats(user).values()
                   if ROLE_RANK.get(m.role, 0) >= ROLE_RANK[role]), key=lambda o: (o.name, o.id))


def has_role(user, org_id: int, role: str) -> bool:
    if getattr(user, "is_admin", False) and user.is_authenticated:
        return True
    m = membership(user, org_id)
    return m is not None and ROLE_RANK.get(m.role, 0) >= ROLE_RANK[role]


def can_manage(user, org) -> bool:
    return has_role(user, org.id, "manager")


def can_educate(user, org) -> bool:
    return has_role(user, org.id, "educator")


def is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_admin", False))


def get_org_or_404(org_id: int, role: str = "member") -> Organisation:
    """Load an organisation the current user belongs to, requiring at least ``role``."""
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    if is_admin(current_user):
        return org
    m = membership(current_user, org_id)
    if m is None:
        abort(404)
    if ROLE_RANK.get(m.role, 0) < ROLE_RANK[role]:
        abort(403)
    return org


def get_in_org_or_404(model, object_id: int, org: Organisation):
    """Load ``model`` by id only if it belongs to ``org`` (its ``org_id``)."""
    obj = db.session.get(model, object_id)
    if obj is None or obj.org_id != org.id:
        abort(404)
    return obj


def managed_orgs(user) -> list[OrgRef]:
    return orgs_with_role(user, "manager")


def template_helpers() -> dict:
    return {"can_manage": can_manage, "can_educate": can_educate, "is_admin": is_admin}
