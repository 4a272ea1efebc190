"""Profile rules. Only the fields named here can change: a POST cannot set roles or organisations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lms import caching
from lms.errors import RuleViolation
from lms.audit.services import record
from lms.extensions import db
from lms.users.identifiers import US_STATES, birth_day_problem, nabp_problem, npi_problem
from lms.users.models import PROFESSIONS, BoardCertification, Licence, User


class ProfileError(RuleViolation, ValueError):
    pass


@dataclass(frozen=True)
class ProfileData:
    first_name: str
    last_name: str
    credentials: str
    profession: str
    npi: str | None
    nabp_eprofile_id: str | None
    birth_month: int | None
    birth_day: int | None
    timezone: str
    consent_to_report: bool


def update_profile(user: User, data: ProfileData, *, now: datetime, ip: str | None = None) -> None:
    """Apply ``data`` to ``user`` after re-checking every identifier rule."""
    npi = (data.npi or "").strip() or None
    nabp = (data.nabp_eprofile_id or "").strip() or None
    for problem in (
        npi and npi_problem(npi),
        nabp and nabp_problem(nabp),
        birth_day_problem(data.birth_month, data.birth_day),
        None if data.profession in PROFESSIONS else "Unknown profession.",
    ):
        if problem:
            raise ProfileError(problem)
    if data.consent_to_report != user.consent_to_report:
        # Consent governs what may be reported to accreditors: keep when it changed.
        user.consent_updated_at = now
        record(user, "profile.consent", user, now=now, ip=ip,
               before={"consent_to_report": user.consent_to_report}, after={"consent_to_report": data.consent_to_report})
    if (user.first_name, user.last_name) != (data.first_name.strip(), data.last_name.strip()):
        caching.bump_training_of_people([user.id])  # names head the rows of compliance matrices
    user.first_name = data.first_name.strip()
    user.last_name = data.last_name.strip()
    user.credentials = data.credentials.strip()
    user.profession = data.profession
    user.npi = npi
    user.nabp_eprofile_id = nabp
    user.birth_month = data.birth_month
    user.birth_day = data.birth_day
    user.timezone = data.timezone
    user.consent_to_report = data.consent_to_report


def add_licence(user: User, *, state: str, number: str, expires_on: date | None) -> Licence:
    if state not in US_STATES:
        raise ProfileError("Choose a US state or territory.")
    number = number.strip()
    if any(l.state == state and l.number == number for l in user.licences):
        raise ProfileError("This licence is already on your profile.")
    licence = Licence(user=user, state=state, number=number, expires_on=expires_on)
    db.session.add(licence)
    return licence


def add_board(user: User, *, board: str, diplomate_id: str) -> BoardCertification:
    if any(b.board == board for b in user.board_certifications):
        raise ProfileError(f"You already have a {board} diplomate ID; remove it first to change it.")
    cert = BoardCertification(user=user, board=board, diplomate_id=diplomate_id.strip())
    db.session.add(cert)
    return cert


def anonymise_account(user: User, *, now: datetime, ip: str | None = None) -> None:
    """Delete an account the way regulated records allow: the person's details go, the records stay.

    Credit entries (and certificates) are participation records that accreditors require for six
    years from the activity date, so they are kept, pointing at an anonymous profile.
    """
    from lms.auth.services import end_sessions
    from lms.orgs.models import Membership

    record(user, "account.anonymise", user, now=now, ip=ip)
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.password_hash = None
    user.first_name, user.last_name, user.credentials = "Deleted", f"user {user.id}", ""
    user.npi = user.nabp_eprofile_id = None
    user.birth_month = user.birth_day = None
    user.consent_to_report = False
    user.consent_updated_at = now
    user.anonymised_at = now
    user.licences.clear()
    user.board_certifications.clear()
    for m in db.session.scalars(db.select(Membership).where(Membership.user_id == user.id)):
        m.deactivated_at = m.deactivated_at or now
    end_sessions(user)
