"""The "Manage" menu: what a person manages, by organisation, from the memberships the layout loads anyway."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from lms.orgs.models import ROLE_RANK
from lms.permissions import active_memberships


@dataclass(frozen=True)
class MenuSection:
    org_id: int
    org_name: str
    role_label: str
    links: tuple[tuple[str, str], ...]  # (label, url)


def educator_links(org_id: int) -> list[tuple[str, str]]:
    return [
        ("Activities, claims and certificates", url_for("workspace.activities", org_id=org_id)),
        ("Course authoring", url_for("courses.manage", org_id=org_id)),
        ("Certificate design", url_for("certificates.templates", org_id=org_id)),
        ("Schedule a meeting", url_for("meetings.new", org_id=org_id)),
    ]


def manager_links(org_id: int) -> list[tuple[str, str]]:
    return [
        ("Compliance", url_for("training.dashboard", org_id=org_id)),
        ("Assign training", url_for("training.assignments", org_id=org_id)),
        ("Staff", url_for("orgs.members", org_id=org_id)),
        ("Teams", url_for("orgs.teams", org_id=org_id)),
        ("Roster import", url_for("training.roster_upload", org_id=org_id)),
    ]


def manage_menu(user) -> list[MenuSection]:
    """One section per organisation where ``user`` is an educator or a manager (managers also educate)."""
    sections = []
    for seat in active_memberships(user):
        rank = ROLE_RANK.get(seat.role, 0)
        if rank < ROLE_RANK["educator"]:
            continue
        links = (manager_links(seat.org_id) if rank >= ROLE_RANK["manager"] else []) + educator_links(seat.org_id)
        sections.append(MenuSection(seat.org_id, seat.org_name, seat.role_label, tuple(links)))
    return sections
