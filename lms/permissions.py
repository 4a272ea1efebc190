"""Permission predicates and scoped loaders, in one place for views and templates alike.

Outside an organisation everything is 404 (its existence is not revealed); inside it,
a role that is too low gets 403.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from lms.extensions import db
from lms.orgs.models import ROLE_RANK, Membership, Organisation


def membership(user, org_id: int) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Membership).where(
            Membership.org_id == org_id, Membership.user_id == user.id, Membership.deactivated_at.is_(None)
        )
    )


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
    if not getattr(user, "is_authenticated", False):
        return []
    ranks = [r for r, n in ROLE_RANK.items() if n >= ROLE_RANK["manager"]]
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership)
            .where(Membership.user_id == user.id, Membership.deactivated_at.is_(None), Membership.role.in_(ranks))
            .order_by(Organisation.name)
        )
    )


def template_helpers() -> dict:
    return {"can_manage": can_manage, "can_educate": can_educate, "is_admin": is_admin}
