"""Benchmark Continuum's key pages against the framework floor, on SQLite and PostgreSQL.

Set-up (once): ``apt-get install -y wrk`` (Debian's wrk 4.1), then migrate and seed a database::

    python -m bench.prepare --database-url postgresql://postgres@127.0.0.1:5432/bench --preset large

Run (``make bench`` does this for the URLs in BENCH_DATABASE_URLS)::

    python -m bench.web --database-url postgresql://postgres@127.0.0.1:5432/bench \\
                        --database-url sqlite:////abs/path/bench.db

For each database it starts gunicorn (``lms/gunicorn_conf.py``, sync workers) on 127.0.0.1 serving
``bench.floor_app:app`` (the real app plus the floor route), logs in through the real login form
as one learner and the managers, and signs session cookies (with the server's secret, exactly as a
login would) for ``--learners`` distinct seeded learners (1,000 by default: each learner is seen
about once per run, as on a Monday morning, so nothing kept per user is ever warm; ``--learners 8``
is the old warm-cache run). It checks the pages answer 200, then drives each page with wrk for a
fixed time (warm-up first), every request with ``Connection: close``, cycling through the learners.

Then the mixed run (``--no-mixed`` skips it): the learner pages (dashboard, course page, transcript,
meeting page, catalog) driven together read-only, then again while a second wrk sends about 10% of
all requests as the writes learners make: on an unfinished course opening a text lesson (which
records progress) and a minute of video heartbeats, answering a quiz (an attempt opened for each
learner before the run, as the "Start" button does), and on a completed course the credit claim
(which queues a certificate PDF for the RQ worker); shuffled, so that every stretch of a run is
the same mix; then read-only again. The reads' figures are reported on their own, so "mixed reads
within 20% of read-only" (the mean of the read-only runs on either side) can be checked; each try
at pacing the writes sends other learners' writes, so no claim is sent twice; and the CPU each
request cost is shown per process, the RQ worker's included.

Traffic goes to 127.0.0.1 only, and each wrk run stops by itself. It prints req/s, p50 and p95
per page and the ratio of each page's throughput to the floor's, and writes JSON to
``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "wrk_report.lua"
PASSWORD = "continuum-scale-2026"
# Every request of the run (login, checks, wrk) sends this one User-Agent, as one browser would.
# Flask-Login's session protection hashes the User-Agent into the session; a login from one agent
# replayed from another marks the session "not fresh" and re-signs the cookie on every response,
# which a real browser (which keeps the new cookie) would pay once, not on every request.
USER_AGENT = "continuum-bench/1 (wrk)"
# Targets the issue sets (2 cores, PostgreSQL, large preset, 16 connections).
TARGET_RATIO = 0.6
TARGET_P95_MS = 100.0
MIXED_WRITE_SHARE = 0.10  # of all requests in the mixed run
MIXED_READS_WITHIN = 0.20  # mixed reads' throughput within 20% of read-only
WRITE_LATENCY_IN_READS = 2.0  # a first guess at a write's latency, in read latencies (measured 1.5-2.3)
MIXED_ATTEMPTS = 3  # tries at pacing the writes to MIXED_WRITE_SHARE; the last one is reported
MIXED_SHARE_TOLERANCE = 0.015
HEARTBEATS_PER_LEARNER = 6  # a minute of video at the player's one heartbeat per 10 s


@dataclass(frozen=True)
class Target:
    path: str
    cookie: str = ""
    method: str = "GET"
    csrf: str = ""  # sent as X-CSRFToken
    body: str = ""  # JSON


@dataclass
class Page:
    name: str
    targets: list  # of Target, or (path, cookie) pairs
    result: dict = field(default_factory=dict)

    def __post_init__(self):
        self.targets = [t if isinstance(t, Target) else Target(*t) for t in self.targets]


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_by_process(app_group: int, jobs_group: int | None = None) -> dict[str, float]:
    """CPU seconds used so far by the app (gunicorn's process group), the jobs (the RQ worker's
    process group: the worker and the work horses it forks, once they are reaped), the database
    server (``postgres`` processes), Redis, and this process's finished children (wrk), from /proc
    (Linux)."""
    used = {"app": 0.0, "jobs": 0.0, "database": 0.0, "redis": 0.0}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # ended since the listing
        name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        # fields[2] is the process group; [11] and [12] user and system ticks, [13] and [14] those of
        # reaped children (proc(5), from field 3)
        group = int(fields[2])
        role = ("app" if group == app_group else "jobs" if group == jobs_group else "database" if name == "postgres"
                else "redis" if name.startswith("redis-server") else None)
        if role:
            used[role] += (int(fields[11]) + int(fields[12])) / _TICK
            if role == "jobs" and int(entry.name) == jobs_group:
                used[role] += (int(fields[13]) + int(fields[14])) / _TICK
    children = os.times()
    used["wrk"] = children.children_user + children.children_system
    return used


def _cpu_per_request(before: dict, after: dict, requests_made: int) -> dict[str, float]:
    """Where a request's cost went: CPU ms per request in each kind of process (the cores are shared)."""
    return {k: (after[k] - before[k]) * 1000 / max(1, requests_made) for k in after}


def _venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


class Server:
    """gunicorn on 127.0.0.1 with the production config file, stopped on exit."""

    def __init__(self, database_url: str, port: int, workers: int, log: Path, secret: str,
                 redis_url: str | None = None):
        self.base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secret,
                   CONTINUUM_ENV="production", SESSION_COOKIE_SECURE="0", RATELIMIT_ENABLED="0",
                   GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(workers), GUNICORN_WORKER_CLASS="sync",
                   GUNICORN_MAX_REQUESTS="0", GUNICORN_LOG_LEVEL="warning", PYTHONPATH=str(ROOT),
                   CONTINUUM_INSTANCE=str(Path(tempfile.mkdtemp(prefix="continuum-bench-"))))
        env.pop("REDIS_URL", None)
        self.worker = None
        self.log = log.open("w")
        if redis_url:
            # As in production: jobs (a claim's certificate PDF) go to one RQ worker through Redis,
            # and the shared fragments are kept in Redis; a queue of the run's own.
            env.update(REDIS_URL=redis_url, RQ_QUEUE=f"bench-{secrets.token_hex(4)}")
            self.worker = subprocess.Popen(
                [_venv_bin("rq"), "worker", "--worker-class", "lms.job_lease.LeasedWorker", "--url", redis_url,
                 env["RQ_QUEUE"]], env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.proc = subprocess.Popen([_venv_bin("gunicorn"), "-c", str(ROOT / "lms" / "gunicorn_conf.py"),
                                      "--chdir", str(ROOT), "bench.floor_app:app"],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180  # a busy shared machine starts 4 workers slowly
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {log}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within 180 s; see {log}")

    def stop(self) -> None:
        for proc in (self.proc, self.worker):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        self.log.close()


def login(base: str, email: str) -> str:
    """Log in through the real form (CSRF token included) and return the Cookie header value."""
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    page = http.get(base + "/auth/login", timeout=10)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or \
        re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    if not token:
        raise RuntimeError("no CSRF token on the login page")
    response = http.post(base + "/auth/login", data={"csrf_token": token.group(1), "email": email,
                                                     "password": PASSWORD}, allow_redirects=False, timeout=10)
    if response.status_code != 302:
        raise RuntimeError(f"login as {email} failed: HTTP {response.status_code}")
    # Login drops the pre-login CSRF token; the first page with a form puts a new one in the cookie,
    # as it would for a browser, once (not on every measured request).
    http.get(base + "/account/sessions", timeout=10)
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def discover(database_url: str, learners: int) -> dict:
    """Pick the seeded people and objects each page is driven with (read-only, set-based queries)."""
    engine = create_engine(_sqlalchemy_url(database_url))
    with engine.connect() as conn:
        tag = conn.scalar(text("SELECT slug FROM organisation WHERE slug LIKE '%-provider-1' ORDER BY id LIMIT 1"))
        if not tag:
            raise SystemExit(f"{database_url} holds no scale dataset: run `python -m bench.prepare` first")
        tag = tag[: -len("-provider-1")]
        domain = f"@{tag}.continuum.test"
        org_id = conn.scalar(text("SELECT id FROM organisation WHERE slug = :slug"), {"slug": f"{tag}-workplace-1"})
        meeting = conn.scalar(text("SELECT id FROM meeting WHERE org_id = :o AND ended_at IS NOT NULL "
                                   "ORDER BY starts_at DESC LIMIT 1"), {"o": org_id})
        # Learners of the largest workplace (the hospital system) who have completed something, with
        # their first enrolment (the course page) and an unfinished one (the mixed run's writes).
        rows = conn.execute(text(
            "SELECT u.id, u.email, "
            " (SELECT e.course_id FROM enrolment e WHERE e.user_id = u.id ORDER BY e.id LIMIT 1), "
            " (SELECT e.id FROM enrolment e WHERE e.user_id = u.id AND e.completed_at IS NULL "
            "  ORDER BY e.id LIMIT 1) "
            "FROM \"user\" u JOIN membership m ON m.user_id = u.id "
            "WHERE m.org_id = :org AND m.role = 'member' AND m.deactivated_at IS NULL "
            "AND EXISTS (SELECT 1 FROM enrolment e WHERE e.user_id = u.id AND e.completed_at IS NOT NULL) "
            "ORDER BY u.id LIMIT :n"), {"org": org_id, "n": learners}).all()
        open_ids = [r[3] for r in rows if r[3] is not None]
        lessons: dict[int, tuple] = {}
        if open_ids:
            for enrolment_id, course_id, lesson_id, kind in conn.execute(text(
                    "SELECT e.id, e.course_id, l.id, l.kind FROM enrolment e JOIN lesson l ON l.version_id = e.version_id "
                    "WHERE e.id IN (SELECT value FROM json_each(:ids)) ORDER BY e.id, l.position"
                    if conn.dialect.name == "sqlite" else
                    "SELECT e.id, e.course_id, l.id, l.kind FROM enrolment e JOIN lesson l ON l.version_id = e.version_id "
                    "WHERE e.id = ANY(:ids) ORDER BY e.id, l.position"),
                    {"ids": json.dumps(open_ids) if conn.dialect.name == "sqlite" else open_ids}):
                course, text_lesson, video = lessons.get(enrolment_id, (course_id, None, None))
                if kind == "video" and video is None:
                    video = lesson_id
                elif kind == "text" and text_lesson is None:
                    text_lesson = lesson_id
                lessons[enrolment_id] = (course, text_lesson, video)
        people = [{"id": uid, "email": email, "course": course, "meeting": meeting,
                   "open": lessons.get(open_id), "open_enrolment": open_id} for uid, email, course, open_id in rows]
        # A completed course each learner has not claimed yet, with what it designates (the claim form).
        ids = [p["id"] for p in people]
        unclaimed = {}
        if ids:
            in_ids = ("u.id IN (SELECT value FROM json_each(:ids))" if conn.dialect.name == "sqlite"
                      else "u.id = ANY(:ids)")
            for uid, course_id, code, amount in conn.execute(text(
                    "SELECT u.id, e.course_id, d.credit_type_code, d.max_amount FROM \"user\" u "
                    "JOIN enrolment e ON e.user_id = u.id AND e.completed_at IS NOT NULL "
                    "AND e.evaluation_submitted_at IS NOT NULL "
                    "JOIN credit_designation d ON d.version_id = e.version_id "
                    "JOIN credit_type t ON t.code = d.credit_type_code "
                    f"WHERE {in_ids} AND (CAST(t.professions AS TEXT) = '[]' "
                    "OR CAST(t.professions AS TEXT) LIKE '%\"' || u.profession || '\"%') "
                    "AND NOT EXISTS (SELECT 1 FROM credit_entry c WHERE c.learner_id = u.id "
                    "AND c.activity_kind = 'course' AND c.activity_id = e.course_id) ORDER BY u.id, e.id"),
                    {"ids": json.dumps(ids) if conn.dialect.name == "sqlite" else ids}):
                course_id_, fields = unclaimed.get(uid, (course_id, {}))
                if course_id_ == course_id:
                    fields[f"amount_{code}"] = str(amount)
                    unclaimed[uid] = (course_id, fields)
        for p in people:
            p["unclaimed"] = unclaimed.get(p["id"])
        topics = [t for (t,) in conn.execute(text(
            "SELECT value FROM course_tag WHERE kind = 'topic' GROUP BY value ORDER BY count(*) DESC LIMIT 8"))]
        manager = conn.scalar(text("SELECT u.email FROM \"user\" u JOIN membership m ON m.user_id = u.id "
                                   "WHERE m.org_id = :o AND m.role = 'manager' ORDER BY u.id LIMIT 1"), {"o": org_id})
        big_staff = conn.scalar(text("SELECT count(*) FROM membership WHERE org_id = :o"), {"o": org_id})
        practice = conn.execute(text(
            "SELECT o.id, u.email, (SELECT count(*) FROM membership x WHERE x.org_id = o.id) FROM organisation o "
            "JOIN membership m ON m.org_id = o.id AND m.role = 'manager' JOIN \"user\" u ON u.id = m.user_id "
            "WHERE o.slug = :slug ORDER BY u.id LIMIT 1"), {"slug": f"{tag}-workplace-2"}).first()
        codes = []
        if conn.dialect.has_table(conn, "certificate"):
            codes = [c for (c,) in conn.execute(text("SELECT code FROM certificate ORDER BY id LIMIT 64"))]
    engine.dispose()
    if len(people) < learners:
        print(f"note: only {len(people)} seeded learners qualify (asked for {learners})", file=sys.stderr)
    return {"tag": tag, "domain": domain, "people": people, "topics": topics, "manager": manager, "org_id": org_id,
            "big_staff": big_staff, "codes": codes, "practice": tuple(practice) if practice else None}


def sign_sessions(database_url: str, secret: str, user_ids: list[int],
                  quizzes: dict[int, int] | None = None) -> tuple[dict[int, tuple[str, str]], dict[int, tuple]]:
    """A session cookie and CSRF token per user, signed with the server's secret by the app itself:
    what the real login form would set (``sign_in``: a session row, the Flask-Login cookie, and
    Flask-WTF's token), without paying a password hash per learner.

    ``quizzes`` ({user id: enrolment id}) names learners part-way through a course: each gets a quiz
    attempt opened the way the "Start the quiz" button opens one, for the mixed run to answer.
    Returns ({user id: (Cookie header value, CSRF token)}, {user id: (course id, attempt id, answers)})."""
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "SECRET_KEY", "CONTINUUM_ENV", "CONTINUUM_INSTANCE",
                                            "SESSION_COOKIE_SECURE")}
    # The server's own settings (Server sets them the same way): plain http on 127.0.0.1, so the
    # cookie is "session", not the production "__Host-session" a browser only keeps over https.
    os.environ.update(DATABASE_URL=database_url, SECRET_KEY=secret, CONTINUUM_ENV="production",
                      SESSION_COOKIE_SECURE="0", CONTINUUM_INSTANCE=tempfile.mkdtemp(prefix="continuum-bench-sign-"))
    try:
        from flask import g, session
        from flask_wtf.csrf import generate_csrf
        from sqlalchemy import select

        from bench.floor_app import create_bench_app
        from courses import services as learning
        from courses.models import Enrolment
        from lms import unit_of_work
        from lms.extensions import db
        from lms.sessions.login import sign_in
        from lms.sessions.services import TOUCH_EVERY
        from lms.types import utcnow
        from lms.users.models import User

        app = create_bench_app()
        serializer = app.session_interface.get_signing_serializer(app)
        name = app.config["SESSION_COOKIE_NAME"]
        out, attempts = {}, {}
        with app.app_context():
            users = db.session.scalars(select(User).where(User.id.in_(user_ids))).all()
            for user in users:
                with app.test_request_context("/", headers={"User-Agent": USER_AGENT},
                                              environ_base={"REMOTE_ADDR": "127.0.0.1"}):
                    g.pop("csrf_token", None)  # Flask-WTF keeps the token on g, which this app context shares
                    row = sign_in(user, method="password")  # the session row and audit entry a real sign-in makes
                    # Last seen some time in the past minute, as a crowd of people already at work are:
                    # their once-a-minute last-seen writes then come at a steady rate, not all at once
                    # a minute after this sign-in, in whichever page's run that minute falls.
                    row.last_seen_at -= TOUCH_EVERY * ((user.id * 7919) % 600 / 600)
                    token = generate_csrf()
                    out[user.id] = (f"{name}={serializer.dumps(dict(session))}", token)
            for user_id, enrolment_id in (quizzes or {}).items():
                enrolment = db.session.get(Enrolment, enrolment_id)
                quiz = next((lesson.quiz for lesson in learning.load_version(enrolment.version_id).lessons
                             if lesson.quiz is not None), None)
                if quiz is None:
                    continue
                try:
                    attempt = learning.start_attempt(enrolment, quiz, now=utcnow())
                except learning.LearningError:
                    continue
                db.session.flush()
                # The answers a learner gives: the right option for two questions, a wrong one for the third.
                answers = {f"q_{q.id}": next(o.id for o in q.options if o.is_correct == (n < 2))
                           for n, q in enumerate(quiz.questions)}
                attempts[user_id] = (enrolment.course_id, attempt.id, answers)
            unit_of_work.commit()
            db.session.remove()
        return out, attempts
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def compliance_path(rules: dict[str, str], org_id: int) -> str | None:
    """The manager compliance dashboard's URL, if practice management has landed."""
    rule = rules.get("training.dashboard")
    return rule.replace("<int:org_id>", str(org_id)) if rule else None


def app_rules() -> dict[str, str]:
    """GET rules of the app under test, by endpoint (pages that have not landed yet are absent)."""
    from bench.floor_app import create_bench_app

    app = create_bench_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})
    return {r.endpoint: r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}


def build_pages(base: str, found: dict, sessions: dict) -> tuple[list[Page], list[str]]:
    pending = []
    people = [p for p in found["people"] if p["id"] in sessions]
    cookie = {p["id"]: sessions[p["id"]][0] for p in people}
    topics = found["topics"] or [""]
    pages = [
        Page("floor (50 rows, ORM + template)", [("/_bench/floor", "")]),
        Page("catalog ?topic=", [(f"/courses/?topic={requests.utils.quote(topics[n % len(topics)])}", cookie[p["id"]])
                                 for n, p in enumerate(people)]),
        Page("course page", [(f"/courses/{p['course']}", cookie[p["id"]]) for p in people]),
        Page("learner dashboard", [("/dashboard", cookie[p["id"]]) for p in people]),
        Page("transcript", [("/credits/transcript", cookie[p["id"]]) for p in people]),
        Page("meeting page", [(f"/meetings/{p['meeting']}", cookie[p["id"]]) for p in people]),
    ]
    rules = app_rules()
    path = compliance_path(rules, found["org_id"])
    if "certificates.verify" in rules and found["codes"]:
        pages.append(Page("verification page", [(f"/verify/{c}", "") for c in found["codes"]]))
    else:
        pending.append("verification page (no certificates.verify route, or no seeded certificates)")
    if path and found["practice"]:
        org_id, email, staff = found["practice"]
        pages.append(Page(f"compliance dashboard ({staff:,} staff)",
                          [(compliance_path(rules, org_id), login(base, email))]))
    if path and found["manager"]:
        staff = found["big_staff"]
        pages.append(Page(f"compliance dashboard ({staff:,} staff)", [(path, login(base, found["manager"]))]))
    else:
        pending.append("manager compliance dashboard (no training.dashboard route yet)")
    return pages, pending


def mixed_targets(found: dict, sessions: dict, attempts: dict,
                  groups: int = 1) -> tuple[list[Target], list[list[Target]]]:
    """The mixed run's reads (each learner's five pages) and writes: for each learner with an
    unfinished course, opening a text lesson (which records progress) and a minute of video
    heartbeats, as the player sends them; the answers to a quiz attempt opened for them; and, for
    each learner with a completed course not yet claimed, the credit claim. Both shuffled; the
    writes in ``groups`` lists of different learners, one for each run that sends writes, since a
    claim or an answer accepted once is refused (422) when sent again."""
    reads, writes = [], [[] for _ in range(groups)]
    topics = found["topics"] or [""]
    people = [p for p in found["people"] if p["id"] in sessions]
    for n, p in enumerate(people):
        c = sessions[p["id"]][0]
        reads.extend([Target(f"/courses/{p['course']}", c), Target("/dashboard", c),
                      Target("/credits/transcript", c), Target(f"/meetings/{p['meeting']}", c),
                      Target(f"/courses/?topic={requests.utils.quote(topics[n % len(topics)])}", c)])
    # What one learner sends in a minute of a lesson: opening it (which records progress), a video
    # heartbeat every 10 s as the player does (static/js/courses.js, HEARTBEAT_MS), the quiz
    # answers, and, for a learner with a completed course not yet claimed, the claim (which queues
    # a certificate PDF). A real learner claims once a course, after far more heartbeats; this mix
    # still has a claim in about every ten writes.
    for n, p in enumerate(people):
        c, token = sessions[p["id"]]
        group = writes[n % groups]
        if p["open"]:
            course, text_lesson, video = p["open"]
            if text_lesson:
                group.append(Target(f"/courses/{course}/lessons/{text_lesson}", c))
            if video:
                group.extend(Target(f"/courses/{course}/lessons/{video}/position", c, "POST", token,
                                     json.dumps({"position": 10 * (beat + 1), "duration": 1800}))
                              for beat in range(HEARTBEATS_PER_LEARNER))
        if p["id"] in attempts:  # answer the quiz opened for this learner
            course, attempt_id, answers = attempts[p["id"]]
            group.append(Target(f"/courses/{course}/attempts/{attempt_id}", c, "POST", token,
                                 urlencode({**answers, "csrf_token": token})))
        if p.get("unclaimed"):  # claim the credit of a completed course
            course, fields = p["unclaimed"]
            group.append(Target(f"/credits/claim/course/{course}", c, "POST", token,
                                 urlencode({**fields, "attest": "y", "csrf_token": token})))
    # wrk starts at a random target and a 10 s run sends a few hundred writes: shuffled (the same
    # way every run), any such stretch is a fair sample of the whole mix, as the reads are.
    for group in writes:
        random.Random(13).shuffle(group)
    random.Random(13).shuffle(reads)
    return reads, writes


def check(base: str, page: Page, sample: int = 12) -> None:
    """A sample of the page's targets (the first few and some spread over the rest) must answer 200
    (a write 200 or a redirect), without re-sending the session cookie on a read."""
    step = max(1, len(page.targets) // sample)
    for t in page.targets[:3] + page.targets[3::step]:
        headers = {"User-Agent": USER_AGENT, **({"Cookie": t.cookie} if t.cookie else {})}
        if t.csrf:  # as wrk_report.lua sends them: JSON for a heartbeat, a form for answers and claims
            headers.update({"X-CSRFToken": t.csrf, "Content-Type": "application/json" if t.body.startswith("{")
                            else "application/x-www-form-urlencoded"})
        response = requests.request(t.method, base + t.path, headers=headers, data=t.body or None,
                                    allow_redirects=False, timeout=30)
        if response.status_code != 200 and not (t.method == "POST" and response.status_code in (302, 303)):
            raise RuntimeError(f"{page.name}: {t.method} {t.path} answered {response.status_code}, not 200")
        if t.method == "GET" and t.cookie and "Set-Cookie" in response.headers:
            raise RuntimeError(f"{page.name}: GET {t.path} re-sent the session cookie (the session changed on a read): "
                               f"{_peek(response.headers['Set-Cookie'])} (sent {_peek(t.cookie)})")


def _peek(cookie: str) -> str:
    """What a session cookie holds (decoded, not verified), for error messages."""
    import base64
    import zlib

    payload = cookie.split(";")[0].split("=", 1)[-1]
    compressed = payload.startswith(".")
    data = payload.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode(errors="replace")


def settle(base: str, limit_s: float = 120.0) -> None:
    """Wait until the server has worked off requests wrk left queued (sync workers finish a request
    even after its client has gone), so one slow page does not eat into the next page's run."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            requests.get(base + "/healthz", timeout=limit_s)
        except requests.RequestException:
            pass
        if time.monotonic() - started < 0.05:
            return
        time.sleep(0.2)


def _targets_file(page: Page) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for t in page.targets:
            f.write(f"{t.method}\t{t.path}\t{t.cookie}\t{t.csrf}\t{t.body}\n")
    return f.name


def _start_wrk(base: str, page: Page, seconds: int, connections: int, threads: int, delay_ms: int = 0):
    name = _targets_file(page)
    proc = subprocess.Popen(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                             "--timeout", "30s", "-s", str(LUA), base, "--", name, USER_AGENT, str(delay_ms)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, name


def _finish_wrk(proc, name: str, seconds: int) -> dict:
    try:
        out, err = proc.communicate(timeout=seconds + 60)
    finally:
        os.unlink(name)
    if proc.returncode:
        raise RuntimeError(f"wrk failed: {err}")
    match = re.search(r"^WRK_JSON (.*)$", out, re.M)
    if not match:
        raise RuntimeError(f"no summary from wrk:\n{out}")
    raw = json.loads(match.group(1))
    if raw["requests"] == 0:
        return {"rps": 0.0, "p50_ms": float("nan"), "p95_ms": float("nan"), "p99_ms": float("nan"), "requests": 0,
                "errors": 0, "raw": raw}
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    return {"rps": raw["requests"] / (raw["duration_us"] / 1e6), "p50_ms": raw["p50_us"] / 1000,
            "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000, "requests": raw["requests"],
            "errors": errors, "raw": raw}


def run_wrk(base: str, page: Page, seconds: int, connections: int, threads: int) -> dict:
    return _finish_wrk(*_start_wrk(base, page, seconds, connections, threads), seconds)


def run_mixed(base: str, reads: Page, writes: Page, seconds: int, connections: int, threads: int,
              write_rps: float, write_ms: float) -> tuple[dict, dict]:
    """Reads with ``connections`` connections while a few more connections send writes paced (wrk's
    ``delay``) to about ``write_rps``, each write taking about ``write_ms``."""
    # Each write connection sends, waits for the answer, then waits the delay: as many connections
    # as the writes' own latency needs for the rate, and one more.
    writers = max(2, math.ceil(write_rps * write_ms / 1000) + 1)
    delay_ms = max(0, int(writers * 1000 / write_rps - write_ms))
    writer = _start_wrk(base, writes, seconds, writers, 1, delay_ms)
    reader = _start_wrk(base, reads, seconds, connections, threads)
    return _finish_wrk(*reader, seconds), _finish_wrk(*writer, seconds)


def bench_database(url: str, args) -> dict:
    label = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    found = discover(url, args.learners)
    secret = secrets.token_urlsafe(48)
    started = time.perf_counter()
    sessions, attempts = sign_sessions(url, secret, [p["id"] for p in found["people"]],
                                       {p["id"]: p["open_enrolment"] for p in found["people"] if p["open_enrolment"]})
    print(f"  {label}: {len(sessions)} learner sessions signed in {time.perf_counter() - started:.1f} s",
          file=sys.stderr, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    server = Server(url, args.port, args.workers, RESULTS / f"gunicorn-{label.lower()}.log", secret,
                    redis_url=args.redis_url or None)

    jobs_group = server.worker.pid if server.worker is not None else None

    def measure(page: Page) -> dict:
        run_wrk(server.base, page, args.warmup, args.connections, args.threads)
        settle(server.base)
        before = cpu_by_process(server.proc.pid, jobs_group)
        result = run_wrk(server.base, page, args.duration, args.connections, args.threads)
        after = cpu_by_process(server.proc.pid, jobs_group)
        result["cpu_ms"] = _cpu_per_request(before, after, result["requests"])
        settle(server.base)
        print(f"  {label}: {page.name}: {result['rps']:.1f} req/s, p95 {result['p95_ms']:.0f} ms",
              file=sys.stderr, flush=True)
        return result

    mixed = None
    try:
        pages, pending = build_pages(server.base, found, sessions)
        only = [p for p in pages if not args.pages or p.name.startswith("floor")
                or any(p.name.startswith(x) for x in args.pages)]
        for page in only:
            check(server.base, page)
        floor_page, key_pages = only[0], only[1:]
        # The floor runs before the first page and after every page: each page's ratio is to the mean
        # of the floor runs on either side of it, so a machine that gets busier or quieter during the
        # run (other work on a shared machine) neither flatters nor penalises a page.
        floors = [measure(floor_page)]
        for page in key_pages:
            page.result = measure(page)
            floors.append(measure(floor_page))
        if args.mixed:
            # The check's writes and each try's are different learners' (see mixed_targets).
            read_list, write_lists = mixed_targets(found, sessions, attempts, groups=1 + MIXED_ATTEMPTS)
            reads = Page("mixed: learner reads", read_list)
            check(server.base, Page("mixed: learner writes", write_lists[0]), sample=4)
            run_wrk(server.base, reads, args.warmup, args.connections, args.threads)
            settle(server.base)

            def read_only_run() -> dict:
                before = cpu_by_process(server.proc.pid, jobs_group)
                result = run_wrk(server.base, reads, args.duration, args.connections, args.threads)
                result["cpu_ms"] = _cpu_per_request(before, cpu_by_process(server.proc.pid, jobs_group),
                                                    result["requests"])
                settle(server.base)
                return result

            read_only = read_only_run()
            # Writes are dearer than reads and slow the reads down, so the pace that makes them 10% of
            # the mixed run's requests is found by trying: a first guess from the read-only run (a
            # write taking about twice a read), then the pace the last try's own figures call for.
            write_rps = max(read_only["rps"] * MIXED_WRITE_SHARE / (1 - MIXED_WRITE_SHARE), 0.5)
            write_ms = WRITE_LATENCY_IN_READS * read_only["p50_ms"]
            for attempt in range(MIXED_ATTEMPTS):
                writes = Page("mixed: learner writes", write_lists[1 + attempt])
                before = cpu_by_process(server.proc.pid, jobs_group)
                mixed_reads, mixed_writes = run_mixed(server.base, reads, writes, args.duration, args.connections,
                                                      args.threads, write_rps, write_ms)
                mixed_reads["cpu_ms"] = _cpu_per_request(before, cpu_by_process(server.proc.pid, jobs_group),
                                                         mixed_reads["requests"] + mixed_writes["requests"])
                settle(server.base)
                share = mixed_writes["requests"] / max(1, mixed_writes["requests"] + mixed_reads["requests"])
                print(f"  {label}: mixed run {attempt + 1}: writes {share:.1%} of requests", file=sys.stderr, flush=True)
                if abs(share - MIXED_WRITE_SHARE) <= MIXED_SHARE_TOLERANCE or not mixed_writes["requests"]:
                    break
                write_rps = max(mixed_reads["rps"] * MIXED_WRITE_SHARE / (1 - MIXED_WRITE_SHARE), 0.5)
                write_ms = mixed_writes["p50_ms"]
            # Read-only again after it: the mixed reads are compared with the mean of the read-only
            # runs on either side, as each page is with the floor runs on either side of it.
            read_only_after = read_only_run()
            read_only_rps = (read_only["rps"] + read_only_after["rps"]) / 2
            mixed = {"read_only": _plain(read_only), "read_only_after": _plain(read_only_after),
                     "read_only_rps": read_only_rps, "reads": _plain(mixed_reads), "writes": _plain(mixed_writes),
                     "write_share": share, "reads_ratio": mixed_reads["rps"] / read_only_rps if read_only_rps else 0,
                     "read_targets": len(read_list), "write_targets": len(writes.targets)}
            print(f"  {label}: mixed: reads {mixed_reads['rps']:.1f} req/s vs read-only {read_only['rps']:.1f} "
                  f"and {read_only_after['rps']:.1f}; writes {share:.0%}", file=sys.stderr, flush=True)
    finally:
        server.stop()
    rows = []
    for n, page in enumerate(key_pages):
        floor = (floors[n]["rps"] + floors[n + 1]["rps"]) / 2
        rows.append({"page": page.name, **_plain(page.result),
                     "floor_rps": floor, "ratio": page.result["rps"] / floor if floor else 0.0,
                     "targets": len(page.targets)})
    floor_rps = [f["rps"] for f in floors]
    summary = {"page": floor_page.name, "rps": sum(floor_rps) / len(floor_rps),
               "p50_ms": sorted(f["p50_ms"] for f in floors)[len(floors) // 2],
               "p95_ms": sorted(f["p95_ms"] for f in floors)[len(floors) // 2], "errors": sum(f["errors"] for f in floors),
               "floor_rps": None, "ratio": 1.0, "targets": 1, "runs": floor_rps,
               "cpu_ms": floors[0].get("cpu_ms")}
    return {"database": label, "url": re.sub(r"//[^@/]*@", "//", url), "pending": pending,
            "pages": [summary] + rows, "floor_runs": floor_rps, "load_average": os.getloadavg(), "mixed": mixed,
            "settings": {"workers": args.workers, "worker_class": "sync", "connections": args.connections,
                         "threads": args.threads, "duration_s": args.duration, "warmup_s": args.warmup,
                         "learners": len(sessions), "cores": os.cpu_count(),
                         "jobs": "RQ worker via Redis" if args.redis_url else "inline"}}


def _plain(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "raw"}


def _cpu_line(name: str, c: dict) -> str:
    return (f"  {name:<38} {c['app']:>6.2f} {c.get('jobs', 0.0):>6.2f} {c['database']:>9.2f} {c['redis']:>6.2f} "
            f"{c['wrk']:>6.2f} {sum(c.values()):>7.2f}")


def table(result: dict) -> str:
    s = result["settings"]
    lines = [f"{result['database']} ({result['url']}), gunicorn {s['workers']} sync workers, wrk {s['connections']} "
             f"connections x {s['duration_s']} s, Connection: close, {s['learners']:,} distinct learners, "
             f"jobs {s.get('jobs', 'inline')}",
             f"{'page':<40} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>7} {'errors':>7}  target",
             "-" * 92]
    cpu_lines = []
    for row in result["pages"]:
        ok = row["page"].startswith("floor") or (row["ratio"] >= TARGET_RATIO and row["p95_ms"] < TARGET_P95_MS)
        rps = f"{row['rps']:>8.1f}" if row["rps"] < 10 else f"{row['rps']:>8.0f}"
        lines.append(f"{row['page']:<40} {rps} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
                     f"{row['ratio']:>7.2f} {row['errors']:>7}  {'' if row['page'].startswith('floor') else ('met' if ok else 'MISSED')}"
                     + (f"  (floor {row['floor_rps']:.0f})" if row.get("floor_rps") else ""))
        if row.get("cpu_ms"):
            cpu_lines.append(_cpu_line(row["page"], row["cpu_ms"]))
    runs = ", ".join(f"{r:.0f}" for r in result["floor_runs"])
    lines.append(f"floor runs (req/s, one before the first page and one after each): {runs}; each ratio is to the "
                 f"mean of the two floor runs around the page. Load average at the end {result['load_average'][0]:.1f}")
    mixed = result.get("mixed")
    if mixed and mixed["read_only"].get("cpu_ms"):
        cpu_lines.append(_cpu_line("mixed: read-only", mixed["read_only"]["cpu_ms"]))
        cpu_lines.append(_cpu_line("mixed: reads and writes", mixed["reads"]["cpu_ms"]))
    if cpu_lines:
        lines.append(f"CPU ms per request, by process (the floor: its first run; jobs: the RQ worker)\n  {'page':<38} "
                     f"{'app':>6} {'jobs':>6} {'database':>9} {'redis':>6} {'wrk':>6} {'total':>7}")
        lines.extend(cpu_lines)
    if mixed:
        ro, rd, wr = mixed["read_only"], mixed["reads"], mixed["writes"]
        ok = mixed["reads_ratio"] >= 1 - MIXED_READS_WITHIN
        lines.append(f"mixed run ({mixed['read_targets']:,} read targets: dashboard, course, transcript, meeting, "
                     f"catalog; {mixed['write_targets']:,} write targets: heartbeats, lesson opens, quiz answers, claims)")
        for name, run in (("read-only", ro), ("read-only after", mixed.get("read_only_after"))):
            if run:
                lines.append(f"  {name:<16} {run['rps']:>8.1f} req/s  p50 {run['p50_ms']:.1f} ms  "
                             f"p95 {run['p95_ms']:.1f} ms  errors {run['errors']}")
        lines.append(f"  {'mixed reads':<16} {rd['rps']:>8.1f} req/s  p50 {rd['p50_ms']:.1f} ms  "
                     f"p95 {rd['p95_ms']:.1f} ms  errors {rd['errors']}  -> {mixed['reads_ratio']:.2f} of read-only "
                     f"({'met' if ok else 'MISSED'}: within {MIXED_READS_WITHIN:.0%})")
        lines.append(f"  {'writes':<16} {wr['rps']:>8.1f} req/s  p50 {wr['p50_ms']:.1f} ms  p95 {wr['p95_ms']:.1f} ms  "
                     f"errors {wr['errors']}  ({mixed['write_share']:.1%} of the mixed run's requests)")
    for item in result["pending"]:
        lines.append(f"pending: {item}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", action="append", dest="urls",
                        help="a seeded database (repeat for several); default: BENCH_DATABASE_URLS, space-separated")
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per page (default 2)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                        help="gunicorn sync workers (default 2 x cores, as lms/gunicorn_conf.py)")
    parser.add_argument("--learners", type=int, default=1000,
                        help="distinct learners each page cycles through (default 1,000; 8 is a warm-cache run)")
    parser.add_argument("--no-mixed", dest="mixed", action="store_false",
                        help="skip the mixed run (10%% writes) and its read-only comparison")
    parser.add_argument("--page", action="append", dest="pages", default=[],
                        help="only pages whose name starts with this (repeatable; the floor always runs)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
                        help="Redis for jobs (one RQ worker) and the shared fragments, as in production "
                             "(default redis://127.0.0.1:6379/14; '' runs jobs inline in the web request)")
    args = parser.parse_args(argv)
    urls = args.urls or os.environ.get("BENCH_DATABASE_URLS", "").split()
    if not urls:
        parser.error("give --database-url (or BENCH_DATABASE_URLS)")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed: apt-get install -y wrk")
    results = []
    for url in urls:
        result = bench_database(url, args)
        results.append(result)
        print(table(result) + "\n", flush=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"web-{stamp}.json"
    out.write_text(json.dumps({"at": stamp, "results": results}, indent=2))
    print(f"results written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
