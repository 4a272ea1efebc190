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
            user_id = user.get_id()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user_id, True
    for _ in range(args.repeat):
        client.get(args.url)
    timings: list[tuple[float, str]] = []
    starts: list[float] = []

    def before(*_a):
        starts.append(time.perf_counter())

    def after(conn, cursor, statement, *_a):
        timings.append(((time.perf_counter() - starts.pop()) * 1000, statement))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
    started = time.perf_counter()
    response = client.get(args.url)
    total = (time.perf_counter() - started) * 1000
    for ms, statement in timings:
        print(f"{ms:8.2f} ms  {' '.join(statement.split())[:220]}")
    print(f"HTTP {response.status_code}, {len(response.data):,} bytes, {len(timings)} statements, "
          f"{sum(ms for ms, _ in timings):.1f} ms in SQL, {total:.1f} ms in all")


if __name__ == "__main__":
    main()
