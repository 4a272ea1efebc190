"""Second-factor rules as plain functions: the user and the clock are arguments.

Who needs a second factor: every site administrator, and the managers and educators of an
organisation whose policy requires it. A user who has one is always asked for it.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import func, select, update

from lms.audit.services import record
from lms.extensions import db
from lms.mfa import crypto
from lms.mfa.models import MfaPolicy, Passkey, RecoveryCode, TotpCredential
from lms.orgs.models import Membership
from lms.users.models import User

ISSUER = "Continuum"
STEP = 30  # seconds, RFC 6238's default, what every authenticator app uses
RECOVERY_CODE_COUNT = 10
STAFF_ROLES = ("manager", "educator")
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class MfaError(Exception):
    """A refused second-factor action; ``str(exc)`` is safe to show."""


class InvalidCode(MfaError):
    def __init__(self, message: str = "That code is not correct. Check the time on your device and try again."):
        super().__init__(message)


# --- policy -----------------------------------------------------------------------------------


def requires_second_factor(user: User) -> bool:
    """Site administrators always; managers and educators of an organisation whose policy says so."""
    if user.is_admin:
        return True
    return bool(db.session.scalar(
        select(func.count()).select_from(Membership)
        .join(MfaPolicy, MfaPolicy.org_id == Membership.org_id)
        .where(Membership.user_id == user.id, Membership.deactivated_at.is_(None),
               Membership.role.in_(STAFF_ROLES), MfaPolicy.require_for_staff.is_(True))))


def policy_for(org_id: int) -> bool:
    return bool(db.session.scalar(select(MfaPolicy.require_for_staff).where(MfaPolicy.org_id == org_id)))


def set_policy(actor: User, org, *, require_for_staff: bool, now: datetime, ip: str | None = None) -> None:
    """An organisation's managers decide whether its managers and educators need a second factor."""
    policy = db.session.get(MfaPolicy, org.id)
    before = {"require_for_staff": bool(policy and policy.require_for_staff)}
    if policy is None:
        policy = MfaPolicy(org_id=org.id)
        db.session.add(policy)
    policy.require_for_staff = require_for_staff
    policy.updated_at = now
    policy.updated_by_id = actor.id
    db.session.flush()
    record(actor, "mfa.policy", org, now=now, org_id=org.id, before=before,
           after={"require_for_staff": require_for_staff}, ip=ip)


# --- what a user has --------------------------------------------------------------------------


def confirmed_totp(user: User) -> TotpCredential | None:
    return db.session.scalar(select(TotpCredential).where(
        TotpCredential.user_id == user.id, TotpCredential.confirmed_at.is_not(None)))


def passkeys(user: User) -> list[Passkey]:
    return list(db.session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id)))


def has_second_factor(user: User) -> bool:
    return confirmed_totp(user) is not None or db.session.scalar(
        select(func.count()).select_from(Passkey).where(Passkey.user_id == user.id)) > 0


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


# --- TOTP -------------------------------------------------------------------------------------


def start_totp(user: User, *, now: datetime) -> str:
    """Begin enrolment: a new secret, unconfirmed (a confirmed authenticator is kept until replaced)."""
    existing = db.session.scalar(select(TotpCredential).where(TotpCredential.user_id == user.id))
    if existing is not None and existing.confirmed_at is not None:
        raise MfaError("You already have an authenticator app. Remove it first to set up another.")
    secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    if existing is None:
        existing = TotpCredential(user_id=user.id, created_at=now)
        db.session.add(existing)
    existing.secret_encrypted = crypto.encrypt(secret)
    existing.created_at = now
    existing.last_step = 0
    db.session.flush()
    return secret


def pending_totp_secret(user: User) -> str | None:
    row = db.session.scalar(select(TotpCredential).where(
        TotpCredential.user_id == user.id, TotpCredential.confirmed_at.is_(None)))
    return crypto.decrypt(row.secret_encrypted) if row else None


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").lower()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, or one either side for clock drift) whose code is ``code``."""
    code = _normalise_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_step(row: TotpCredential, step: int) -> bool:
    """Record ``step`` as used, atomically: refused if it (or a later one) was used already."""
    result = db.session.execute(
        update(TotpCredential).where(TotpCredential.id == row.id, TotpCredential.last_step < step)
        .values(last_step=step).execution_options(synchronize_session=False))
    db.session.refresh(row)
    return result.rowcount == 1


def confirm_totp(user: User, code: str, *, now: datetime, ip: str | None = None) -> list[str]:
    """Finish enrolment with a first code from the app; returns new recovery codes, shown once."""
    row = db.session.scalar(select(TotpCredential).where(
        TotpCredential.user_id == user.id, TotpCredential.confirmed_at.is_(None)))
    secret = crypto.decrypt(row.secret_encrypted) if row else None
    if secret is None:
        raise MfaError("Start the set-up again: no authenticator is waiting for confirmation.")
    step = _matching_step(secret, code, now)
    if step is None or not _accept_step(row, step):
        raise InvalidCode()
    row.confirmed_at = now
    record(user, "mfa.totp.enrol", user, now=now, ip=ip)
    return new_recovery_codes(user, now=now) if recovery_codes_left(user) == 0 else []


def verify_totp(user: User, code: str, *, now: datetime) -> bool:
    """True for a current code never used before; a code replayed within its window is refused."""
    row = confirmed_totp(user)
    if row is None:
        return False
    secret = crypto.decrypt(row.secret_encrypted)
    step = _matching_step(secret, code, now) if secret else None
    return step is not None and _accept_step(row, step)


def remove_totp(user: User, *, now: datetime, ip: str | None = None) -> None:
    """Remove the authenticator app; refused if policy needs a factor and it is the last one."""
    row = db.session.scalar(select(TotpCredential).where(TotpCredential.user_id == user.id))
    if row is None:
        return
    if row.confirmed_at is not None and requires_second_factor(user) and not passkeys(user):
        raise MfaError("Your organisation requires a second factor: add a passkey before removing the app.")
    db.session.delete(row)
    if not passkeys(user):
        db.session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                           .values(used_at=now).execution_options(synchronize_session=False))
    db.session.flush()
    record(user, "mfa.totp.remove", user, now=now, ip=ip)


# --- recovery codes ---------------------------------------------------------------------------


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))  # ~59 bits
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def new_recovery_codes(user: User, *, now: datetime) -> list[str]:
    """Replace every unused recovery code with ten new ones; only their hashes are stored."""
    db.session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session=False))
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=crypto.code_hash("recovery", _normalise_code(code)),
                                    created_at=now))
    db.session.flush()
    record(user, "mfa.recovery.new", user, now=now)
    return codes


def use_recovery_code(user: User, code: str, *, now: datetime) -> bool:
    """Spend one recovery code. Each works once, even for two requests racing with the same code."""
    code = _normalise_code(code)
    if len(code) != 12:
        return False
    result = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
                                   RecoveryCode.code_hash == crypto.code_hash("recovery", code))
        .values(used_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    record(user, "mfa.recovery.use", user, now=now)
    return True
