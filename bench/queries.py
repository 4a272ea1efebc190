"""Print the SQL statements one page runs, with their times: ``python -m bench.queries URL [--as EMAIL]``.

Uses the real app against ``DATABASE_URL`` through Flask's test client (no server), logged in as
the given seeded account; for finding the slow or repeated query behind a benchmark figure.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import event, select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--as", dest="email", default=None, help="log in as this account (default: anonymous)")
    parser.add_argument("--repeat", type=int, default=3, help="requests before the measured one (warm-up)")
    parser.add_argument("--explain", action="store_true",
                        help="PostgreSQL: EXPLAIN ANALYZE each statement and show its plan's scans")
    args = parser.parse_args()

    from bench.floor_app import create_bench_app
    from lms.extensions import db
    from lms.users.models import User

    app = create_bench_app({"RATELIMIT_ENABLED": False})
    client = app.test_client()
    if args.email:
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == args.email))
            if user is None:
                raise SystemExit(f"no account {args.email}")
            from lms.sessions.services import cookie_id as _cookie_id, start_session
            from lms.types import utcnow
            _, token = start_session(user, method="test", user_agent="bench", ip=None, now=utcnow())
            db.session.commit()
            user_id = _cookie_id(user, token)
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user_id, True
    for _ in range(args.repeat):
        client.get(args.url)
    timings: list[tuple[float, str]] = []
    starts: list[float] = []

    def before(*_a):
        starts.append(time.perf_counter())

    captured: list[tuple[str, object]] = []

    def after(conn, cursor, statement, parameters, *_a):
        timings.append(((time.perf_counter() - starts.pop()) * 1000, statement))
        captured.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
    started = time.perf_counter()
    response = client.get(args.url)
    total = (time.perf_counter() - started) * 1000
    for ms, statement in timings:
        print(f"{ms:8.2f} ms  {' '.join(statement.split())[:220]}")
    if args.explain:
        with app.app_context():
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                for statement, parameters in captured:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    plan = [row[0] for row in cursor.fetchall()]
                    scans = [line.strip() for line in plan if "Scan" in line]
                    summary = plan[-1].strip()
                    print(f"{summary:>30}  {' '.join(statement.split())[:90]}")
                    for line in scans:
                        print(f"{'':>32}{line[:150]}")
            finally:
                raw.rollback()
                raw.close()
    print(f"HTTP {response.status_code}, {len(response.data):,} bytes, {len(timings)} statements, "
          f"{sum(ms for ms, _ in timings):.1f} ms in SQL, {total:.1f} ms in all")


if __name__ == "__main__":
    main()
