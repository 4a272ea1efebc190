"""Where scim2-server reads and writes: memberships (Users) and teams (Groups) of one organisation.

Every query is scoped to the organisation of the bearer token, so another organisation's user or
team is simply not found (404). Retiring a user (``active: false`` or DELETE) makes a leaver: the
membership is deactivated and every credit, certificate and training record stays. An account the
organisation's provider created is also signed out everywhere at once; an account the person had
before (adopted) keeps its sessions, which other organisations may depend on.
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime
from typing import Any

from scim2_models import (
    InvalidFilterException,
    InvalidValueException,
    MutabilityException,
    NotFoundException,
    PreconditionFailedException,
    Resource,
    ResourceType,
    ScimFilter,
    SearchRequest,
    UniquenessException,
)
from scim2_models.path.expressions import CompareOperator, Comparison
from scim2_server.storage import ScimStorage, SearchPage
from scim2_server.utils import parametrize
from sqlalchemy import func, or_, select

from lms.audit.services import record
from lms.extensions import db
from lms.orgs import services as orgs
from lms.orgs.models import Membership, Organisation, Team, TeamMember
from lms.scim import resources
from lms.scim.provider import ENTERPRISE_SCHEMA, FILTERABLE, provider
from lms.scim.models import ScimGroup, ScimUser
from lms.sessions.services import end_all_sessions
from lms.users.models import User


def _attribute_roots(node, found: set[str]) -> set[str]:
    """The top-level attributes a filter names (not those inside ``emails[...]``)."""
    name = type(node).__name__
    if name in ("Comparison", "Present", "ValuePath"):
        path = str(node.attr_path)
        if path.lower().startswith("urn:"):
            path = path.rsplit(":", 1)[-1]
        found.add(path.split(".", 1)[0].lower())
        return found
    if dataclasses.is_dataclass(node):
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            for child in value if isinstance(value, (list, tuple)) else [value]:
                if dataclasses.is_dataclass(child):
                    _attribute_roots(child, found)
    return found


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(at and local and "." in domain and len(value) <= 254 and " " not in value)


class OrgStorage(ScimStorage):
    """The resources of one organisation, set once the bearer token is checked."""

    def __init__(self, *, now: datetime):
        self.org: Organisation | None = None
        self.now = now

    def operation(self):
        return db.session.begin_nested()

    def _model(self, resource_type: ResourceType):
        return provider().model_for(resource_type.name)

    # --- reading ------------------------------------------------------------------------------

    def _membership(self, resource_id: str) -> tuple[Membership, ScimUser | None]:
        if not str(resource_id).isdigit():
            raise NotFoundException(detail=f"No user {resource_id}")
        m = db.session.scalar(select(Membership).where(Membership.id == int(resource_id),
                                                       Membership.org_id == self.org.id))
        scim = db.session.get(ScimUser, m.id) if m else None
        if m is None or (scim is not None and scim.deleted_at is not None):
            raise NotFoundException(detail=f"No user {resource_id}")
        return m, scim

    def _team(self, resource_id: str) -> tuple[Team, ScimGroup | None]:
        if not str(resource_id).isdigit():
            raise NotFoundException(detail=f"No group {resource_id}")
        team = db.session.scalar(select(Team).where(Team.id == int(resource_id), Team.org_id == self.org.id))
        scim = db.session.get(ScimGroup, team.id) if team else None
        if team is None or (scim is not None and scim.deleted_at is not None):
            raise NotFoundException(detail=f"No group {resource_id}")
        return team, scim

    def get(self, resource_type: ResourceType, resource_id: str, *, response_parameters=None) -> Resource[Any]:
        model = self._model(resource_type)
        if resource_type.name == "User":
            m, _ = self._membership(resource_id)
            return model.model_validate(resources.users(self.org, [Membership.id == m.id])[0])
        team, _ = self._team(resource_id)
        return model.model_validate(resources.groups(self.org, [Team.id == team.id])[0])

    def search(self, resource_types: list[ResourceType], search_request: SearchRequest[Any], *,
               position: Any = None) -> SearchPage:
        scim_filter = search_request.filter
        found: list[Resource[Any]] = []
        for resource_type in resource_types:
            model = self._model(resource_type)
            where = []
            if scim_filter is not None:
                unsupported = _attribute_roots(scim_filter.ast, set()) - FILTERABLE[resource_type.name]
                if unsupported:
                    raise InvalidFilterException(
                        detail=f"Filtering {resource_type.name} on {', '.join(sorted(unsupported))} is not supported")
                where = self._narrowing(resource_type.name, scim_filter.ast)
            rows = resources.users(self.org, where) if resource_type.name == "User" else resources.groups(self.org, where)
            candidates = [model.model_validate(item) for item in rows]
            if scim_filter is not None:
                bound = parametrize(ScimFilter, model)(str(scim_filter))
                candidates = [r for r in candidates if bound.match(r)]
            found.extend(candidates)
        if search_request.sort_by is not None:
            def key(resource):
                value = search_request.sort_value(resource)
                return (value is None, value if value is not None else "", resource.id)
            found.sort(key=key, reverse=search_request.sort_order == SearchRequest.SortOrder.descending)
        start = search_request.start_index_0 or 0
        stop = None if search_request.count is None else start + search_request.count
        return SearchPage(len(found), found[start:stop])

    @staticmethod
    def _narrowing(name: str, node) -> list:
        """SQL for the common ``userName eq "…"`` look-ups, so they do not read the whole organisation."""
        if not (isinstance(node, Comparison) and node.op == CompareOperator.eq and isinstance(node.value, str)):
            return []
        attribute = str(node.attr_path).lower()
        value = node.value
        if attribute == "id":
            return [(Membership.id if name == "User" else Team.id) == (int(value) if value.isdigit() else -1)]
        if attribute == "externalid":
            return [(ScimUser.external_id if name == "User" else ScimGroup.external_id) == value]
        if name == "User" and attribute == "username":
            # Compared without case: the stored userName, or the email of a member SCIM never wrote.
            value = value.strip().lower()
            return [or_(ScimUser.user_name == value,
                        ScimUser.membership_id.is_(None)
                        & Membership.user_id.in_(select(User.id).where(func.lower(User.email) == value)))]
        if name == "Group" and attribute == "displayname":
            return [func.lower(Team.name) == value.lower()]
        return []

    # --- writing ------------------------------------------------------------------------------

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        if resource_type.name == "User":
            return self.get(resource_type, str(self._create_user(resource).id))
        return self.get(resource_type, str(self._create_group(resource).id))

    def update(self, resource_type: ResourceType, resource: Resource[Any], *,
               expected_version: str | None = None) -> Resource[Any]:
        current = self.get(resource_type, resource.id)
        if expected_version is not None and current.meta.version != expected_version:
            raise PreconditionFailedException(detail="The resource changed since that version")
        if resource_type.name == "User":
            m, scim = self._membership(resource.id)
            self._write_user(m, scim, resource)
        else:
            team, scim = self._team(resource.id)
            self._write_group(team, scim, resource)
        db.session.flush()
        return self.get(resource_type, resource.id)

    def delete(self, resource_type: ResourceType, resource_id: str, *, expected_version: str | None = None) -> None:
        current = self.get(resource_type, resource_id)
        if expected_version is not None and current.meta.version != expected_version:
            raise PreconditionFailedException(detail="The resource changed since that version")
        if resource_type.name == "User":
            m, scim = self._membership(resource_id)
            scim = scim or self._link_user(m, created_account=False)
            self._set_active(m, False, scim)
            scim.deleted_at = self.now
            scim.updated_at = self.now
            record(None, "scim.user.delete", m, now=self.now, org_id=self.org.id)
        else:
            # The team stays (assignments and history may point at it), detached from the provider.
            team, scim = self._team(resource_id)
            scim = scim or self._link_group(team)
            scim.deleted_at = self.now
            scim.updated_at = self.now
            record(None, "scim.group.delete", team, now=self.now, org_id=self.org.id)
        db.session.flush()

    # users

    @staticmethod
    def _document(resource: Resource[Any]) -> dict[str, Any]:
        data = resource.model_dump(mode="json")
        doc = {key: data[key] for key in ("userName", "name", "displayName", "emails", "title", "active")
               if data.get(key) is not None}
        department = (data.get(ENTERPRISE_SCHEMA) or {}).get("department")
        if department:
            doc["department"] = department
        return doc

    def _link_user(self, m: Membership, *, created_account: bool) -> ScimUser:
        scim = ScimUser(membership_id=m.id, org_id=self.org.id, created_account=created_account, document={},
                        updated_at=self.now)
        db.session.add(scim)
        db.session.flush()
        return scim

    def _set_active(self, m: Membership, active: bool, scim: ScimUser) -> None:
        if (m.deactivated_at is None) == active:
            return
        try:
            orgs.set_active(None, m, active, now=self.now)
        except orgs.OrgError as exc:
            raise MutabilityException(detail=str(exc)) from None
        if not active and scim.created_account:
            # Deprovisioning ends access now, not at the session's expiry: the open sessions end too.
            ended = end_all_sessions(m.user, now=self.now, reason="deprovisioned")
            record(None, "scim.user.sessions_ended", m, now=self.now, org_id=self.org.id, after={"ended": ended})

    def _account_email(self, resource: Resource[Any]) -> str | None:
        """The sign-in email: the primary work email, else any email, else a userName that is one."""
        emails = sorted(resource.emails or [], key=lambda e: not e.primary)
        for candidate in [e.value for e in emails] + [resource.user_name]:
            candidate = (candidate or "").strip().lower()
            if _looks_like_email(candidate):
                return candidate
        if any(e.value for e in emails):
            raise InvalidValueException(detail="emails must hold email addresses")
        return None

    def _placeholder_email(self) -> str:
        # RFC 2606's .invalid never receives mail: the account signs in by SSO until the provider
        # sends a real address, which then replaces this one.
        return f"scim-{self.org.id}-{secrets.token_hex(8)}@provisioned.invalid"

    def _check_user_name(self, resource: Resource[Any], membership_id: int | None) -> str:
        user_name = (resource.user_name or "").strip()
        if not user_name or len(user_name) > 255:
            raise InvalidValueException(detail="userName is required (at most 255 characters)")
        taken = db.session.scalar(select(ScimUser.membership_id).where(
            ScimUser.org_id == self.org.id, ScimUser.user_name == user_name.lower(), ScimUser.deleted_at.is_(None),
            ScimUser.membership_id != (membership_id or -1)))
        if taken is not None:
            raise UniquenessException(detail=f"userName {user_name} is taken")
        return user_name

    def _create_user(self, resource: Resource[Any]) -> Membership:
        self._check_user_name(resource, None)
        email = self._account_email(resource)
        user = db.session.scalar(select(User).where(func.lower(User.email) == email)) if email else None
        email = email or self._placeholder_email()
        m = scim = None
        if user is not None:
            m = db.session.scalar(select(Membership).where(Membership.org_id == self.org.id,
                                                           Membership.user_id == user.id))
            if m is None:
                # An account of someone outside the organisation is never taken over by a token: the
                # organisation invites them instead, and they accept.
                raise UniquenessException(detail=f"An account for {email} exists outside this organisation: "
                                                 "invite them from Continuum")
            scim = db.session.get(ScimUser, m.id)
            if scim is not None and scim.deleted_at is None:
                raise UniquenessException(detail=f"{email} is provisioned already")
        created = user is None
        if created:
            name = resource.name
            user = User(email=email, password_hash=None, first_name=((name and name.given_name) or "")[:100],
                        last_name=((name and name.family_name) or "")[:100], profession="other", created_at=self.now)
            db.session.add(user)
            db.session.flush()
            record(None, "scim.account.create", user, now=self.now, org_id=self.org.id)
            m = orgs.add_member(None, self.org, user, role="member", now=self.now)
        if scim is None:
            scim = self._link_user(m, created_account=created)
        scim.deleted_at = None
        self._write_user(m, scim, resource, new=True)
        record(None, "scim.user.create", m, now=self.now, org_id=self.org.id)
        return m

    def _write_user(self, m: Membership, scim: ScimUser | None, resource: Resource[Any], *, new: bool = False) -> None:
        scim = scim or self._link_user(m, created_account=False)
        user_name = self._check_user_name(resource, m.id)
        email = self._account_email(resource)
        doc = self._document(resource)
        user = m.user
        # Only an account SCIM created follows the provider's email and name; an account that
        # existed before keeps its own sign-in email and profile.
        if scim.created_account and email and email != user.email.lower():
            if db.session.scalar(select(User.id).where(func.lower(User.email) == email, User.id != user.id)):
                raise UniquenessException(detail=f"{email} belongs to another account")
            user.email = email
        if scim.created_account and resource.name is not None:
            user.first_name = (resource.name.given_name or "")[:100]
            user.last_name = (resource.name.family_name or "")[:100]
        scim.user_name = user_name.lower()
        scim.document = doc
        scim.external_id = resource.external_id
        # The job title Continuum assigns training by: the title, else the department.
        m.job_title = (doc.get("title") or doc.get("department") or "")[:120]
        self._set_active(m, resource.active is not False, scim)
        scim.updated_at = self.now
        if not new:
            record(None, "scim.user.update", m, now=self.now, org_id=self.org.id,
                   after={"active": resource.active is not False, "job_title": m.job_title})

    # groups

    def _link_group(self, team: Team) -> ScimGroup:
        scim = ScimGroup(team_id=team.id, org_id=self.org.id, updated_at=self.now)
        db.session.add(scim)
        db.session.flush()
        return scim

    def _create_group(self, resource: Resource[Any]) -> Team:
        name = (resource.display_name or "").strip()
        if not name or len(name) > 120:
            raise InvalidValueException(detail="displayName is required (at most 120 characters)")
        team = db.session.scalar(select(Team).where(Team.org_id == self.org.id, func.lower(Team.name) == name.lower()))
        scim = db.session.get(ScimGroup, team.id) if team else None
        if scim is not None and scim.deleted_at is None:
            raise UniquenessException(detail=f"There is already a group called {name}")
        if team is None:  # an existing team of that name (made by hand, or detached) is taken over
            team = Team(org_id=self.org.id, name=name, created_at=self.now)
            db.session.add(team)
            db.session.flush()
        scim = scim or self._link_group(team)
        scim.deleted_at = None
        self._write_group(team, scim, resource)
        record(None, "scim.group.create", team, now=self.now, org_id=self.org.id)
        return team

    def _write_group(self, team: Team, scim: ScimGroup | None, resource: Resource[Any]) -> None:
        scim = scim or self._link_group(team)
        name = (resource.display_name or "").strip()
        if not name or len(name) > 120:
            raise InvalidValueException(detail="displayName is required (at most 120 characters)")
        if name.lower() != team.name.lower() and db.session.scalar(
                select(Team.id).where(Team.org_id == self.org.id, func.lower(Team.name) == name.lower())):
            raise UniquenessException(detail=f"There is already a group called {name}")
        team.name = name
        scim.external_id = resource.external_id
        wanted: set[int] = set()
        labels: dict[str, str] = {}
        for member in resource.members or []:
            value = str(member.value or "")
            m = db.session.scalar(select(Membership).where(Membership.id == int(value), Membership.org_id == self.org.id)
                                  ) if value.isdigit() else None
            if m is None:
                raise InvalidValueException(detail=f"Member {value} is not a user of this organisation")
            wanted.add(m.id)
            if member.display:
                labels[str(m.id)] = str(member.display)[:200]
        scim.member_display = labels
        current = set(db.session.scalars(select(TeamMember.membership_id).where(TeamMember.team_id == team.id)))
        for membership_id in current - wanted:
            db.session.delete(db.session.get(TeamMember, (team.id, membership_id)))
        for membership_id in wanted - current:
            db.session.add(TeamMember(team_id=team.id, membership_id=membership_id))
        scim.updated_at = self.now
        db.session.flush()
