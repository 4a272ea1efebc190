"""Credit rules: claims, corrections and revocations on an append-only ledger.

Every function takes the actor and the clock. Amounts are ``Decimal`` from the form to the
database; a float never touches them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, func, literal_column, select
from sqlalchemy.exc import IntegrityError

from lms.errors import RuleViolation
from lms import activities
from lms.activities import FORMATS, ActivityInfo, Participation
from lms.audit.services import record
from lms.credits import cpe_monitor, statements
from lms.credits.models import CreditEntry, CreditType, ExternalCredit, Requirement
from lms.credits.signals import credit_claimed, credit_corrected
from lms.credits.requirements import LedgerLine, Rule, progress
from lms.extensions import db
from lms.users.models import PROFESSIONS, User

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000")


class CreditError(RuleViolation):
    """A credit rule was broken; ``str(exc)`` is the message for the learner."""


class NotEligible(CreditError):
    pass


class NotReady(CreditError):
    pass


class InvalidAmount(CreditError):
    pass


class AlreadyClaimed(CreditError):
    pass


class ProfileIncomplete(CreditError):
    pass


def parse_amount(raw: str | None) -> Decimal:
    """Read an amount typed by a person. Refuses NaN, infinities, exponents and sub-cent values."""
    text = (raw or "").strip()
    if not text:
        raise InvalidAmount("Enter an amount, for example 1.25.")
    if len(text) > 12 or any(ch not in "0123456789." for ch in text):
        raise InvalidAmount("Enter the amount as a plain number such as 1.25.")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidAmount("Enter the amount as a plain number such as 1.25.") from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise InvalidAmount("Use at most two decimal places.")
    return amount


def check_amount(amount: Decimal, credit_type: CreditType, maximum: Decimal) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidAmount("Enter the amount as a plain number such as 1.25.")
    if amount <= 0:
        raise InvalidAmount("The amount must be more than zero.")
    if amount > maximum:
        raise InvalidAmount(f"You can claim at most {fmt(maximum)} {credit_type.unit} of {credit_type.name} here.")
    if amount % credit_type.increment != 0:
        raise InvalidAmount(f"{credit_type.name} is claimed in steps of {fmt(credit_type.increment)} "
                            f"({_minutes(credit_type.increment)} minutes).")


def _minutes(hours: Decimal) -> str:
    return fmt(hours * 60)


def fmt(amount: Decimal) -> str:
    """1.50 -> '1.5', 2.00 -> '2', 0.25 -> '0.25'."""
    text = f"{amount.quantize(CENT):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def is_jointly_accredited(org_id: int | None) -> bool:
    from lms.orgs.models import Organisation

    return bool(org_id and db.session.scalar(select(Organisation.joint_accreditation).where(
        Organisation.id == org_id)))


def statement_parts(credit_type: CreditType, info: ActivityInfo, amount: Decimal, *, joint: bool | None = None) -> list:
    """The designation statement accreditors require for this credit type and activity, as parts
    (the AMA credit name marked for italics); see ``lms.credits.statements``."""
    joint = is_jointly_accredited(info.provider_org_id) if joint is None else joint
    return statements.designation(credit_type.code, provider=info.provider_name,
                                  format_name=FORMATS.get(info.format, "activity"), amount=amount,
                                  uan=info.acpe_uan or "", joint=joint)


def statement(credit_type: CreditType, info: ActivityInfo, amount: Decimal) -> str:
    """The designation statement as plain text, singular or plural as the amount requires."""
    return statements.plain(statement_parts(credit_type, info, amount))


def check_not_expired(info: ActivityInfo, now: datetime) -> None:
    """Enduring material is certified for credit only until its expiry (termination) date: after it, in
    the activity's time zone, no claim is accepted (ACCME/JA: "date after which enduring material is no
    longer certified for credit"). Live activities end on their date and are claimed afterwards."""
    if info.format == "live" or info.end_date is None:
        return
    try:
        today = now.astimezone(ZoneInfo(info.timezone or "UTC")).date()
    except (KeyError, ValueError):
        today = now.date()
    if today > info.end_date:
        raise NotEligible(f"This activity was certified for credit until {info.end_date:%d %B %Y}; credit can no "
                          "longer be claimed for it.")


@dataclass(frozen=True)
class ClaimOption:
    credit_type: CreditType
    maximum: Decimal
    statement: str
    eligible: bool
    reason: str = ""
    existing: Decimal | None = None  # net amount already claimed


def claim_options(learner: User, info: ActivityInfo, participation: Participation | None = None) -> list[ClaimOption]:
    """What this learner may claim for this activity, and why not where they may not.

    Designations the learner's profession does not cover are shown with the reason; they can
    claim a certificate of participation for the same time instead (AMA: non-physicians get a
    participation certificate).
    """
    codes = set(info.designations)
    types = {t.code: t for t in db.session.scalars(select(CreditType).where(CreditType.code.in_(codes | {"participation"})))}
    existing = claimed_amounts(learner.id, info.kind, info.id)
    options, ineligible_max = [], Decimal("0")
    joint = is_jointly_accredited(info.provider_org_id)
    for code, maximum in sorted(info.designations.items(), key=lambda kv: types[kv[0]].sort_order):
        credit_type = types[code]
        cap = maximum
        if participation is not None and participation.max_claimable is not None:
            cap = min(cap, participation.max_claimable)
        eligible = credit_type.is_eligible(learner.profession)
        reason = "" if eligible else (
            f"{credit_type.name} is for {' and '.join(PROFESSIONS[p] for p in credit_type.professions)}; "
            f"your profile says {learner.profession_label}.")
        if not eligible:
            ineligible_max = max(ineligible_max, cap)
        options.append(ClaimOption(credit_type, cap, statements.plain(statement_parts(credit_type, info, maximum,
                                                                                      joint=joint)),
                                   eligible, reason, existing.get(code)))
    if "participation" not in codes and ineligible_max > 0 and not any(o.eligible for o in options):
        participation_type = types["participation"]
        options.append(ClaimOption(participation_type, ineligible_max,
                                   statement(participation_type, info, ineligible_max), True,
                                   existing=existing.get("participation")))
    return options


def claimed_amounts(learner_id: int, kind: str, activity_id: int) -> dict[str, Decimal]:
    rows = db.session.execute(
        select(CreditEntry.credit_type_code, func.sum(CreditEntry.amount))
        .where(CreditEntry.learner_id == learner_id, CreditEntry.activity_kind == kind,
               CreditEntry.activity_id == activity_id)
        .group_by(CreditEntry.credit_type_code)
    ).all()
    return {code: Decimal(total).quantize(CENT) for code, total in rows}


def has_claimed(learner_id, kind: str, activity_id):
    """The SQL test, for use inside a larger query, that ``claimed_amounts`` is not empty: the learner
    has claimed credit for the activity. Every correction or revocation names a claim of the same
    learner and activity, so testing for the claim is the same as testing for any entry; the claim's
    literal ``kind`` lets the database answer from the one-claim index (it must see the literal to use
    a partial index), instead of intersecting the learner's and the activity's entries."""
    return exists().where(CreditEntry.kind == literal_column("'claim'"), CreditEntry.learner_id == learner_id,
                          CreditEntry.activity_kind == kind, CreditEntry.activity_id == activity_id)


def load_activity(kind: str, activity_id: int, learner_id: int | None = None) -> ActivityInfo:
    """The activity; with ``learner_id``, as that learner took it (a course's enrolled version)."""
    try:
        info = (activities.activity_info_for(kind, learner_id, activity_id) if learner_id is not None
                else activities.activity_info(kind, activity_id))
    except LookupError:
        info = None
    if info is None:
        raise NotReady("This activity does not exist or does not offer credit.")
    return info


def claim_credit(learner: User, kind: str, activity_id: int, credit_type_code: str, amount: Decimal, *,
                 attested: bool, now: datetime, description: str = "", ip: str | None = None) -> CreditEntry:
    """Record a claim: completed activity, evaluation submitted, eligible type, amount within the rules."""
    info = load_activity(kind, activity_id, learner.id)
    check_not_expired(info, now)
    part = activities.participation(kind, learner.id, activity_id)
    if not part.is_complete:
        raise NotReady("Complete the activity before claiming credit.")
    if not part.evaluation_submitted:
        raise NotReady("Submit the activity's evaluation before claiming credit: accreditors require it.")
    option = next((o for o in claim_options(learner, info, part) if o.credit_type.code == credit_type_code), None)
    if option is None:
        raise NotEligible("This activity does not offer that credit type.")
    if not option.eligible:
        alternatives = [o.credit_type.name for o in claim_options(learner, info, part) if o.eligible]
        instead = f" You can claim {', '.join(alternatives)} instead." if alternatives else ""
        raise NotEligible(option.reason + instead)
    if option.existing == 0:
        raise AlreadyClaimed(f"Your claim of {option.credit_type.name} for this activity was revoked; it cannot be "
                             "claimed again. Contact the provider if you think this is wrong.")
    if option.existing is not None:
        raise AlreadyClaimed(f"You have already claimed {option.credit_type.name} for this activity.")
    if credit_type_code == "acpe":
        try:
            cpe_monitor.check_acpe_claim(
                profession=learner.profession, uan=info.acpe_uan, activity_format=_acpe_format(info),
                amount=amount, designated=info.designations[credit_type_code], attended_max=part.max_claimable)
        except cpe_monitor.AcpeRuleError as exc:
            raise NotEligible(str(exc)) from None
    check_amount(amount, option.credit_type, option.maximum)
    if not attested:
        raise NotReady("Confirm that you claim only the credit commensurate with your participation.")
    if option.credit_type.self_claimed and not description.strip():
        raise NotReady("Describe what you did: Category 2 credit is self-documented.")
    if option.credit_type.requires_nabp and not (learner.nabp_eprofile_id and learner.birth_month and learner.birth_day):
        raise ProfileIncomplete("ACPE credit is reported to CPE Monitor: add your NABP e-Profile ID and birth "
                                "month and day to your profile first.")
    if option.credit_type.requires_uan and not info.acpe_uan:
        raise NotEligible("This activity has no ACPE universal activity number, so ACPE credit cannot be claimed.")

    entry = CreditEntry(
        kind="claim", learner_id=learner.id, activity_kind=kind, activity_id=activity_id,
        activity_version=info.version, activity_title=info.title[:300], activity_format=info.format,
        activity_date=_activity_date(info, part, now), provider_org_id=info.provider_org_id,
        provider_name=info.provider_name, topics=list(info.topics), credit_type_code=credit_type_code,
        amount=amount, description=description.strip(), attested=True, actor_id=learner.id, created_at=now,
    )
    _insert_once(entry, option.credit_type)
    credit_claimed.send(entry)
    record(learner, "credit.claim", entry, now=now, org_id=info.provider_org_id, ip=ip,
           after={"credit_type": credit_type_code, "amount": str(amount), "activity": f"{kind}:{activity_id}"})
    return entry


def _acpe_format(info: ActivityInfo) -> str:
    return "meeting" if info.kind == "meeting" else info.format


def _activity_date(info: ActivityInfo, part: Participation, now: datetime) -> date:
    # Participation records run from the date the learner completed (ACCME retention: six years from it).
    return (part.completed_at or now).date() if info.format != "live" else (info.end_date or now.date())


def _insert_once(entry: CreditEntry, credit_type: CreditType) -> None:
    """Insert inside a SAVEPOINT so a lost race (the unique index) leaves the transaction usable."""
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise AlreadyClaimed(f"You have already claimed {credit_type.name} for this activity.") from None


def net_amount(claim: CreditEntry) -> Decimal:
    total = db.session.scalar(select(func.sum(CreditEntry.amount)).where(
        (CreditEntry.id == claim.id) | (CreditEntry.claim_id == claim.id)))
    return Decimal(total).quantize(CENT)


def correct_claim(actor: User, claim: CreditEntry, new_amount: Decimal, *, reason: str, now: datetime,
                  ip: str | None = None) -> CreditEntry:
    """Change a claim's amount by appending the difference, with who and why."""
    if claim.kind != "claim":
        raise CreditError("Only a claim can be corrected.")
    if not reason.strip():
        raise CreditError("Give the reason for the correction: it is part of the record.")
    current = net_amount(claim)
    if current == 0:
        raise CreditError("This claim was revoked; it cannot be corrected.")
    info = activities.activity_info(claim.activity_kind, claim.activity_id) if claim.activity_kind != "external" else None
    maximum = info.designations.get(claim.credit_type_code, MAX_AMOUNT) if info else MAX_AMOUNT
    check_amount(new_amount, claim.credit_type, max(maximum, current))
    if new_amount == current:
        raise CreditError("The new amount is the same as the current one.")
    entry = _follow_up(claim, "correction", new_amount - current, actor, reason, now)
    credit_corrected.send(entry, claim=claim)
    record(actor, "credit.correct", claim, now=now, org_id=claim.provider_org_id, ip=ip,
           before={"amount": str(current)}, after={"amount": str(new_amount), "reason": reason.strip()})
    return entry


def revoke_claim(actor: User, claim: CreditEntry, *, reason: str, now: datetime, ip: str | None = None) -> CreditEntry:
    if claim.kind != "claim":
        raise CreditError("Only a claim can be revoked.")
    if not reason.strip():
        raise CreditError("Give the reason for the revocation: it is part of the record.")
    current = net_amount(claim)
    if current == 0:
        raise CreditError("This claim is already revoked.")
    entry = _follow_up(claim, "revocation", -current, actor, reason, now)
    credit_corrected.send(entry, claim=claim)
    record(actor, "credit.revoke", claim, now=now, org_id=claim.provider_org_id, ip=ip,
           before={"amount": str(current)}, after={"amount": "0", "reason": reason.strip()})
    return entry


def _follow_up(claim: CreditEntry, kind: str, delta: Decimal, actor: User, reason: str, now: datetime) -> CreditEntry:
    entry = CreditEntry(
        kind=kind, claim_id=claim.id, learner_id=claim.learner_id, activity_kind=claim.activity_kind,
        activity_id=claim.activity_id, activity_version=claim.activity_version, activity_title=claim.activity_title,
        activity_format=claim.activity_format, activity_date=claim.activity_date,
        provider_org_id=claim.provider_org_id, provider_name=claim.provider_name, topics=claim.topics,
        credit_type_code=claim.credit_type_code, amount=delta, self_reported=claim.self_reported,
        actor_id=actor.id, reason=reason.strip(), created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class TranscriptRow:
    claim_id: int
    activity_kind: str
    activity_id: int
    title: str
    provider: str
    on: date
    credit_type: CreditType
    amount: Decimal
    claimed: Decimal
    self_reported: bool
    status: str  # "claimed", "corrected" or "revoked"
    topics: tuple[str, ...]


def transcript(learner_id: int, start: date | None = None, end: date | None = None) -> list[TranscriptRow]:
    """A learner's claims with their net amounts, newest first. Two queries whatever the ledger size."""
    query = select(CreditEntry).where(CreditEntry.learner_id == learner_id).order_by(
        CreditEntry.activity_date.desc(), CreditEntry.id.desc())
    if start:
        query = query.where(CreditEntry.activity_date >= start)
    if end:
        query = query.where(CreditEntry.activity_date <= end)
    entries = db.session.scalars(query).all()
    follow_ups: dict[int, list[CreditEntry]] = defaultdict(list)
    for e in entries:
        if e.claim_id is not None:
            follow_ups[e.claim_id].append(e)
    rows = []
    for e in entries:
        if e.kind != "claim":
            continue
        later = follow_ups.get(e.id, [])
        net = (e.amount + sum((f.amount for f in later), Decimal("0"))).quantize(CENT)
        status = "revoked" if net == 0 else ("corrected" if later else "claimed")
        rows.append(TranscriptRow(e.id, e.activity_kind, e.activity_id, e.activity_title, e.provider_name,
                                  e.activity_date, e.credit_type, net, e.amount, e.self_reported, status,
                                  tuple(e.topics or ())))
    return rows


def totals_by_type(rows: list[TranscriptRow]) -> list[tuple[CreditType, Decimal]]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    types: dict[str, CreditType] = {}
    for row in rows:
        totals[row.credit_type.code] += row.amount
        types[row.credit_type.code] = row.credit_type
    return [(types[c], totals[c]) for c in sorted(totals, key=lambda c: types[c].sort_order) if totals[c] > 0]


def ledger_lines(rows: list[TranscriptRow]) -> list[LedgerLine]:
    return [LedgerLine(r.claim_id, r.on, r.credit_type.code, r.amount, frozenset(r.topics)) for r in rows]


@dataclass(frozen=True)
class ExternalCreditData:
    provider_name: str
    activity_title: str
    activity_date: date
    credit_type_code: str
    amount: Decimal
    topics: tuple[str, ...] = ()


def add_external_credit(learner: User, data: ExternalCreditData, *, now: datetime,
                        certificate: tuple[str, str] | None = None) -> ExternalCredit:
    """Record credit earned elsewhere. It enters the ledger marked self-reported."""
    credit_type = db.session.get(CreditType, data.credit_type_code)
    if credit_type is None:
        raise CreditError("Choose a credit type.")
    if data.activity_date > now.date():
        raise CreditError("The activity date cannot be in the future.")
    check_amount(data.amount, credit_type, MAX_AMOUNT)
    external = ExternalCredit(
        learner_id=learner.id, provider_name=data.provider_name.strip(), activity_title=data.activity_title.strip(),
        activity_date=data.activity_date, credit_type_code=credit_type.code, amount=data.amount,
        topics=list(data.topics), certificate_path=certificate[0] if certificate else None,
        certificate_filename=certificate[1] if certificate else None, created_at=now,
    )
    db.session.add(external)
    db.session.flush()
    entry = CreditEntry(
        kind="claim", learner_id=learner.id, activity_kind="external", activity_id=external.id,
        activity_title=external.activity_title[:300], activity_format="", activity_date=external.activity_date,
        provider_name=external.provider_name[:200], topics=list(data.topics), credit_type_code=credit_type.code,
        amount=data.amount, attested=True, self_reported=True, actor_id=learner.id, created_at=now,
    )
    _insert_once(entry, credit_type)
    return external


def rule_for(requirement: Requirement) -> Rule:
    return Rule(
        total_required=Decimal(requirement.total_required), cycle_start=requirement.cycle_start,
        cycle_end=requirement.cycle_end, credit_types=frozenset(requirement.credit_types or ()),
        topic_minimums={k: Decimal(v) for k, v in (requirement.topic_minimums or {}).items()},
        one_time=requirement.one_time,
    )


@cache
def _requirements_statement():
    """Built once: the requirements page and the API read it."""
    return (select(Requirement).where(Requirement.learner_id == bindparam("learner_id"))
            .order_by(Requirement.cycle_end.is_(None), Requirement.cycle_end, Requirement.id))


def requirement_progress(learner_id: int, today: date, requirement_ids: list[int] | None = None):
    """Each of the learner's requirements (soonest cycle end first) with its progress: two queries.
    ``requirement_ids`` (the dashboard knows them already): none when it is empty."""
    if requirement_ids is not None and not requirement_ids:
        return []
    query = _requirements_statement()
    if requirement_ids is not None:
        query = query.where(Requirement.id.in_(requirement_ids))
    requirements = db.session.scalars(query, {"learner_id": learner_id}).all()
    if not requirements:
        return []
    lines = ledger_lines(transcript(learner_id))
    return [(r, progress(rule_for(r), lines, today)) for r in requirements]
