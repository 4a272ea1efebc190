"""Schemathesis against the live application: ``python -m tests.api.schemathesis_live``.

Migrates a fresh database (SQLite in a temporary folder, or ``--database-url``), seeds the demo,
makes API tokens with ``flask lms create-token``, serves the app with gunicorn on a free local
port and runs ``st run <base>/api/v1/openapi.json --checks all`` with a recorded seed and a bounded
number of examples: once as a clinician (their own records, the catalog, certificates) and once as a
practice manager (organisation, training, meetings). Exits non-zero on any failure: a server error,
a response the schema does not allow, valid data refused or invalid data accepted.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEED = 16016
RUNS = (
    # (who, token scopes, operations)
    ("physician@demo.continuum.test", "catalog:read,learning:read,learning:write,credits:read,credits:write,"
     "certificates:read", r"^/api/v1/(me/|activities|certificates)"),
    ("manager@demo.continuum.test", "org:read,org:write,training:read,meetings:read", r"^/api/v1/(orgs|meetings)"),
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env: dict, *args: str) -> str:
    result = subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _config(folder: Path, env: dict) -> Path:
    """Ids that exist, so the generated requests reach the code behind the 404s too."""
    script = ("from lms import create_app\n"
              "from lms.extensions import db\n"
              "from sqlalchemy import text\n"
              "app = create_app()\n"
              "with app.app_context():\n"
              "    q = lambda sql: db.session.execute(text(sql)).scalar() or 1\n"
              "    print(q(\"SELECT org_id FROM membership m JOIN \\\"user\\\" u ON u.id = m.user_id "
              "WHERE u.email = 'manager@demo.continuum.test' AND m.role = 'manager'\"))\n"
              "    print(q('SELECT min(id) FROM meeting'))\n"
              "    print(q('SELECT min(id) FROM course WHERE current_version_id IS NOT NULL'))\n")
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                            check=True)
    org_id, meeting_id, activity_id = result.stdout.split()
    path = folder / "schemathesis.toml"
    path.write_text(f"[parameters]\n\"path.org_id\" = {org_id}\n\"path.meeting_id\" = {meeting_id}\n"
                    f"\"path.activity_id\" = {activity_id}\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a fresh, empty database (default: SQLite in a temporary folder)")
    parser.add_argument("--postgres", action="store_true",
                        help="a fresh PostgreSQL database named after TEST_POSTGRES_URL's (required then)")
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    args = parser.parse_args()
    if args.postgres:
        from tests.conftest import postgres_url

        args.database_url = postgres_url("schemathesis")
        if not args.database_url:
            sys.exit("--postgres needs TEST_POSTGRES_URL")
    folder = Path(tempfile.mkdtemp(prefix="continuum-schemathesis-"))
    env = {**os.environ, "FLASK_APP": "wsgi.py", "CONTINUUM_INSTANCE": str(folder),
           "DATABASE_URL": args.database_url or f"sqlite:///{folder / 'api.db'}",
           "SECRET_KEY": "schemathesis-only-secret-0123456789-abcdefghij", "REDIS_URL": "",
           "API_RATE_LIMIT": "1000000 per minute", "API_RATE_LIMIT_PER_IP": "1000000 per minute",
           "CERTIFICATE_VERIFY_LIMIT": "1000000 per minute", "MAIL_SERVER": "", "CERTIFICATE_RENDER_TIMEOUT": "120"}
    _flask(env, "db", "upgrade")
    _flask(env, "lms", "seed-demo")
    config = _config(folder, env)
    port = _free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "60",
                               "wsgi:app"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=open(folder / "gunicorn.log", "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        failures = 0
        for email, scopes, paths in RUNS:
            token = _flask(env, "lms", "create-token", "--email", email, "--scopes", scopes, "--days", "1").strip()
            command = [str(BIN / "st"), "--config-file", str(config), "run", f"{base}/api/v1/openapi.json",
                       "--checks", "all", "--seed", str(args.seed), "--max-examples", str(args.max_examples),
                       "--phases", args.phases, "--include-path-regex", paths, "--workers", "2", "--no-color",
                       "--generation-database", "none", "-H", f"Authorization: Bearer {token}"]
            print(f"== schemathesis as {email} on {paths} (seed {args.seed}) ==", flush=True)
            failures += subprocess.run(command, cwd=folder, check=False).returncode != 0
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = (folder / "gunicorn.log").read_text()
    if "Traceback" in log:
        print(log[-5000:])
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
