"""Demo data: an accredited provider, a practice with a manager and staff, an educator and
clinicians of several professions. Running it again changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from lms.auth.passwords import hash_password
from lms.extensions import db
from lms.orgs import services as orgs
from lms.orgs.models import Organisation
from lms.types import utcnow
from lms.users.models import Licence, User

DEMO_PASSWORD = "continuum-demo-2026"


@dataclass
class DemoWorld:
    """The demo's people and organisations, handed to each feature's seeder; ``made`` carries what
    one seeder made for a later one (the courses, for the credit claims)."""

    users: dict[str, User]
    practice: Organisation
    provider: Organisation
    now: datetime
    made: dict = field(default_factory=dict)


_seeders: dict[str, tuple[int, Callable[[DemoWorld], None]]] = {}


def register_seeder(name: str, order: int, seed_feature: Callable[[DemoWorld], None]) -> None:
    """A feature's demo data, seeded after the core's people and organisations, lowest ``order`` first."""
    _seeders[name] = (order, seed_feature)

PEOPLE = [
    # email, first, last, credentials, profession, role label
    ("admin@demo.continuum.test", "Ada", "Okafor", "", "other", "site administrator"),
    ("educator@demo.continuum.test", "Elena", "Marsh", "MD, MEd", "physician_md", "educator, Northbridge CME Institute"),
    ("manager@demo.continuum.test", "Marcus", "Bell", "MBA", "other", "practice manager, Riverside Family Practice"),
    ("physician@demo.continuum.test", "Priya", "Raman", "MD, FACP", "physician_md", "clinician (physician, MD)"),
    ("do@demo.continuum.test", "Daniel", "Reyes", "DO", "physician_do", "clinician (physician, DO)"),
    ("nurse@demo.continuum.test", "Nora", "Lindqvist", "RN, BSN", "nurse", "clinician (nurse)"),
    ("np@demo.continuum.test", "Grace", "Kim", "MSN, FNP-C", "nurse_practitioner", "clinician (nurse practitioner)"),
    ("pharmacist@demo.continuum.test", "Omar", "Haddad", "PharmD", "pharmacist", "clinician (pharmacist)"),
    ("pa@demo.continuum.test", "Sam", "Whitfield", "PA-C", "physician_assistant", "clinician (physician assistant)"),
    ("frontdesk@demo.continuum.test", "Tess", "Moreno", "", "other", "staff (front desk)"),
]


def _user(email, first, last, credentials, profession, now) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, first_name=first, last_name=last, credentials=credentials, profession=profession,
                    password_hash=hash_password(DEMO_PASSWORD, current_app.config),
                    email_verified_at=now, timezone="America/New_York", consent_to_report=True,
                    consent_updated_at=now, created_at=now)
        db.session.add(user)
        db.session.flush()
    return user


def _org(name, kind, actor, now, **extra) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        org = orgs.create_organisation(actor, name=name, kind=kind, timezone="America/New_York", now=now)
        for key, value in extra.items():
            setattr(org, key, value)
    return org


def seed() -> list[tuple[str, str]]:
    now = utcnow()
    users = {email: _user(email, first, last, cred, prof, now) for email, first, last, cred, prof, _ in PEOPLE}
    users["admin@demo.continuum.test"].is_admin = True
    physician = users["physician@demo.continuum.test"]
    if not physician.licences:
        physician.npi = "1234567893"
        physician.birth_month, physician.birth_day = 4, 12
        db.session.add(Licence(user=physician, state="NY", number="298765", expires_on=date(2028, 6, 30)))
    pharmacist = users["pharmacist@demo.continuum.test"]
    pharmacist.nabp_eprofile_id = pharmacist.nabp_eprofile_id or "1234567"
    pharmacist.birth_month, pharmacist.birth_day = 9, 3

    provider = _org("Northbridge CME Institute", "provider", users["educator@demo.continuum.test"], now,
                    is_accredited_provider=True)
    practice = _org("Riverside Family Practice", "practice", users["manager@demo.continuum.test"], now)
    clinicians = [e for e, *_ in PEOPLE if e.split("@")[0] in {"physician", "do", "nurse", "np", "pharmacist", "pa"}]
    for email in clinicians + ["frontdesk@demo.continuum.test"]:
        orgs.add_member(users["manager@demo.continuum.test"], practice, users[email], role="member", now=now,
                        job_title="Front desk" if email.startswith("frontdesk") else "Clinician")
        orgs.add_member(users["educator@demo.continuum.test"], provider, users[email], role="member", now=now)
    if not practice.teams:
        clinical = orgs.create_team(users["manager@demo.continuum.test"], practice, "Clinical staff", now=now)
        admin_team = orgs.create_team(users["manager@demo.continuum.test"], practice, "Front office", now=now)
        db.session.flush()
        for m in practice.memberships:
            if m.user.email in clinicians:
                orgs.add_to_team(clinical, m)
            elif m.user.email.startswith("frontdesk"):
                orgs.add_to_team(admin_team, m)
    db.session.flush()
    world = DemoWorld(users=users, practice=practice, provider=provider, now=now)
    for _order, seeder in sorted(_seeders.values(), key=lambda item: item[0]):
        seeder(world)
        db.session.flush()
    return [(email, role) for email, *_, role in PEOPLE]
