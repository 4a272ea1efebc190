"""Permission predicates and scoped loaders, in one place for views and templates alike.

Outside an organisation everything is 404 (its existence is not revealed); inside it,
a role that is too low gets 403.
"""

from __future__ import annotations

from flask import abort, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.extensions import db
from lms.orgs.models import ROLE_RANK, Membership, Organisation


def _read_memo(name: str) -> dict | None:
    """A memo for the length of one GET request: a page asks the same permission question several
    times (loader, predicates, layout). Requests that change data always ask the database."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return None
    return g.setdefault(name, {})


def _memberships_by_org(user) -> dict[int, Membership] | None:
    """Within a GET request, every active membership of ``user`` (with its organisation), read in
    one query the first time any permission question or the layout's menus ask: a page then costs
    one membership query however many organisations it checks."""
    memo = _read_memo("_memberships_memo")
    if memo is None:
        return None
    if user.id not in memo:
        memo[user.id] = {m.org_id: m for m in db.session.scalars(
            select(Membership).options(joinedload(Membership.org))
            .where(Membership.user_id == user.id, Membership.deactivated_at.is_(None)))}
    return memo[user.id]


def membership(user, org_id: int) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    memo = _memberships_by_org(user)
    if memo is not None:
        return memo.get(org_id)
    return db.session.scalar(
        select(Membership).where(
            Membership.org_id == org_id, Membership.user_id == user.id, Membership.deactivated_at.is_(None)
        )
    )


def active_memberships(user) -> list[Membership]:
    """The user's active memberships with their organisations, by organisation name."""
    if not getattr(user, "is_authenticated", False):
        return []
    memo = _memberships_by_org(user)
    found = memo.values() if memo is not None else db.session.scalars(
        select(Membership).options(joinedload(Membership.org))
        .where(Membership.user_id == user.id, Membership.deactivated_at.is_(None)))
    return sorted(found, key=lambda m: (m.org.name, m.org_id))


def orgs_with_role(user, role: str) -> list[Organisation]:
    """Organisations where ``user`` holds at least ``role``, by name."""
    if not getattr(user, "is_authenticated", False):
        return []
    memo = _memberships_by_org(user)
    if memo is not None:
        return sorted((m.org for m in memo.values() if ROLE_RANK.get(m.role, 0) >= ROLE_RANK[role]),
                      key=lambda o: (o.name, o.id))
    ranks = [r for r, n in ROLE_RANK.items() if n >= ROLE_RANK[role]]
    return list(db.session.scalars(
        select(Organisation).join(Membership)
        .where(Membership.user_id == user.id, Membership.deactivated_at.is_(None), Membership.role.in_(ranks))
        .order_by(Organisation.name, Organisation.id)))


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


def managed_orgs(user) -> list[Organisation]:
    return orgs_with_role(user, "manager")


def template_helpers() -> dict:
    return {"can_manage": can_manage, "can_educate": can_educate, "is_admin": is_admin}
