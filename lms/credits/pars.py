"""ACCME PARS (and JA-PARS) files: learner completions and the activity record, behind a validation gate.

The columns, their formats and sources are in ``pars_reference.md`` beside this module. In short:

* one row per learner and activity, CME and MOC together on that row (ACCME's learner template takes
  "CME, MOC, REMS, or combined credit types in a single row");
* a diplomate ID and MOC amount column for every board collaborating with ACCME (ABA, ABIM, ABOHNS,
  ABOS, ABPath, ABP, ABS, ABTS), filled for the boards the activity is registered with;
* dates as ACCME writes them: completion ``MM/DD/YYYY``, birth ``MM/DD`` (never the year);
* nothing invalid in a file: every row is checked first; a learner with a problem is left out and
  listed with what is wrong and how to fix it, and an activity-level problem blocks the file.

Everything here is a plain function over data: the views load, these build.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lms.credits.statements import fmt
from lms.users.identifiers import US_STATES, npi_problem

# Certifying boards that take MOC (continuing certification) credit through PARS (accme.org, "Submit
# data via batch upload or web services"), in the order ACCME lists them.
MOC_BOARDS = {
    "ABA": "American Board of Anesthesiology",
    "ABIM": "American Board of Internal Medicine",
    "ABOS": "American Board of Orthopaedic Surgery",
    "ABOHNS": "American Board of Otolaryngology – Head and Neck Surgery",
    "ABPath": "American Board of Pathology",
    "ABP": "American Board of Pediatrics",
    "ABS": "American Board of Surgery",
    "ABTS": "American Board of Thoracic Surgery",
}
BOARD_ALIASES = {"ABOto": "ABOHNS"}  # the profile's older name for the otolaryngology board

# PARS activity formats (accme.org/faq/5) for Continuum's formats; a meeting is a live course online.
PARS_FORMATS = {"live": "Course", "rss": "Regularly Scheduled Series", "enduring": "Enduring Material",
                "internet": "Internet Enduring Material"}
MEETING_FORMAT = "Internet Live Course"

PHYSICIANS = frozenset({"physician_md", "physician_do"})
JA_LEARNER_TYPES = {"physician_md": "Physician", "physician_do": "Physician", "nurse": "Nurse",
                    "nurse_practitioner": "Nurse", "pharmacist": "Pharmacist",
                    "pharmacy_technician": "Pharmacy Technician", "physician_assistant": "Physician Assistant",
                    "other": "Other Learner"}
CME_TYPES = ("ama_pra_1",)
JA_CREDIT_COLUMNS = {"ama_pra_1": "AMA PRA Category 1 Credits", "ancc": "ANCC Contact Hours",
                     "acpe": "ACPE Contact Hours", "aapa_1": "AAPA Category 1 CME Credits", "ipce": "IPCE Credits"}
_NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|[ '.\-])*\Z")
_BOARD_ID = re.compile(r"[A-Za-z0-9\-]{1,20}\Z")


def learner_columns() -> list[str]:
    columns = ["PARS Activity ID", "Provider Activity ID", "First Name", "Last Name", "Date of Birth (MM/DD)",
               "Completion Date (MM/DD/YYYY)", "NPI", "License State", "License ID",
               "AMA PRA Category 1 Credits"]
    for board in MOC_BOARDS:
        columns += [f"{board} Diplomate ID", f"{board} MOC Points"]
    return columns + ["Learner Permission to Share"]


def ja_learner_columns() -> list[str]:
    columns = ["JA-PARS Activity ID", "Provider Activity ID", "First Name", "Last Name", "Date of Birth (MM/DD)",
               "Completion Date (MM/DD/YYYY)", "Learner Type", "NPI", "License State", "License ID"]
    columns += list(JA_CREDIT_COLUMNS.values())
    for board in MOC_BOARDS:
        columns += [f"{board} Diplomate ID", f"{board} MOC Points"]
    return columns + ["Learner Permission to Share"]


ACTIVITY_COLUMNS = [
    "PARS Activity ID", "Provider Activity ID", "Activity Title", "Activity Format", "Start Date (MM/DD/YYYY)",
    "End Date (MM/DD/YYYY)", "City", "State", "Country", "AMA PRA Category 1 Credits Designated", "Providership",
    "Joint Provider Names", "Designed to Change Competence", "Designed to Change Performance",
    "Designed to Change Patient Outcomes", "Commercial Support Received", "Commercial Supporters",
    "Physician Learners", "Other Learners", "MOC Boards",
]


@dataclass(frozen=True)
class Learner:
    user_id: int
    first_name: str
    last_name: str
    profession: str
    birth_month: int | None
    birth_day: int | None
    npi: str | None
    licences: tuple[tuple[str, str], ...]  # (state, number), sorted by state
    boards: dict  # board code -> diplomate ID
    consent: bool


@dataclass(frozen=True)
class Completion:
    learner: Learner
    completed_on: date
    credits: dict  # credit type code -> net amount (> 0)


@dataclass(frozen=True)
class Activity:
    kind: str
    id: int
    title: str
    format: str
    start_date: date | None
    end_date: date | None
    designations: dict
    pars_activity_id: str = ""
    providership: str = "direct"
    joint_providers: str = ""
    commercial_support: bool = False
    commercial_supporters: str = ""
    changes_competence: bool = True
    changes_performance: bool = False
    changes_outcomes: bool = False
    city: str = ""
    state: str = ""
    country: str = "USA"
    moc_boards: tuple[str, ...] = ()


@dataclass
class Problem:
    who: str  # the learner's name, or "Activity"
    what: str
    fix: str
    user_id: int | None = None


@dataclass
class Export:
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    blocked: bool = False  # an activity-level problem: no file at all

    @property
    def excluded(self) -> int:
        return len({p.user_id for p in self.problems if p.user_id is not None})


def mmddyyyy(value: date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else ""


def board_code(name: str) -> str:
    return BOARD_ALIASES.get(name, name)


def _name(learner: Learner) -> str:
    return f"{learner.first_name} {learner.last_name}".strip() or f"Learner #{learner.user_id}"


def learner_problems(learner: Learner, *, boards_needed: list[str], who: str) -> list[Problem]:
    """What stops this learner's row from going to PARS, each with how to fix it."""
    out: list[Problem] = []

    def add(what: str, fix: str) -> None:
        out.append(Problem(who, what, fix, learner.user_id))

    if not learner.consent:
        add("has not given permission to share credit with ACCME and their boards",
            "ask the learner to turn on \"Report my credit\" in their profile")
    for label, value in (("first name", learner.first_name), ("last name", learner.last_name)):
        if not value.strip():
            add(f"{label} missing", f"ask the learner to add their {label} in their profile")
        elif not _NAME.fullmatch(value.strip()):
            add(f"{label} has characters PARS does not accept", "ask the learner to write it in letters, "
                "spaces, apostrophes and hyphens only")
    if not (learner.birth_month and learner.birth_day):
        add("birth month and day missing", "ask the learner to add their birth month and day in their profile")
    elif not 1 <= learner.birth_day <= calendar.monthrange(2000, learner.birth_month)[1]:
        add("birth day does not exist in that month", "ask the learner to correct their birth month and day")
    if learner.npi and npi_problem(learner.npi):
        add("NPI invalid (" + npi_problem(learner.npi) + ")", "ask the learner to correct the NPI in their profile")
    for state, number in learner.licences[:1]:
        if state not in US_STATES or not number.strip():
            add(f"licence {state} {number} is not a US state licence PARS accepts",
                "ask the learner to correct the licence state and number")
    if not learner.npi and not learner.licences and not any(learner.boards.get(b) for b in boards_needed):
        add("neither an NPI, a state licence nor a board ID", "ask the learner to add their NPI or a licence")
    for board in boards_needed:
        diplomate = learner.boards.get(board, "")
        if not diplomate:
            add(f"{board} diplomate ID missing",
                f"ask the learner to add their {board} ID in their profile ({MOC_BOARDS[board]} look-up tool)")
        elif not _BOARD_ID.fullmatch(diplomate):
            add(f"{board} diplomate ID \"{diplomate}\" is not a board ID",
                f"ask the learner to correct their {board} ID in their profile")
    return out


def activity_problems(activity: Activity, *, system: str = "PARS") -> list[Problem]:
    out: list[Problem] = []
    if not activity.pars_activity_id.strip():
        out.append(Problem("Activity", f"no {system} activity ID",
                           f"register the activity in {system} and enter the activity ID it gives on this page"))
    return out


def _moc_boards_for(completion: Completion, activity: Activity) -> list[str]:
    """Boards this completion reports MOC to: ABIM whenever the learner claimed ABIM MOC points (so a
    missing ABIM ID is a problem, not a silently dropped claim), and the activity's other registered
    boards that the learner holds."""
    held = {board_code(b) for b in completion.learner.boards}
    boards = [b for b in MOC_BOARDS if b != "ABIM" and b in activity.moc_boards and b in held
              and "ama_pra_1" in completion.credits]
    if "abim_moc" in completion.credits:
        boards.insert(0, "ABIM")
    return [b for b in MOC_BOARDS if b in boards]


def _moc_amount(board: str, completion: Completion) -> Decimal:
    # ABIM counts MOC points claimed as such; the other boards count the AMA PRA Category 1 credit earned.
    return completion.credits.get("abim_moc" if board == "ABIM" else "ama_pra_1", Decimal(0))


def _identity(learner: Learner) -> list[str]:
    state, number = learner.licences[0] if learner.licences else ("", "")
    return [learner.npi or "", state, number]


def learner_export(activity: Activity, completions: list[Completion], *, joint: bool = False) -> Export:
    """The PARS (or, ``joint``, JA-PARS) learner completion rows, validated."""
    system = "JA-PARS" if joint else "PARS"
    export = Export(ja_learner_columns() if joint else learner_columns(), problems=activity_problems(
        activity, system=system))
    export.blocked = bool(export.problems)
    for completion in sorted(completions, key=lambda c: (c.learner.last_name.lower(), c.learner.first_name.lower(),
                                                         c.learner.user_id)):
        learner = completion.learner
        if not joint and (learner.profession not in PHYSICIANS or not any(
                c in completion.credits for c in CME_TYPES + ("abim_moc",))):
            continue  # PARS learner data is physicians' CME and MOC
        if joint and not any(c in completion.credits for c in (*JA_CREDIT_COLUMNS, "abim_moc")):
            continue
        boards = _moc_boards_for(completion, activity)
        problems = learner_problems(learner, boards_needed=boards, who=_name(learner))
        if problems:
            export.problems += problems
            continue
        head = [activity.pars_activity_id, f"{activity.kind}-{activity.id}", learner.first_name.strip(),
                learner.last_name.strip(), f"{learner.birth_month:02d}/{learner.birth_day:02d}",
                mmddyyyy(completion.completed_on)]
        if joint:
            row = head + [JA_LEARNER_TYPES.get(learner.profession, "Other Learner"), *_identity(learner)]
            row += [fmt(completion.credits[c]) if c in completion.credits else "" for c in JA_CREDIT_COLUMNS]
        else:
            row = head + _identity(learner) + [fmt(completion.credits["ama_pra_1"])
                                               if "ama_pra_1" in completion.credits else ""]
        for board in MOC_BOARDS:
            if board in boards:
                row += [learner.boards[board], fmt(_moc_amount(board, completion))]
            else:
                row += ["", ""]
        export.rows.append(row + ["Y"])
    return export


def activity_export(activity: Activity, *, physicians: int, others: int, joint: bool = False) -> Export:
    """The PARS activity record with the fields ACCME requires to close an activity, validated."""
    system = "JA-PARS" if joint else "PARS"
    problems = activity_problems(activity, system=system)
    live = activity.format in ("live", "meeting")
    if activity.providership not in ("direct", "joint"):
        problems.append(Problem("Activity", "providership unknown", "choose directly or jointly provided"))
    if activity.providership == "joint" and not activity.joint_providers.strip():
        problems.append(Problem("Activity", "jointly provided but no joint provider named",
                                "enter the joint provider's name"))
    if activity.commercial_support and not activity.commercial_supporters.strip():
        problems.append(Problem("Activity", "commercial support received but no supporter named",
                                "enter each supporter with the amount or in-kind nature of its support"))
    if not (activity.changes_competence or activity.changes_performance or activity.changes_outcomes):
        problems.append(Problem("Activity", "no outcome the activity was designed to change",
                                "choose at least one of competence, performance or patient outcomes"))
    if activity.format == "live" and not (activity.city.strip() and activity.state in US_STATES):
        problems.append(Problem("Activity", "a live course without its city and state",
                                "enter where the course took place"))
    if not activity.start_date or not activity.end_date:
        problems.append(Problem("Activity", "start or end date missing", "set the activity's dates"))
    if "ama_pra_1" not in activity.designations and not joint:
        problems.append(Problem("Activity", "no AMA PRA Category 1 Credit™ designated",
                                "designate the credit (PARS records the amount designated)"))
    export = Export(ACTIVITY_COLUMNS, problems=problems, blocked=bool(problems))
    if export.blocked:
        return export
    fmt_name = MEETING_FORMAT if activity.format == "meeting" else PARS_FORMATS.get(activity.format, "Other")
    export.rows.append([
        activity.pars_activity_id, f"{activity.kind}-{activity.id}", activity.title, fmt_name,
        mmddyyyy(activity.start_date), mmddyyyy(activity.end_date), activity.city if live else "",
        activity.state if live else "", activity.country if live else "",
        fmt(activity.designations.get("ama_pra_1", Decimal(0))),
        "Joint" if activity.providership == "joint" else "Direct",
        activity.joint_providers if activity.providership == "joint" else "",
        "Y" if activity.changes_competence else "N", "Y" if activity.changes_performance else "N",
        "Y" if activity.changes_outcomes else "N", "Y" if activity.commercial_support else "N",
        activity.commercial_supporters if activity.commercial_support else "", str(physicians), str(others),
        ";".join(b for b in MOC_BOARDS if b in activity.moc_boards),
    ])
    return export


# --- files ----------------------------------------------------------------------------------------

def _cell(value) -> str:
    # A tab or line break inside a value would shift every later column of the row.
    return " ".join(str(value).split()) if value is not None else ""


def tab_delimited(export: Export) -> bytes:
    """Tab-delimited text as PARS uploads take it: a header row, one record per line, CRLF, UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(export.columns)
    for row in export.rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def workbook(export: Export, *, sheet: str = "Learner Data") -> bytes:
    """The same rows as an Excel workbook; every cell is text, so nothing is read as a formula or a
    number (an NPI or an ID keeps its leading zeros; "=..." stays text)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for r, row in enumerate([export.columns, *export.rows], start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = _cell(value)
            cell.data_type = TYPE_STRING
            cell.number_format = "@"
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
