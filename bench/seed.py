"""``python -m bench.seed``: a large, believable dataset for benchmarks and for trying Continuum at size.

    python -m bench.seed --database-url URL --preset large   # or --users N --courses N --enrolments N

The database must be migrated first (``flask db upgrade``; ``python -m bench.prepare`` does both).

Rows are generated deterministically (one seeded ``random.Random``) in blocks and written with
bulk inserts: PostgreSQL's ``COPY`` through psycopg, SQLite's ``executemany`` through SQLAlchemy
Core, in chunks. Primary keys are assigned here (after the current maximum), so child rows need no
round trip; PostgreSQL's sequences are moved past them at the end. One password hash is computed
and shared by every account. The ledger gets claims (and a few corrections) that match the
enrolments' completions, as inserts: it refuses updates and deletes, never inserts.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Callable, Iterable

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from lms.extensions import db

SCALE_PASSWORD = "continuum-scale-2026"
CHUNK = 10_000

PRESETS = {
    "tiny": dict(users=300, courses=30, enrolments=3_000),
    "small": dict(users=5_000, courses=200, enrolments=50_000),
    "medium": dict(users=20_000, courses=500, enrolments=200_000),
    "large": dict(users=100_000, courses=2_000, enrolments=1_000_000),
}

FIRST = ("Olivia Liam Emma Noah Ava Elijah Sophia James Isabella Lucas Mia Mateo Amelia Ethan Harper Aiden Priya "
         "Omar Grace Daniel Nora Samir Chloe Wei Fatima Diego Hannah Kofi Aisha Mei Tomas Leila Ravi Ingrid Jamal "
         "Sofia Hiro Zara Malik Elena").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
        "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
        "Robinson Walker Young Allen King Wright Scott Nguyen Patel Okafor Haddad Lindqvist Kim Reyes Raman").split()
PROFESSIONS = (("nurse", 34), ("physician_md", 15), ("physician_do", 5), ("nurse_practitioner", 8),
               ("pharmacist", 7), ("pharmacy_technician", 3), ("physician_assistant", 5), ("other", 23))
CREDENTIALS = {"nurse": "RN", "physician_md": "MD", "physician_do": "DO", "nurse_practitioner": "MSN, FNP-C",
               "pharmacist": "PharmD", "pharmacy_technician": "CPhT", "physician_assistant": "PA-C", "other": ""}
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix")
STATES = ("NY", "CA", "TX", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "WA", "MA")
TOPICS = ("pain management/opioids", "controlled substances", "implicit bias", "health equity", "hipaa", "privacy",
          "diabetes", "cardiometabolic", "infection control", "patient safety", "ethics", "sepsis",
          "antimicrobial stewardship", "geriatrics", "mental health", "end-of-life care", "oncology", "asthma",
          "hypertension", "osha", "medical errors", "human trafficking", "child abuse", "stroke")
SPECIALTIES = ("family medicine", "internal medicine", "emergency medicine", "pediatrics", "cardiology",
               "endocrinology", "oncology", "psychiatry", "nursing", "pharmacy", "practice staff", "all specialties")
SUBJECTS = ("safer prescribing", "recognising deterioration early", "what changed in the guideline",
            "team communication", "shared decision-making", "case-based review", "essentials for the whole team",
            "updates for primary care", "reducing readmissions", "annual refresher")
FORMATS = (("enduring", 45), ("internet", 40), ("rss", 10), ("live", 5))
# Designations offered, by the professions a course targets.
DESIGNATION_SETS = (
    (("ama_pra_1", "ancc"), 30), (("ama_pra_1", "ancc", "acpe", "aapa_1"), 15), (("ama_pra_1", "abim_moc"), 10),
    (("ancc",), 12), (("acpe",), 6), (("participation",), 12), (("ipce", "ama_pra_1", "ancc"), 15),
)
STATEMENT = ("{name} is accredited by the Accreditation Council for Continuing Medical Education (ACCME) to provide "
             "continuing medical education for physicians.")
EVALUATION = (("likert", "The activity met its stated learning objectives.", True),
              ("likert", "The content was relevant to my practice.", True),
              ("likert", "The content was fair, balanced and free of commercial bias.", True),
              ("text", "What one specific change will you make in your practice?", False))
LESSONS_PER_COURSE = 3
# A text lesson (opened in bench.web's mixed run), a quiz (answered there) and a video (heartbeats there).
LESSON_KIND = ("text", "quiz", "video")


class AlreadySeeded(RuntimeError):
    """The database already holds a scale dataset with this tag."""


@dataclass(frozen=True)
class Sizes:
    users: int
    courses: int
    enrolments: int

    @property
    def providers(self) -> int:
        return max(2, self.courses // 100)

    @property
    def workplaces(self) -> int:
        return max(3, self.users // 200)


@dataclass(frozen=True)
class SeedResult:
    tag: str
    counts: dict
    seconds: float
    learner_email: str
    manager_email: str
    educator_email: str


def email_for(tag: str, n: int) -> str:
    """Accounts are ``user<n>@<tag>.continuum.test``: user1 manages the largest workplace,
    user2 is an educator of the first provider, user3 onwards are clinicians and staff."""
    return f"user{n}@{tag}.continuum.test"


class Writer:
    """Bulk inserts: COPY on PostgreSQL, chunked executemany elsewhere."""

    def __init__(self, conn: Connection, progress: Callable[[str], None]):
        self.conn = conn
        self.progress = progress
        self.postgres = conn.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}

    def table(self, name: str) -> Table:
        return db.metadata.tables[name]

    def next_id(self, name: str) -> int:
        table = self.table(name)
        return (self.conn.scalar(select(func.max(table.c.id))) or 0) + 1

    def insert(self, name: str, rows: Iterable[dict]) -> None:
        rows = list(rows)
        if not rows:
            return
        table = self.table(name)
        if self.postgres:
            columns = list(rows[0])
            json_cols = {c for c in columns if table.c[c].type.__class__.__name__ == "JSON"}
            raw = self.conn.connection.driver_connection
            with raw.cursor() as cursor:
                names = ", ".join(f'"{c}"' for c in columns)
                with cursor.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row([json.dumps(row[c]) if c in json_cols else row[c] for c in columns])
        else:
            for start in range(0, len(rows), CHUNK):
                self.conn.execute(table.insert(), rows[start:start + CHUNK])
        self.counts[name] = self.counts.get(name, 0) + len(rows)

    def finish(self) -> None:
        if self.postgres:
            for name in self.counts:
                if "id" in self.table(name).c and self.table(name).c.id.primary_key:
                    self.conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM \"{name}\"))"))
            self.conn.execute(text("ANALYZE"))
        else:
            self.conn.execute(text("ANALYZE"))


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


def already_seeded(conn: Connection, tag: str) -> bool:
    org = db.metadata.tables["organisation"]
    return conn.scalar(select(org.c.id).where(org.c.slug == f"{tag}-provider-1")) is not None


def seed_scale(conn: Connection, sizes: Sizes, *, seed: int = 2026, tag: str = "scale", now: datetime | None = None,
               password_hash: str, progress: Callable[[str], None] = lambda _m: None) -> SeedResult:
    """Fill the database with ``sizes`` of users, courses and enrolments (plus the organisations,
    meetings, progress and credit claims that go with them). Refuses a tag already seeded."""
    if already_seeded(conn, tag):
        raise AlreadySeeded(f"a scale dataset tagged {tag!r} is already in this database")
    started = time.perf_counter()
    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    w = Writer(conn, progress)
    credit_types = {code: (profs or []) for code, profs in conn.execute(
        select(db.metadata.tables["credit_type"].c.code, db.metadata.tables["credit_type"].c.professions))}
    if isinstance(next(iter(credit_types.values()), []), str):
        credit_types = {k: json.loads(v) for k, v in credit_types.items()}

    def step(label: str, t0: float) -> None:
        progress(f"  {label} ({time.perf_counter() - t0:.1f} s)")

    t0 = time.perf_counter()
    users = _users(w, rng, sizes, tag, now, password_hash)
    step(f"{len(users):,} users", t0)
    t0 = time.perf_counter()
    orgs = _organisations(w, rng, sizes, tag, now, users)
    step(f"{sizes.providers} providers, {sizes.workplaces} workplaces, memberships and teams", t0)
    t0 = time.perf_counter()
    courses = _courses(w, rng, sizes, now, orgs, credit_types)
    step(f"{len(courses):,} published courses with versions, tags, designations, lessons, evaluations", t0)
    t0 = time.perf_counter()
    _enrolments(w, rng, sizes, now, users, courses, orgs, credit_types)
    step(f"{w.counts.get('enrolment', 0):,} enrolments, {w.counts.get('lesson_progress', 0):,} lesson progress rows, "
         f"{w.counts.get('credit_entry', 0):,} ledger entries", t0)
    t0 = time.perf_counter()
    if "certificate" in db.metadata.tables:
        _certificates(w, rng, now, orgs, users)
        step(f"{w.counts.get('certificate', 0):,} certificates (a specimen PDF stands for every seeded one)", t0)
    t0 = time.perf_counter()
    _meetings(w, rng, now, orgs)
    step(f"{w.counts.get('meeting', 0):,} meetings, {w.counts.get('attendance_interval', 0):,} attendance intervals", t0)
    if "training_assignment" in db.metadata.tables:
        t0 = time.perf_counter()
        _training(w, rng, now, orgs, courses)
        step(f"{w.counts.get('training_assignment', 0):,} training assignments, "
             f"{w.counts.get('minutes_acknowledgement', 0):,} minutes acknowledgements", t0)
    t0 = time.perf_counter()
    w.finish()
    step("sequences and statistics", t0)
    return SeedResult(tag, dict(w.counts), time.perf_counter() - started, email_for(tag, 3), email_for(tag, 1),
                      email_for(tag, 2))


# --- the generators ------------------------------------------------------------------------------


def _users(w: Writer, rng, sizes: Sizes, tag, now, password_hash) -> list[tuple[int, str]]:
    """(id, profession) of every new account, in order: index 0 is user1."""
    first_id = w.next_id("user")
    made, rows = [], []
    for n in range(1, sizes.users + 1):
        profession = "other" if n <= 2 else _weighted(rng, PROFESSIONS)
        if n == 3:
            profession = "physician_md"
        uid = first_id + n - 1
        physician = profession in ("physician_md", "physician_do")
        created = now - timedelta(days=rng.randint(30, 2000))
        rows.append(dict(
            id=uid, email=email_for(tag, n), password_hash=password_hash, email_verified_at=created,
            first_name=rng.choice(FIRST), last_name=rng.choice(LAST), credentials=CREDENTIALS[profession],
            profession=profession, npi=None, nabp_eprofile_id=str(rng.randint(1_000_000, 9_999_999))
            if profession == "pharmacist" else None,
            birth_month=rng.randint(1, 12) if physician or profession == "pharmacist" else None,
            birth_day=rng.randint(1, 28) if physician or profession == "pharmacist" else None,
            timezone=rng.choice(ZONES), consent_to_report=rng.random() < 0.8, consent_updated_at=created,
            is_admin=False, disabled_at=None, anonymised_at=None, session_nonce="%032x" % rng.getrandbits(128),
            created_at=created))
        made.append((uid, profession))
        if len(rows) >= 50_000:
            w.insert("user", rows)
            rows = []
    w.insert("user", rows)
    licence_id = w.next_id("licence")
    licences = []
    for uid, profession in made:
        if profession != "other" and rng.random() < 0.7:
            licences.append(dict(id=licence_id, user_id=uid, state=rng.choice(STATES),
                                 number=str(rng.randint(100000, 999999)),
                                 expires_on=(now + timedelta(days=rng.randint(30, 900))).date()))
            licence_id += 1
    w.insert("licence", licences)
    return made


@dataclass
class Orgs:
    providers: list[tuple[int, str, list[int]]]  # id, name, educator ids
    workplaces: list[tuple[int, str, int, list[int]]]  # id, name, manager id, member ids
    membership_of: dict[int, int]  # user id -> workplace org id


def _organisations(w: Writer, rng, sizes: Sizes, tag, now, users) -> Orgs:
    org_id = w.next_id("organisation")
    member_id = w.next_id("membership")
    team_id = w.next_id("team")
    org_rows, member_rows, team_rows, team_members = [], [], [], []
    providers = []
    ids = [uid for uid, _ in users]
    for p in range(1, sizes.providers + 1):
        name = f"{rng.choice(('Northbridge', 'Lakeside', 'Summit', 'Harbor', 'Meridian', 'Keystone'))} " \
               f"{rng.choice(('CME Institute', 'Medical Education', 'Academy of Medicine', 'Health Learning'))} {p}"
        org_rows.append(dict(id=org_id, name=name, slug=f"{tag}-provider-{p}", kind="provider",
                             timezone="America/New_York", is_accredited_provider=True, created_at=now))
        educators = [ids[1]] if p == 1 else []
        educators += rng.sample(ids[2:], 2)
        for uid in educators:
            member_rows.append(dict(id=member_id, org_id=org_id, user_id=uid, role="educator", job_title="Educator",
                                    deactivated_at=None, created_at=now))
            member_id += 1
        providers.append((org_id, name, educators))
        org_id += 1
    # Workplaces: one hospital system holds a tenth of everyone; the rest are practices and departments.
    pool = ids[2:]
    rng.shuffle(pool)
    big = max(1, len(ids) // 10)
    groups = [[ids[0]] + pool[:big]]
    rest = pool[big:]
    per = max(1, len(rest) // max(1, sizes.workplaces - 1))
    for start in range(0, len(rest), per):
        groups.append(rest[start:start + per])
    workplaces, membership_of = [], {}
    for n, members in enumerate(groups, 1):
        if n == 1:
            name, kind = "Mercy Regional Health System", "department"
        else:
            name = f"{rng.choice(('Riverside', 'Oakwood', 'Maple', 'Cedar', 'Bayview', 'Hillcrest'))} " \
                   f"{rng.choice(('Family Practice', 'Internal Medicine', 'Pediatrics', 'Urgent Care', 'Clinic'))} {n}"
            kind = "practice"
        org_rows.append(dict(id=org_id, name=name, slug=f"{tag}-workplace-{n}", kind=kind,
                             timezone=rng.choice(ZONES), is_accredited_provider=False, created_at=now))
        teams = []
        for team in ("Clinical staff", "Front office", "Pharmacy"):
            team_rows.append(dict(id=team_id, org_id=org_id, name=team, created_at=now))
            teams.append(team_id)
            team_id += 1
        manager = members[0]
        for k, uid in enumerate(members):
            member_rows.append(dict(id=member_id, org_id=org_id, user_id=uid, role="manager" if k == 0 else "member",
                                    job_title="Practice manager" if k == 0 else "Clinician",
                                    deactivated_at=now - timedelta(days=10) if k and uid != ids[2] and rng.random() < 0.03 else None,
                                    created_at=now - timedelta(days=rng.randint(1, 900))))
            team_members.append(dict(team_id=teams[k % 3], membership_id=member_id))
            membership_of[uid] = org_id
            member_id += 1
        workplaces.append((org_id, name, manager, members))
        org_id += 1
    w.insert("organisation", org_rows)
    w.insert("membership", member_rows)
    w.insert("team", team_rows)
    w.insert("team_member", team_members)
    return Orgs(providers, workplaces, membership_of)


@dataclass(frozen=True)
class SeededCourse:
    id: int
    version_id: int
    lesson_ids: tuple[int, ...]
    title: str
    format: str
    provider_id: int
    provider_name: str
    designations: tuple[tuple[str, Decimal], ...]
    topics: tuple[str, ...]


def _courses(w: Writer, rng, sizes: Sizes, now, orgs: Orgs, credit_types) -> list[SeededCourse]:
    ids = {name: w.next_id(name) for name in ("course", "course_version", "course_tag", "credit_designation",
                                             "course_person", "course_module", "lesson", "quiz", "quiz_question",
                                             "quiz_option", "evaluation_item")}
    rows: dict[str, list[dict]] = {name: [] for name in ids}

    def add(table_, **values):
        values["id"] = ids[table_]
        ids[table_] += 1
        rows[table_].append(values)
        return values["id"]

    made = []
    for n in range(sizes.courses):
        org_id, provider, educators = orgs.providers[n % len(orgs.providers)]
        topics = tuple(rng.sample(TOPICS, rng.randint(1, 2)))
        specialties = tuple(rng.sample(SPECIALTIES, rng.randint(1, 2)))
        codes = _weighted(rng, DESIGNATION_SETS)
        professions = sorted({p for c in codes for p in credit_types.get(c, [])}) if rng.random() < 0.6 else []
        fmt = _weighted(rng, FORMATS)
        title = f"{topics[0].split('/')[0].capitalize()}: {rng.choice(SUBJECTS)} ({n + 1})"
        hours = Decimal(rng.choice(("0.5", "0.75", "1", "1.25", "1.5", "2", "3")))
        summary = f"A {fmt} activity on {', '.join(topics)} for {', '.join(specialties)}."
        objectives = f"Apply current evidence on {topics[0]}\nIdentify patients at risk\nPlan follow-up with the team"
        released = now - timedelta(days=rng.randint(10, 700))
        expired = rng.random() < 0.04
        expires = (now - timedelta(days=rng.randint(1, 90))) if expired else released + timedelta(days=3 * 365 - 1)
        course_id = add("course", org_id=org_id, current_version_id=None, draft_version_id=None,
                        created_by_id=educators[0], created_at=released, archived_at=None)
        version_id = add("course_version", course_id=course_id, number=1, state="published", title=title,
                         summary=summary, description=summary + " Case-based, with a short self-assessment.",
                         objectives=objectives, format=fmt, estimated_minutes=int(hours * 60),
                         release_on=released.date(), expires_on=expires.date(),
                         review_on=(released + timedelta(days=900)).date(),
                         accreditation_statement=STATEMENT.format(name=provider),
                         acpe_uan=f"0000-0000-26-{n % 1000:03d}-H01-P" if "acpe" in codes else None,
                         require_all_lessons=True, video_threshold_pct=90, require_quiz_pass=False,
                         require_evaluation=True, max_credit=hours,
                         search_text=" ".join((title, summary, objectives)).lower(),
                         created_at=released, submitted_at=released, published_at=released + timedelta(hours=n % 24))
        for kind, values in (("topic", topics), ("specialty", specialties), ("profession", professions)):
            for value in values:
                add("course_tag", version_id=version_id, kind=kind, value=value)
        for code in codes:
            add("credit_designation", version_id=version_id, credit_type_code=code, max_amount=hours)
        add("course_person", version_id=version_id, name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            credentials="MD", role="faculty", attested_none=True, disclosed_on=released.date())
        add("course_person", version_id=version_id, name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            credentials="RN, MSN", role="planner", attested_none=True, disclosed_on=released.date())
        module_id = add("course_module", version_id=version_id, title="Core content", position=0)
        lessons = tuple(add("lesson", module_id=module_id, version_id=version_id, title=f"Part {k + 1}",
                            kind=LESSON_KIND[k], position=k, body=f"Key points on **{topics[0]}**, part {k + 1}.",
                            embed_url=None)
                        for k in range(LESSONS_PER_COURSE))
        # The self-assessment: three single-answer questions (bench.web's mixed run answers them).
        quiz_id = add("quiz", lesson_id=lessons[LESSON_KIND.index("quiz")], pass_mark_pct=70, max_attempts=100,
                      shuffle=False)
        for q in range(3):
            question_id = add("quiz_question", quiz_id=quiz_id, position=q, kind="single",
                              text=f"Which step comes {('first', 'next', 'last')[q]} in {topics[0]}?", rationale="")
            for o in range(4):
                add("quiz_option", question_id=question_id, position=o, text=f"Option {'ABCD'[o]}", is_correct=o == q)
        for k, (kind, text_, required) in enumerate(EVALUATION):
            add("evaluation_item", version_id=version_id, position=k, kind=kind, text=text_, required=required)
        made.append(SeededCourse(course_id, version_id, lessons, title, fmt, org_id, provider,
                                 tuple((c, hours) for c in codes), topics))
    for name in ids:
        w.insert(name, rows[name])
    course, version = w.table("course"), w.table("course_version")
    first, last = made[0].id, made[-1].id
    w.conn.execute(course.update().where(course.c.id.between(first, last)).values(
        current_version_id=select(version.c.id).where(version.c.course_id == course.c.id).scalar_subquery()))
    return made


def _enrolments(w: Writer, rng, sizes: Sizes, now, users, courses: list[SeededCourse], orgs: Orgs, credit_types):
    ids = {name: w.next_id(name) for name in ("enrolment", "lesson_progress", "credit_entry", "evaluation_answer",
                                              "course_completion")}
    # A few courses are far more popular than the rest (mandatory training, hot topics).
    weights = [1.0 / (k + 5) for k in range(len(courses))]
    managers = {org_id: manager for org_id, _, manager, _ in orgs.workplaces}
    block: dict[str, list[dict]] = {name: [] for name in ids}
    eval_items = None

    def flush():
        for name in ("enrolment", "course_completion", "lesson_progress", "evaluation_answer", "credit_entry"):
            w.insert(name, block[name])
            block[name] = []

    counts = _enrolment_counts(rng, sizes.enrolments, len(users), len(courses))
    for index, (uid, profession) in enumerate(users):
        k = counts[index]
        chosen = set()
        while len(chosen) < k:
            chosen.update(rng.choices(range(len(courses)), weights, k=k - len(chosen)))
        for c in sorted(chosen):
            course = courses[c]
            enrolled = now - timedelta(days=rng.randint(1, 600), minutes=rng.randint(0, 1440))
            state = rng.random()
            done_lessons = LESSONS_PER_COURSE if state < 0.45 else (rng.randint(0, 2) if state < 0.85 else 0)
            completed = enrolled + timedelta(days=rng.randint(0, 20), hours=1) if state < 0.45 else None
            completed = min(completed, now) if completed else None
            assigned = rng.random() < 0.1
            eid = ids["enrolment"]
            ids["enrolment"] += 1
            block["enrolment"].append(dict(
                id=eid, user_id=uid, course_id=course.id, version_id=course.version_id, enrolled_at=enrolled,
                disclosures_seen_at=enrolled, last_lesson_id=course.lesson_ids[max(0, done_lessons - 1)],
                last_activity_at=completed or enrolled + timedelta(minutes=30 * done_lessons),
                seconds_spent=done_lessons * rng.randint(300, 1500),
                evaluation_submitted_at=completed, completed_at=completed,
                due_on=(enrolled + timedelta(days=30)).date() if assigned else None,
                assigned_by_id=managers.get(orgs.membership_of.get(uid)) if assigned else None))
            for pos in range(done_lessons):
                seen = enrolled + timedelta(minutes=20 * pos)
                block["lesson_progress"].append(dict(
                    id=ids["lesson_progress"], enrolment_id=eid, lesson_id=course.lesson_ids[pos],
                    first_viewed_at=seen, position_seconds=0, furthest_seconds=0, duration_seconds=None,
                    completed_at=seen + timedelta(minutes=10)))
                ids["lesson_progress"] += 1
            if completed is None:
                continue
            block["course_completion"].append(dict(
                id=ids["course_completion"], enrolment_id=eid, user_id=uid, course_id=course.id,
                version_id=course.version_id, round=1, completed_at=completed, evaluation_submitted_at=completed,
                seconds_spent=block["enrolment"][-1]["seconds_spent"], score_pct=None))
            ids["course_completion"] += 1
            if eval_items is None:
                eval_items = _first_eval_items(w, courses)
            for item_id, kind in eval_items.get(course.version_id, ()):
                block["evaluation_answer"].append(dict(
                    id=ids["evaluation_answer"], enrolment_id=eid, item_id=item_id,
                    rating=rng.randint(3, 5) if kind == "likert" else None,
                    comment="" if kind == "likert" else "Will use the checklist.", submitted_at=completed))
                ids["evaluation_answer"] += 1
            _claims(block["credit_entry"], ids, rng, uid, profession, course, completed, credit_types)
        if len(block["enrolment"]) >= 50_000:
            flush()
    flush()


def _enrolment_counts(rng, total: int, users: int, courses: int) -> list[int]:
    """How many courses each user is enrolled in: about the average, adding up to ``total`` exactly
    (as far as ``users * courses`` allows). The benchmark's learner (user3) has twice the average."""
    total = min(total, users * courses)
    avg = total / max(1, users)
    counts = [min(courses, max(0, round(rng.gauss(avg, avg / 3)))) for _ in range(users)]
    if users > 2:
        counts[2] = min(courses, total, max(counts[2], round(avg * 2)))
    diff = total - sum(counts)
    order = list(range(users))
    while diff:
        rng.shuffle(order)
        step = 1 if diff > 0 else -1
        for i in order:
            if diff and 0 <= counts[i] + step <= courses and not (i == 2 and step < 0 and users > 2):
                counts[i] += step
                diff -= step
    return counts


def _first_eval_items(w: Writer, courses: list[SeededCourse]) -> dict[int, list[tuple[int, str]]]:
    item = w.table("evaluation_item")
    versions = [c.version_id for c in courses]
    out: dict[int, list[tuple[int, str]]] = {}
    for vid, iid, kind in w.conn.execute(select(item.c.version_id, item.c.id, item.c.kind).where(
            item.c.version_id.between(min(versions), max(versions))).order_by(item.c.id)):
        out.setdefault(vid, []).append((iid, kind))
    return out


def _claims(rows: list[dict], ids: dict, rng, uid, profession, course: SeededCourse, completed: datetime,
            credit_types) -> None:
    eligible = [(c, amt) for c, amt in course.designations
                if c != "participation" and (not credit_types.get(c) or profession in credit_types[c])]
    if not eligible:
        eligible = [("participation", course.designations[0][1])]
    for code, amount in eligible:
        if rng.random() < 0.1:  # some learners never claim
            continue
        claimed = min(completed + timedelta(minutes=5), datetime.now(timezone.utc))
        claim = dict(id=ids["credit_entry"], kind="claim", claim_id=None, learner_id=uid, activity_kind="course",
                     activity_id=course.id, activity_version=1, activity_title=course.title,
                     activity_format=course.format, activity_date=completed.date(), provider_org_id=course.provider_id,
                     provider_name=course.provider_name, topics=list(course.topics), credit_type_code=code,
                     amount=amount, description="", attested=True, self_reported=False, actor_id=uid, reason="",
                     created_at=claimed)
        rows.append(claim)
        ids["credit_entry"] += 1
        if rng.random() < 0.01 and amount > Decimal("0.25"):  # a correction: claimed less than the maximum
            rows.append(dict(claim, id=ids["credit_entry"], kind="correction", claim_id=claim["id"],
                             amount=Decimal("-0.25"), reason="Learner corrected the time spent.",
                             created_at=claimed + timedelta(days=1)))
            ids["credit_entry"] += 1


def specimen_pdf() -> bytes:
    """A one-page PDF that says it is a seeded specimen: every seeded certificate's stored file.
    (Rendering 100,000 real certificates would take hours; real issues render their own.)"""
    text_ = "Specimen certificate written by bench/seed.py. Not issued to anyone."
    stream = f"BT /F1 14 Tf 60 500 Td ({text_}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 792 612] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _certificates(w: Writer, rng, now, orgs: Orgs, users) -> None:
    """A credit certificate for a third of the seeded claims (one per learner and course)."""
    from lms.certificates import codes, storage

    sha, size = storage.store(specimen_pdf())
    entry, user = w.table("credit_entry"), w.table("user")
    first_user = users[0][0]
    cert_id = w.next_id("certificate")
    rows = []
    query = (select(entry.c.learner_id, entry.c.activity_id, entry.c.activity_title, entry.c.activity_date,
                    entry.c.provider_org_id, entry.c.provider_name, entry.c.credit_type_code, entry.c.amount,
                    user.c.first_name, user.c.last_name, user.c.credentials)
             .join(user, user.c.id == entry.c.learner_id)
             .where(entry.c.kind == "claim", entry.c.learner_id >= first_user)
             .order_by(entry.c.learner_id, entry.c.activity_id, entry.c.id))
    names = {code: (name, unit) for code, name, unit in w.conn.execute(select(
        w.table("credit_type").c.code, w.table("credit_type").c.name, w.table("credit_type").c.unit))}
    last = None
    for row in w.conn.execute(query):
        key = (row.learner_id, row.activity_id)
        if key == last:
            continue
        last = key
        if row.learner_id != first_user + 2 and rng.random() >= 0.33:
            continue
        code = _code(rng, codes)
        full = f"{row.first_name} {row.last_name}"
        name, unit = names[row.credit_type_code]
        issued = datetime.combine(row.activity_date, datetime.min.time(), timezone.utc) + timedelta(hours=12)
        snapshot = {
            "kind": "credit", "title": "Certificate of Completion",
            "learner": {"name": full, "credentials": row.credentials,
                        "display_name": f"{full}, {row.credentials}" if row.credentials else full},
            "activity": {"title": row.activity_title, "format": "enduring material",
                         "dates": f"Completed {row.activity_date:%d %B %Y}", "date": row.activity_date.isoformat(),
                         "timezone": "UTC", "uan": ""},
            "provider": {"name": row.provider_name, "accreditation_statement": ""},
            "credits": [{"code": row.credit_type_code, "name": name, "amount": f"{row.amount.normalize():f}",
                         "unit": unit, "statement": ""}],
            "attendance": None, "code": code, "verify_url": f"/verify/{code}", "issued_on": f"{issued:%d %B %Y}",
            "version": 1, "page_size": "Letter", "signatory": {"name": "", "title": ""}, "specimen": True}
        rows.append(dict(id=cert_id, learner_id=row.learner_id, kind="credit", activity_kind="course",
                         activity_id=row.activity_id, provider_org_id=row.provider_org_id, version=1,
                         status="valid", supersedes_id=None, template_version_id=None,
                         template_ref="seed:specimen", snapshot=snapshot, sha256=sha, size=size,
                         code_hash=codes.code_hash(code), code=code, issued_at=issued, superseded_at=None,
                         revoked_at=None, revoked_reason=""))
        cert_id += 1
        if len(rows) >= 20_000:
            w.insert("certificate", rows)
            rows = []
    w.insert("certificate", rows)


def _code(rng, codes) -> str:
    """A verification code in the certificates' own format, from the seeded generator."""
    value = rng.getrandbits(codes.BITS)
    data = "".join(codes.ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(codes.LENGTH)))
    return codes.group(data + codes.check_symbol(data))


def _training(w: Writer, rng, now, orgs: Orgs, courses: list[SeededCourse]) -> None:
    """Each workplace assigns its staff the two most popular courses (everyone; the clinical team,
    yearly) and the minutes of its last staff training, which about half have acknowledged."""
    meeting = w.table("meeting")
    org_ids = [org_id for org_id, *_ in orgs.workplaces]
    last_training = dict(w.conn.execute(
        select(meeting.c.org_id, func.max(meeting.c.id)).where(
            meeting.c.org_id.between(min(org_ids), max(org_ids)), meeting.c.category == "training",
            meeting.c.ended_at.is_not(None)).group_by(meeting.c.org_id)).all())
    team = w.table("team")
    clinical = dict(w.conn.execute(select(team.c.org_id, team.c.id).where(
        team.c.org_id.between(min(org_ids), max(org_ids)), team.c.name == "Clinical staff")).all())
    assignment_id = w.next_id("training_assignment")
    rows, acks = [], []

    def assign(org_id, manager, **values):
        nonlocal assignment_id
        rows.append(dict(dict(id=assignment_id, org_id=org_id, item_kind="course", course_id=None, meeting_id=None,
                              target_kind="org", target_user_id=None, target_team_id=None, target_job_title=None,
                              due_on=(now + timedelta(days=rng.randint(-30, 60))).date(), recurrence_months=None,
                              recurrence_basis="completion", grace_days=0, is_mandatory=True,
                              created_by_id=manager, created_at=now - timedelta(days=rng.randint(60, 400)),
                              removed_at=None), **values))
        assignment_id += 1

    for org_id, _name, manager, members in orgs.workplaces:
        assign(org_id, manager, course_id=courses[0].id, recurrence_months=12)
        assign(org_id, manager, course_id=courses[1 % len(courses)].id, target_kind="team",
               target_team_id=clinical.get(org_id), grace_days=14)
        meeting_id = last_training.get(org_id)
        if meeting_id:
            assign(org_id, manager, item_kind="minutes", meeting_id=meeting_id, is_mandatory=False)
            for uid in members:
                if rng.random() < 0.5:
                    acks.append(dict(meeting_id=meeting_id, user_id=uid,
                                     acknowledged_at=now - timedelta(days=rng.randint(1, 10))))
    w.insert("training_assignment", rows)
    w.insert("minutes_acknowledgement", acks)


def _meetings(w: Writer, rng, now, orgs: Orgs) -> None:
    ids = {name: w.next_id(name) for name in ("meeting", "attendance_interval", "action_item")}
    rows: dict[str, list[dict]] = {name: [] for name in ids}
    for org_id, name, manager, members in orgs.workplaces:
        for k in range(6):
            starts = (now + timedelta(days=14 * (k - 3), hours=rng.randint(0, 8))).replace(minute=0, second=0,
                                                                                          microsecond=0)
            ends = starts + timedelta(hours=1)
            category = ("administrative", "training")[k % 2]
            mid = ids["meeting"]
            ids["meeting"] += 1
            room = "%032x" % rng.getrandbits(128)
            rows["meeting"].append(dict(
                id=mid, org_id=org_id, host_id=manager, title=f"{'Staff meeting' if k % 2 == 0 else 'Safety huddle'}"
                f" {starts:%d %b}", agenda="1. Updates\n2. Training due this month\n3. Any other business",
                category=category, starts_at=starts, ends_at=ends, timezone="America/New_York", recurrence="none",
                recurrence_count=1, series_ends_at=ends, room_name=room, ical_uid=f"{room}@continuum",
                ical_sequence=0, open_to_org=True, recording_enabled=False, lobby_enabled=True, passcode=None,
                ack_counts_as_attendance=category == "training", minutes="Discussed the rota." if ends < now else "",
                minutes_updated_at=ends if ends < now else None, minutes_updated_by_id=manager if ends < now else None,
                is_accredited=False, accredited_start_at=None, accredited_end_at=None, min_credit_minutes=15,
                accreditation_statement="", acpe_uan=None, topics="", ended_at=ends if ends < now else None,
                cancelled_at=None, created_at=starts - timedelta(days=7), updated_at=starts - timedelta(days=7)))
            for a in range(3):
                rows["action_item"].append(dict(id=ids["action_item"], meeting_id=mid, text=f"Follow-up {a + 1}",
                                                owner_id=manager if a == 0 else rng.choice(members), due_on=(ends + timedelta(days=7)).date(),
                                                done_at=None, created_at=ends))
                ids["action_item"] += 1
            if ends >= now:
                continue
            for uid in members:
                if rng.random() < 0.7:
                    rows["attendance_interval"].append(dict(
                        id=ids["attendance_interval"], meeting_id=mid, user_id=uid, display_name="",
                        participant_key=f"p{uid}", joined_at=starts + timedelta(minutes=rng.randint(0, 10)),
                        left_at=ends - timedelta(minutes=rng.randint(0, 10)), last_seen_at=None,
                        evidence="observed", source="poll", note="", confirmed_by_id=None, voided_at=None,
                        voided_by_id=None, created_at=ends))
                    ids["attendance_interval"] += 1
    for name in ("meeting", "action_item", "attendance_interval"):
        w.insert(name, rows[name])


# --- the command ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import sys

    parser = argparse.ArgumentParser(description="Fill a migrated database with a large dataset, in bulk, for "
                                     "benchmarks and trials at size. Refuses to run twice with the same --tag.")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="the migrated database (default: DATABASE_URL)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default=None,
                        help="tiny, small, medium or large (100,000 users, 2,000 courses, 1,000,000 enrolments)")
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--courses", type=int, default=None)
    parser.add_argument("--enrolments", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2026, help="random seed (same data each time)")
    parser.add_argument("--tag", default="scale", help="names the accounts user<n>@<tag>.continuum.test")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url (or DATABASE_URL)")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench-seeding-key-" + "x" * 32)

    from lms import create_app
    from lms.auth.passwords import hash_password

    sizes = dict(PRESETS[args.preset or "small"])
    for key in ("users", "courses", "enrolments"):
        if getattr(args, key) is not None:
            sizes[key] = getattr(args, key)
    sizes = Sizes(**sizes)
    app = create_app()
    with app.app_context():
        print(f"Seeding {sizes.users:,} users, {sizes.courses:,} courses, {sizes.enrolments:,} enrolments "
              f"into {db.engine.url.render_as_string(hide_password=True)} ...", flush=True)
        password_hash = hash_password(SCALE_PASSWORD, app.config)
        try:
            with db.engine.begin() as conn:
                result = seed_scale(conn, sizes, seed=args.seed, tag=args.tag, password_hash=password_hash,
                                    progress=lambda line: print(line, flush=True))
        except AlreadySeeded as exc:
            print(f"{exc}; use a fresh database or another --tag.", file=sys.stderr)
            return 1
        if db.engine.dialect.name == "postgresql":
            # A database that has lived has been vacuumed: hint bits and visibility maps set, so reads
            # neither dirty pages nor skip index-only scans as they do on the first pass after a bulk load.
            started = time.perf_counter()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE)"))
            print(f"  VACUUM (ANALYZE) ({time.perf_counter() - started:.1f} s)", flush=True)
    total = sum(result.counts.values())
    print(f"Done: {total:,} rows in {result.seconds:.1f} s.")
    print(f"Logins (password {SCALE_PASSWORD}): learner {result.learner_email}, "
          f"manager {result.manager_email}, educator {result.educator_email}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
