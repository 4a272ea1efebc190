"""Create, migrate and seed a benchmark database unless it is already seeded.

``python -m bench.prepare --database-url URL [--preset large]``: for PostgreSQL the database is
created when missing; then ``flask db upgrade`` and ``python -m bench.seed`` run against it, and
the seeding time is printed. A database already holding the scale dataset is only migrated.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def ensure_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return
    parsed = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}):
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def seeded(url: str) -> bool:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            if not engine.dialect.has_table(conn, "organisation"):
                return False
            return conn.scalar(text("SELECT 1 FROM organisation WHERE slug = 'scale-provider-1'")) is not None
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--preset", default="large")
    args = parser.parse_args()
    ensure_database(args.database_url)
    flask = str(Path(sys.executable).with_name("flask"))
    env = dict(os.environ, DATABASE_URL=args.database_url, FLASK_APP="wsgi.py", PYTHONPATH=str(ROOT))
    env.setdefault("SECRET_KEY", "bench-seeding-key-" + "x" * 32)
    # Always brought to the current schema: a database seeded before a migration landed is kept, migrated.
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
    if seeded(args.database_url):
        print(f"{args.database_url}: already seeded")
        return 0
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bench.seed", "--database-url", args.database_url, "--preset", args.preset],
                   cwd=ROOT, env=env, check=True)
    print(f"seeded {args.preset} in {time.perf_counter() - started:.0f} s (wall, including start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
