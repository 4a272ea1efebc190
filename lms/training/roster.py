"""Staff roster import from CSV: parse and validate everything, preview, apply all or nothing.

Rules:
* UTF-8 with or without a byte-order mark; anything else is refused whole, with the offset of
  the first byte that is not UTF-8 and how to fix it.
* At most ``MAX_ROWS`` rows and ``MAX_BYTES`` bytes; a bigger file is refused whole.
* Columns: name (or first name + last name), email, role, team, profession, job title.
* A cell that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or
  line break) is refused: these are names, never formulas, and nothing of the row is stored.
* The preview shows every row with what will happen to it: will add, will update, no change, or
  the error in plain words. Rows with errors are skipped; the manager imports the valid rows on
  request (a second, confirming POST) or fixes the file and uploads it again.
* The preview is kept on the server (``RosterImport``), never sent back by the browser; the
  confirming POST names the plan it saw (a digest), and is refused if the staff list changed since.
* Applying is idempotent: people already in the organisation with the same team and job title
  are "no change", so importing the same file twice changes nothing the second time. Roles of
  existing members and leavers (deactivated members) are never changed by an import.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from lms import caching
from lms.errors import RuleViolation
from lms.audit.services import record
from lms.csvexport import FORMULA_PREFIXES
from lms.extensions import db
from lms.orgs.models import ROLES, Membership, Organisation, Team, TeamMember
from lms.training.models import RosterImport
from lms.text import normalise_email
from lms.users.models import PROFESSIONS, User

MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
COLUMNS = {"name", "first name", "last name", "email", "role", "team", "profession", "job title"}
# Codes, labels and the abbreviations people write in a staff list.
_PROFESSION_ALIASES = {"md": "physician_md", "physician md": "physician_md", "do": "physician_do",
                       "physician do": "physician_do", "rn": "nurse", "registered nurse": "nurse",
                       "np": "nurse_practitioner", "pharmd": "pharmacist", "pharmacy tech": "pharmacy_technician",
                       "pa": "physician_assistant", "pa-c": "physician_assistant", "other": "other", "staff": "other"}
_PROFESSION_LOOKUP = {**{k: k for k in PROFESSIONS}, **{v.casefold(): k for k, v in PROFESSIONS.items()},
                      **_PROFESSION_ALIASES}


class RosterFileError(RuleViolation, ValueError):
    """The whole file is refused (encoding, size, missing columns)."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str
    name: str = ""   # what the preview shows of the refused row (never a value that looks like a formula)
    email: str = ""


def _header(name: str) -> str:
    return " ".join(name.replace("_", " ").strip().casefold().split())


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise RosterFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it and upload each part.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            f"The file is not UTF-8 text: the byte at offset {exc.start} (0x{data[exc.start]:02x}) is not valid UTF-8. "
            "In Excel choose Save As > \"CSV UTF-8 (Comma delimited)\", then upload again.") from None
    if "\x00" in text:
        raise RosterFileError("The file contains NUL bytes: it is not a CSV text file.")
    return text


def parse(data: bytes) -> tuple[list[dict], list[RowError]]:
    """Rows (as dicts of clean values, with their line numbers) and every problem found."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise RosterFileError("The file is empty.") from None
    except csv.Error as exc:
        raise RosterFileError(f"The file is not valid CSV: {exc}.") from None
    names = [_header(h) for h in header]
    if "email" not in names or not ({"name"} & set(names) or {"first name", "last name"} <= set(names)):
        raise RosterFileError("The first line must name the columns: name, email, role, team, profession, "
                              "job title (name may be split into first name and last name).")
    rows: list[dict] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    try:
        for index, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise RosterFileError(f"The file has more than {MAX_ROWS:,} people. Split it and upload each part; "
                                      "nothing was imported.")
            raw = {n: (cells[i].strip() if i < len(cells) else "") for i, n in enumerate(names) if n in COLUMNS}
            row, problems = _row(index, raw, seen)
            errors.extend(_shown(p, raw) for p in problems)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        raise RosterFileError(f"The file is not valid CSV near line {reader.line_num}: {exc}.") from None
    if not rows and not errors:
        raise RosterFileError("The file has a header but no people.")
    return rows, errors


def _safe(value: str) -> str:
    return "" if value.startswith(FORMULA_PREFIXES) else value[:120]


def _shown(problem: RowError, raw: dict) -> RowError:
    name = raw.get("name") or " ".join(v for v in (raw.get("first name", ""), raw.get("last name", "")) if v)
    return RowError(problem.line, problem.column, problem.message, name=_safe(name), email=_safe(raw.get("email", "")))


ROLE_WORDS = " or ".join([", ".join(list(ROLES.values())[:-1]), list(ROLES.values())[-1]])
PROFESSION_WORDS = "; ".join(PROFESSIONS.values())


def _row(line: int, raw: dict, seen: dict[str, int]) -> tuple[dict | None, list[RowError]]:
    problems: list[RowError] = []
    for column, value in raw.items():
        if value.startswith(FORMULA_PREFIXES):
            problems.append(RowError(line, column, "starts with a character a spreadsheet runs as a formula "
                                                   "(=, +, -, @); enter plain text"))
    if "name" in raw:
        first, _, last = raw["name"].rpartition(" ")
        first, last = (first, last) if first else (last, "")
    else:
        first, last = raw.get("first name", ""), raw.get("last name", "")
    if not (first or last):
        problems.append(RowError(line, "name", "is missing"))
    if len(first) > 100 or len(last) > 100:
        problems.append(RowError(line, "name", "is longer than 100 characters"))
    email = raw.get("email", "")
    try:
        email = normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        problems.append(RowError(line, "email", f"“{_safe(email)}” is not a valid email address: {exc}" if email
                                 else "is missing"))
        email = ""
    if email:
        if email in seen:
            problems.append(RowError(line, "email", f"{email} is already on line {seen[email]} of this file"))
        else:
            seen[email] = line
    role = (raw.get("role") or "member").casefold()
    if role not in ROLES:
        problems.append(RowError(line, "role", f"“{_safe(raw.get('role', ''))}” is not a role here: write {ROLE_WORDS}"))
    profession_text = raw.get("profession") or "other"
    profession = _PROFESSION_LOOKUP.get(profession_text.casefold())
    if profession is None:
        problems.append(RowError(line, "profession", f"“{_safe(profession_text)}” is not a profession we know: "
                                                     f"write one of {PROFESSION_WORDS}"))
    team, job_title = raw.get("team", ""), raw.get("job title", "")
    if len(team) > 120:
        problems.append(RowError(line, "team", "is longer than 120 characters"))
    if len(job_title) > 120:
        problems.append(RowError(line, "job title", "is longer than 120 characters"))
    if problems:
        return None, problems
    return {"line": line, "first_name": first, "last_name": last, "email": email, "role": role,
            "team": team, "profession": profession, "job_title": job_title}, []


# --- plan and apply ----------------------------------------------------------------------------


def _chunks(values: list, size: int = 500):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _users_by_email(emails: list[str]) -> dict[str, User]:
    users: dict[str, User] = {}
    for chunk in _chunks(emails):
        users.update({u.email.lower(): u for u in db.session.scalars(
            select(User).where(func.lower(User.email).in_(chunk)))})
    return users


def plan(org: Organisation, rows: list[dict]) -> list[dict]:
    """What applying ``rows`` would do now: one action per row (create, add, update, leaver, none)."""
    users = _users_by_email([r["email"] for r in rows])
    members = {m.user_id: m for m in db.session.scalars(select(Membership).where(Membership.org_id == org.id))}
    in_team: dict[int, set[str]] = {}
    for m_id, name in db.session.execute(
            select(TeamMember.membership_id, func.lower(Team.name)).join(Team).where(Team.org_id == org.id)):
        in_team.setdefault(m_id, set()).add(name)
    actions = []
    for r in rows:
        user = users.get(r["email"])
        m = members.get(user.id) if user is not None else None
        if user is None:
            action, changes = "create", []
        elif m is None:
            action, changes = "add", []
        elif m.deactivated_at is not None:
            action, changes = "leaver", []
        else:
            changes = []
            if r["job_title"] and r["job_title"] != m.job_title:
                changes.append(f"job title {m.job_title or '(none)'} → {r['job_title']}")
            if r["team"] and r["team"].casefold() not in in_team.get(m.id, set()):
                changes.append(f"add to team {r['team']}")
            action = "update" if changes else "none"
        actions.append({**r, "action": action, "changes": changes})
    return actions


def plan_digest(actions: list[dict]) -> str:
    """A short digest of a plan: the confirming POST names the plan the manager saw."""
    import json

    shown = [(a["line"], a["email"], a["action"], a["changes"]) for a in actions]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:32]


def error_lines(imp: RosterImport) -> dict[int, dict]:
    """The refused rows of an import, by line: what the preview shows of each and its reasons."""
    lines: dict[int, dict] = {}
    for e in imp.errors or []:
        entry = lines.setdefault(e["line"], {"line": e["line"], "name": e.get("name", ""), "email": e.get("email", ""),
                                             "problems": []})
        entry["problems"].append(f"{e['column'].capitalize()} {e['message']}")
    return lines


def preview_rows(actions: list[dict], imp: RosterImport) -> list[dict]:
    """Every row of the file in order: the planned ones with their action, the refused ones with their reasons."""
    refused = [{**entry, "action": "error", "changes": []} for entry in error_lines(imp).values()]
    return sorted(list(actions) + refused, key=lambda row: row["line"])


def summarise(actions: list[dict]) -> dict[str, int]:
    counts = {k: 0 for k in ("create", "add", "update", "none", "leaver")}
    for a in actions:
        counts[a["action"]] += 1
    return counts


def upload(actor: User, org: Organisation, filename: str, data: bytes, *, now: datetime) -> RosterImport:
    """Parse and store a preview. Raises ``RosterFileError`` when the file is refused whole."""
    rows, errors = parse(data)
    imp = RosterImport(org_id=org.id, created_by_id=actor.id, created_at=now, filename=(filename or "")[:255],
                       file_sha256=hashlib.sha256(data).hexdigest(), rows=rows,
                       errors=[e.__dict__ for e in errors], status="preview")
    db.session.add(imp)
    db.session.flush()
    return imp


class RosterNotReady(ValueError):
    pass


def apply(actor: User, imp: RosterImport, *, now: datetime, seen: str | None = None) -> dict:
    """Apply the valid rows of a previewed import in the caller's transaction (rows with errors are skipped).

    ``seen`` is the digest of the plan the manager confirmed; when given and the plan is no longer
    the same (the staff list changed since the preview), nothing is applied. Returns the summary,
    including the ids of people to email (after the commit).
    """
    if imp.status != "preview":
        raise RosterNotReady("This import was already applied or discarded. Upload the file again.")
    if not imp.rows:
        raise RosterNotReady("No row of this file can be imported: fix the rows with errors and upload it again.")
    org = db.session.get(Organisation, imp.org_id)
    actions = plan(org, imp.rows)
    if seen is not None and seen != plan_digest(actions):
        raise RosterNotReady("The staff list changed since this preview was made: check the preview again, "
                             "then confirm. Nothing was imported.")
    teams = {t.name.casefold(): t for t in db.session.scalars(select(Team).where(Team.org_id == org.id))}
    users = _users_by_email([a["email"] for a in actions if a["action"] != "create"])
    members = {m.user_id: m for m in db.session.scalars(select(Membership).where(Membership.org_id == org.id))}
    created, added, team_links = [], [], []
    for a in actions:
        if a["action"] in ("none", "leaver"):
            continue
        if a["action"] == "create":
            user = User(email=a["email"], password_hash=None, first_name=a["first_name"], last_name=a["last_name"],
                        profession=a["profession"], created_at=now)
            db.session.add(user)
            created.append(user)
        else:
            user = users[a["email"]]
        if a["action"] in ("create", "add"):
            m = Membership(org_id=org.id, user=user, role=a["role"], job_title=a["job_title"], created_at=now)
            db.session.add(m)
            if a["action"] == "add":
                added.append(user)
        else:
            m = members[user.id]
            if a["job_title"]:
                m.job_title = a["job_title"]
        if a["team"]:
            team = teams.get(a["team"].casefold())
            if team is None:
                team = teams[a["team"].casefold()] = Team(org_id=org.id, name=a["team"], created_at=now)
                db.session.add(team)
            team_links.append((team, m))
    db.session.flush()
    existing = set(db.session.execute(select(TeamMember.team_id, TeamMember.membership_id).join(Team).where(
        Team.org_id == org.id)).all())
    for team, m in team_links:
        if (team.id, m.id) not in existing:
            existing.add((team.id, m.id))
            db.session.add(TeamMember(team_id=team.id, membership_id=m.id))
    db.session.flush()
    counts = summarise(actions)
    counts["skipped"] = len(error_lines(imp))
    imp.status, imp.applied_at = "applied", now
    imp.summary = {**counts, "created_user_ids": [u.id for u in created], "added_user_ids": [u.id for u in added]}
    caching.bump_training([org.id])
    record(actor, "roster.import", imp, now=now, org_id=org.id, after=counts)
    return imp.summary


def row_from_form(raw: dict) -> tuple[dict | None, list[RowError]]:
    """Validate one person entered by hand, with the CSV rules."""
    return _row(0, {k: (v or "").strip() for k, v in raw.items()}, {})


def single(actor: User, org: Organisation, row: dict, *, now: datetime) -> RosterImport:
    """A one-row import, so a person added by hand follows exactly the same path (and audit) as a file."""
    imp = RosterImport(org_id=org.id, created_by_id=actor.id, created_at=now, filename="(added by hand)",
                       file_sha256=hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest(), rows=[row],
                       errors=[], status="preview")
    db.session.add(imp)
    db.session.flush()
    return imp
