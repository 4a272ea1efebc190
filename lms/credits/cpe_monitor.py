"""ACPE rules for pharmacy credit and the data NABP's CPE Monitor takes (see ``pars_reference.md``).

ACPE's Universal Activity Number (acpe-accredit.org/universal-activity-numbers), e.g.
``0197-0000-26-012-L01-P`` or ``JA0000123-0000-26-012-H05-T``:

    provider (4 digits, or JA + 7 for a jointly accredited provider) - joint provider (4 digits)
    - year (2) - sequence (3) - format letter L live / H home study / B blended, topic (2 digits)
    - audience P pharmacist / T pharmacy technician

Rules enforced when a pharmacist or technician claims (``check_acpe_claim``):

* credit only for the whole activity: the amount is the designated contact hours, and a live
  activity's attendance must cover all of it (ACPE awards no partial credit);
* a pharmacist claims against a ``-P`` UAN and a technician against a ``-T`` UAN;
* the UAN's format letter matches the activity: ``L`` for live activities (and meetings), ``H`` for
  home study (enduring, internet), ``B`` (blended) for either;
* the learner's NABP e-Profile ID and birth month and day are on file (CPE Monitor matches on both).

CEUs are contact hours / 10 (ACPE: 1 CEU = 10 contact hours).
"""

from __future__ import annotations

import re
from decimal import Decimal

UAN = re.compile(r"(?P<provider>\d{4}|JA\d{7})-(?P<joint>\d{4})-(?P<year>\d{2})-(?P<sequence>\d{3})-"
                 r"(?P<format>[LHB])(?P<topic>\d{2})-(?P<audience>[PT])\Z")
AUDIENCE = {"pharmacist": "P", "pharmacy_technician": "T"}
LIVE_FORMATS = {"live", "meeting"}


class AcpeRuleError(ValueError):
    """An ACPE rule was broken; the message says which and what to do."""


def uan_problem(uan: str | None) -> str | None:
    """Why ``uan`` is not a well-formed ACPE Universal Activity Number, or None if it is."""
    if not uan:
        return "The activity has no ACPE Universal Activity Number."
    if not UAN.fullmatch(uan.strip().upper()):
        return ("An ACPE UAN looks like 0197-0000-26-012-L01-P: provider, joint provider, year, sequence, "
                "L/H/B with a two-digit topic, and P or T.")
    return None


def parse_uan(uan: str) -> dict:
    match = UAN.fullmatch(uan.strip().upper())
    if not match:
        raise AcpeRuleError(uan_problem(uan) or "Invalid UAN.")
    return match.groupdict()


def format_letter_problem(uan: str, activity_format: str) -> str | None:
    letter = parse_uan(uan)["format"]
    if letter == "B":
        return None
    expected = "L" if activity_format in LIVE_FORMATS else "H"
    if letter != expected:
        kind = "a live activity" if expected == "L" else "a home-study activity"
        return (f"The UAN {uan} is marked {letter} ({'live' if letter == 'L' else 'home study'}) but this is "
                f"{kind}: its UAN must use {expected}.")
    return None


def check_acpe_claim(*, profession: str, uan: str | None, activity_format: str, amount: Decimal,
                     designated: Decimal, attended_max: Decimal | None) -> None:
    """Refuse an ACPE claim that breaks ACPE's rules (raises ``AcpeRuleError``)."""
    problem = uan_problem(uan)
    if problem:
        raise AcpeRuleError(problem + " ACPE credit cannot be claimed until the provider corrects it.")
    parts = parse_uan(uan)
    audience = AUDIENCE.get(profession)
    if audience is None:
        raise AcpeRuleError("ACPE credit is for pharmacists and pharmacy technicians.")
    if parts["audience"] != audience:
        who = "pharmacists" if parts["audience"] == "P" else "pharmacy technicians"
        raise AcpeRuleError(f"This activity's ACPE credit (UAN {uan}) is for {who} only.")
    problem = format_letter_problem(uan, activity_format)
    if problem:
        raise AcpeRuleError(problem)
    if amount != designated:
        raise AcpeRuleError(f"ACPE credit is awarded only for the whole activity: claim {designated} contact "
                            "hours, or no ACPE credit.")
    if attended_max is not None and attended_max < designated:
        raise AcpeRuleError(f"ACPE credit needs attendance of the whole activity ({designated} contact hours); "
                            f"your attendance supports {attended_max}.")


def ceus(hours: Decimal) -> Decimal:
    return (Decimal(hours) / 10).quantize(Decimal("0.001")).normalize()


# --- the CPE Monitor file -------------------------------------------------------------------------

COLUMNS = ["NABP e-Profile ID", "Date of Birth (MMDD)", "UAN", "Date of Participation (MM/DD/YYYY)",
           "Contact Hours", "CEUs", "Participant Type", "First Name", "Last Name"]


def row_problems(*, name: str, user_id: int, profession: str, nabp: str | None, birth_month: int | None,
                 birth_day: int | None, consent: bool, uan: str | None, activity_format: str, amount: Decimal,
                 designated: Decimal) -> list:
    """What stops one pharmacy credit line going to CPE Monitor, each with how to fix it."""
    from lms.credits.pars import Problem
    from lms.users.identifiers import nabp_problem

    out = []

    def add(what: str, fix: str) -> None:
        out.append(Problem(name, what, fix, user_id))

    if not consent:
        add("has not given permission to report credit", "ask the learner to turn on \"Report my credit\"")
    if not nabp:
        add("NABP e-Profile ID missing", "ask the learner to add it in their profile")
    elif nabp_problem(nabp):
        add(f"NABP e-Profile ID \"{nabp}\" is not one NABP issues", "ask the learner to correct it in their profile")
    if not (birth_month and birth_day):
        add("birth month and day missing", "ask the learner to add them in their profile")
    problem = uan_problem(uan)
    if problem:
        add("the UAN of the version they completed is not valid", "correct the activity's UAN; " + problem)
        return out
    audience = AUDIENCE.get(profession)
    if audience != parse_uan(uan)["audience"]:
        add(f"a {'pharmacist' if audience == 'P' else 'technician' if audience == 'T' else 'non-pharmacy'} "
            f"learner against the {parse_uan(uan)['audience']} UAN {uan}",
            "revoke this claim: the activity's ACPE credit is not for this learner")
    letter = format_letter_problem(uan, activity_format)
    if letter:
        add("the UAN's format letter does not match the activity", "correct the activity's UAN; " + letter)
    if amount != designated:
        add(f"{amount} of {designated} contact hours claimed: ACPE gives credit only for the whole activity",
            "correct the claim to the whole activity or revoke it")
    return out
