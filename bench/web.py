"""Benchmark Continuum's key pages against the framework floor, on SQLite and PostgreSQL.

Set-up (once): ``apt-get install -y wrk`` (Debian's wrk 4.1), then seed a migrated database::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench flask db upgrade
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench flask lms seed-scale --preset large

Run (``make bench`` does this for the URLs in BENCH_DATABASE_URLS)::

    python -m bench.web --database-url postgresql://postgres@127.0.0.1:5432/bench \\
                        --database-url sqlite:////abs/path/bench.db

For each database it starts gunicorn (``lms/gunicorn_conf.py``, sync workers) on 127.0.0.1 serving
``bench.floor_app:app`` (the real app plus the floor route), logs in through the real login form
(CSRF token and all) as several seeded learners and their manager, checks every page answers 200,
then drives each page with wrk for a fixed time (warm-up first), every request with
``Connection: close``. Traffic goes to 127.0.0.1 only, and each wrk run stops by itself. It prints
req/s, p50 and p95 per page and the ratio of each page's throughput to the floor's, and writes
JSON to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

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
TARGET_RATIO = 0.5
TARGET_P95_MS = 100.0


@dataclass
class Page:
    name: str
    targets: list[tuple[str, str]]  # (path, cookie header)
    result: dict = field(default_factory=dict)


def _venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


class Server:
    """gunicorn on 127.0.0.1 with the production config file, stopped on exit."""

    def __init__(self, database_url: str, port: int, workers: int, log: Path):
        self.base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secrets.token_urlsafe(48),
                   CONTINUUM_ENV="production", SESSION_COOKIE_SECURE="0", RATELIMIT_ENABLED="0",
                   GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(workers), GUNICORN_WORKER_CLASS="sync",
                   GUNICORN_MAX_REQUESTS="0", GUNICORN_LOG_LEVEL="warning", PYTHONPATH=str(ROOT),
                   CONTINUUM_INSTANCE=str(Path(tempfile.mkdtemp(prefix="continuum-bench-"))))
        env.pop("REDIS_URL", None)
        self.log = log.open("w")
        self.proc = subprocess.Popen([_venv_bin("gunicorn"), "-c", str(ROOT / "lms" / "gunicorn_conf.py"),
                                      "--chdir", str(ROOT), "bench.floor_app:app"],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
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
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
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
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def discover(database_url: str, learners: int) -> dict:
    """Pick the seeded people and objects each page is driven with (read-only queries)."""
    engine = create_engine(_sqlalchemy_url(database_url))
    with engine.connect() as conn:
        tag = conn.scalar(text("SELECT slug FROM organisation WHERE slug LIKE '%-provider-1' ORDER BY id LIMIT 1"))
        if not tag:
            raise SystemExit(f"{database_url} holds no scale dataset: run `flask lms seed-scale` first")
        tag = tag[: -len("-provider-1")]
        domain = f"@{tag}.continuum.test"
        # Learners of the largest workplace (the hospital system) who have completed something.
        rows = conn.execute(text(
            "SELECT u.id, u.email, m.org_id FROM \"user\" u JOIN membership m ON m.user_id = u.id "
            "JOIN organisation o ON o.id = m.org_id "
            "WHERE o.slug = :slug AND m.role = 'member' AND m.deactivated_at IS NULL "
            "AND EXISTS (SELECT 1 FROM enrolment e WHERE e.user_id = u.id AND e.completed_at IS NOT NULL) "
            "ORDER BY u.id LIMIT :n"), {"slug": f"{tag}-workplace-1", "n": learners}).all()
        people = []
        for uid, email, org_id in rows:
            course = conn.scalar(text("SELECT course_id FROM enrolment WHERE user_id = :u ORDER BY id LIMIT 1"),
                                 {"u": uid})
            meeting = conn.scalar(text("SELECT id FROM meeting WHERE org_id = :o AND ended_at IS NOT NULL "
                                       "ORDER BY starts_at DESC LIMIT 1"), {"o": org_id})
            people.append({"email": email, "course": course, "meeting": meeting})
        topics = [t for (t,) in conn.execute(text(
            "SELECT value FROM course_tag WHERE kind = 'topic' GROUP BY value ORDER BY count(*) DESC LIMIT 8"))]
        manager = conn.scalar(text("SELECT u.email FROM \"user\" u JOIN membership m ON m.user_id = u.id "
                                   "JOIN organisation o ON o.id = m.org_id WHERE o.slug = :slug AND m.role = 'manager'"),
                              {"slug": f"{tag}-workplace-1"})
        org_id = conn.scalar(text("SELECT id FROM organisation WHERE slug = :slug"), {"slug": f"{tag}-workplace-1"})
        big_staff = conn.scalar(text("SELECT count(*) FROM membership WHERE org_id = :o"), {"o": org_id})
        practice = conn.execute(text(
            "SELECT o.id, u.email, (SELECT count(*) FROM membership x WHERE x.org_id = o.id) FROM organisation o "
            "JOIN membership m ON m.org_id = o.id AND m.role = 'manager' JOIN \"user\" u ON u.id = m.user_id "
            "WHERE o.slug = :slug"), {"slug": f"{tag}-workplace-2"}).first()
        codes = []
        if conn.dialect.has_table(conn, "certificate"):
            codes = [c for (c,) in conn.execute(text("SELECT code FROM certificate ORDER BY id LIMIT 16"))]
    engine.dispose()
    return {"tag": tag, "domain": domain, "people": people, "topics": topics, "manager": manager, "org_id": org_id,
            "big_staff": big_staff, "codes": codes, "practice": tuple(practice) if practice else None}


def compliance_path(rules: dict[str, str], org_id: int) -> str | None:
    """The manager compliance dashboard's URL, if practice management has landed."""
    rule = rules.get("training.dashboard")
    return rule.replace("<int:org_id>", str(org_id)) if rule else None


def app_rules() -> dict[str, str]:
    """GET rules of the app under test, by endpoint (pages that have not landed yet are absent)."""
    from bench.floor_app import create_bench_app

    app = create_bench_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})
    return {r.endpoint: r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}


def build_pages(base: str, found: dict) -> tuple[list[Page], list[str]]:
    pending = []
    cookies = {p["email"]: login(base, p["email"]) for p in found["people"]}
    people = found["people"]
    pages = [
        Page("floor (50 rows, ORM + template)", [("/_bench/floor", "")]),
        Page("catalog ?topic=", [(f"/courses/?topic={requests.utils.quote(t)}", cookies[p["email"]])
                                 for t, p in zip(found["topics"] * 4, people * 4)][: max(len(people), 8)]),
        Page("course page", [(f"/courses/{p['course']}", cookies[p["email"]]) for p in people]),
        Page("learner dashboard", [("/dashboard", cookies[p["email"]]) for p in people]),
        Page("transcript", [("/credits/transcript", cookies[p["email"]]) for p in people]),
        Page("meeting page", [(f"/meetings/{p['meeting']}", cookies[p["email"]]) for p in people]),
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


def check(base: str, page: Page) -> None:
    for path, cookie in page.targets:
        headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
        response = requests.get(base + path, headers=headers, allow_redirects=False, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{page.name}: GET {path} answered {response.status_code}, not 200")
        if cookie and "Set-Cookie" in response.headers:
            raise RuntimeError(f"{page.name}: GET {path} re-sent the session cookie (the session changed on a read)")


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


def run_wrk(base: str, page: Page, seconds: int, connections: int, threads: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for path, cookie in page.targets:
            f.write(f"{path}\t{cookie}\n")
    try:
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                              "--timeout", "30s", "-s", str(LUA), base, "--", f.name, USER_AGENT],
                             capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    finally:
        os.unlink(f.name)
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


def bench_database(url: str, args) -> dict:
    label = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    found = discover(url, args.learners)
    RESULTS.mkdir(parents=True, exist_ok=True)
    server = Server(url, args.port, args.workers, RESULTS / f"gunicorn-{label.lower()}.log")

    def measure(page: Page) -> dict:
        run_wrk(server.base, page, args.warmup, args.connections, args.threads)
        settle(server.base)
        result = run_wrk(server.base, page, args.duration, args.connections, args.threads)
        settle(server.base)
        print(f"  {label}: {page.name}: {result['rps']:.1f} req/s", file=sys.stderr, flush=True)
        return result

    try:
        pages, pending = build_pages(server.base, found)
        for page in pages:
            check(server.base, page)
        floor_page, key_pages = pages[0], pages[1:]
        # The floor runs before the first page and after every page: each page's ratio is to the mean
        # of the floor runs on either side of it, so a machine that gets busier or quieter during the
        # run (other work on a shared machine) neither flatters nor penalises a page.
        floors = [measure(floor_page)]
        for page in key_pages:
            page.result = measure(page)
            floors.append(measure(floor_page))
    finally:
        server.stop()
    rows = []
    for n, page in enumerate(key_pages):
        floor = (floors[n]["rps"] + floors[n + 1]["rps"]) / 2
        rows.append({"page": page.name, **{k: v for k, v in page.result.items() if k != "raw"},
                     "floor_rps": floor, "ratio": page.result["rps"] / floor if floor else 0.0,
                     "targets": len(page.targets)})
    floor_rps = [f["rps"] for f in floors]
    summary = {"page": floor_page.name, "rps": sum(floor_rps) / len(floor_rps),
               "p50_ms": sorted(f["p50_ms"] for f in floors)[len(floors) // 2],
               "p95_ms": sorted(f["p95_ms"] for f in floors)[len(floors) // 2], "errors": sum(f["errors"] for f in floors),
               "floor_rps": None, "ratio": 1.0, "targets": 1, "runs": floor_rps}
    return {"database": label, "url": re.sub(r"//[^@/]*@", "//", url), "pending": pending,
            "pages": [summary] + rows, "floor_runs": floor_rps, "load_average": os.getloadavg(),
            "settings": {"workers": args.workers, "worker_class": "sync", "connections": args.connections,
                         "threads": args.threads, "duration_s": args.duration, "warmup_s": args.warmup,
                         "learners": len(found["people"]), "cores": os.cpu_count()}}


def table(result: dict) -> str:
    s = result["settings"]
    lines = [f"{result['database']} ({result['url']}), gunicorn {s['workers']} sync workers, wrk {s['connections']} "
             f"connections x {s['duration_s']} s, Connection: close",
             f"{'page':<40} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>7} {'errors':>7}  target",
             "-" * 92]
    for row in result["pages"]:
        ok = row["page"].startswith("floor") or (row["ratio"] >= TARGET_RATIO and row["p95_ms"] < TARGET_P95_MS)
        rps = f"{row['rps']:>8.1f}" if row["rps"] < 10 else f"{row['rps']:>8.0f}"
        lines.append(f"{row['page']:<40} {rps} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
                     f"{row['ratio']:>7.2f} {row['errors']:>7}  {'' if row['page'].startswith('floor') else ('met' if ok else 'MISSED')}"
                     + (f"  (floor {row['floor_rps']:.0f})" if row.get("floor_rps") else ""))
    runs = ", ".join(f"{r:.0f}" for r in result["floor_runs"])
    lines.append(f"floor runs (req/s, one before the first page and one after each): {runs}; each ratio is to the "
                 f"mean of the two floor runs around the page. Load average at the end {result['load_average'][0]:.1f}")
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
    parser.add_argument("--learners", type=int, default=8, help="distinct logged-in learners per page")
    parser.add_argument("--port", type=int, default=8765)
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
