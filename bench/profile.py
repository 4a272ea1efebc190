"""Profile the key pages across many distinct learners: ``python -m bench.profile --database-url URL``.

Uses the real app through Flask's test client (no server), each request as a different seeded
learner (so nothing kept per user could help), and prints per page: mean and p95 wall time, this
process's CPU time (steadier than wall time on a shared machine; with SQLite it includes the
queries), SQL statements and time in SQL, then the functions with the most cumulative time under
cProfile. For finding where the uncached path spends its time; ``bench.web`` measures throughput.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time

from sqlalchemy import event, select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--learners", type=int, default=60)
    parser.add_argument("--page", action="append", dest="pages", default=[],
                        help="only these pages (dashboard, course, transcript, meeting, catalog, compliance)")
    parser.add_argument("--top", type=int, default=25, help="functions to show per page")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"),
                        help="order of the cProfile listing (tottime: where the time is spent itself)")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--statements", action="store_true",
                        help="also list each distinct SQL statement with its mean time and runs per request")
    parser.add_argument("--filter", default="/(lms|courses|meetings|templates)/",
                        help="only functions whose file matches this regular expression (default: the app's)")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench-profile-" + "x" * 32)

    from bench.floor_app import create_bench_app
    from bench.web import discover
    from lms import unit_of_work
    from lms.extensions import db
    from lms.sessions.services import cookie_id, start_session
    from lms.types import utcnow
    from lms.users.models import User

    found = discover(args.database_url, args.learners)
    app = create_bench_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        # Each learner with the session row a real sign-in opens (the cookie names it).
        def signed_in(user):
            _, token = start_session(user, method="password", user_agent="bench", ip="127.0.0.1", now=utcnow())
            return cookie_id(user, token)

        users = {u.id: signed_in(u) for u in db.session.scalars(select(User).where(
            User.id.in_([p["id"] for p in found["people"]])))}
        manager = signed_in(db.session.scalar(select(User).where(User.email == found["manager"])))
        unit_of_work.commit()
    topics = found["topics"] or [""]
    pages = {
        "dashboard": lambda p, n: "/dashboard",
        "course": lambda p, n: f"/courses/{p['course']}",
        "transcript": lambda p, n: "/credits/transcript",
        "meeting": lambda p, n: f"/meetings/{p['meeting']}",
        "catalog": lambda p, n: f"/courses/?topic={topics[n % len(topics)]}",
        "compliance": None,
    }
    statements: list[float] = []
    starts: list[float] = []
    by_text: dict[str, list[float]] = {}

    def finished(_conn, _cursor, text, *_):
        took = (time.perf_counter() - starts.pop()) * 1000
        statements.append(took)
        if args.statements:
            by_text.setdefault(text, []).append(took)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: starts.append(time.perf_counter()))
        event.listen(db.engine, "after_cursor_execute", finished)
    client = app.test_client()
    for name, path_for in pages.items():
        if args.pages and name not in args.pages:
            continue
        if name == "compliance":
            runs = [(manager, f"/training/orgs/{found['org_id']}/compliance")] * 5
        else:
            runs = [(users[p["id"]], path_for(p, n)) for n, p in enumerate(found["people"])]
        # Warm-up: templates compiled, connections open (one request, one learner not measured after).
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = runs[-1][0], True
        client.get(runs[-1][1])
        profiler = cProfile.Profile() if args.profile else None
        walls, cpus, counts, sql = [], [], [], []
        by_text.clear()
        for user_id, path in runs[:-1]:
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = user_id, True
            statements.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = client.get(path)
            if profiler:
                profiler.disable()
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
            counts.append(len(statements))
            sql.append(sum(statements))
        walls.sort()
        print(f"\n== {name}: {len(walls)} learners, mean {statistics.mean(walls):.1f} ms, "
              f"p95 {walls[int(len(walls) * 0.95) - 1]:.1f} ms, statements {min(counts)}-{max(counts)}, "
              f"SQL {statistics.mean(sql):.1f} ms mean, CPU {statistics.mean(cpus):.1f} ms mean")
        for text, took in sorted(by_text.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {statistics.mean(took):6.2f} ms x {len(took) / len(walls):4.2f}/request  "
                  f"{' '.join(text.split())[:150]}")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.filter, args.top)
            print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


if __name__ == "__main__":
    main()
