"""Certificate rendering and issuing, measured in one run on this machine.

    .venv/bin/python bench/certificates.py [--n 500] [--database-url URL]

Prints: the floor (median weasyprint render of a minimal one-page HTML, with one shared font
configuration and pre-parsed CSS), the median time to issue one certificate through
``issue_credit_certificate`` (ledger read, snapshot, QR, render in the limited renderer
process, hash, fsync, rename, insert, audit), the median download time through the app
(``send_file`` of the stored file), and the throughput of issuing ``--n`` certificates with two
worker processes (each as an ``rq worker`` would: its own app, its own renderer).
Targets on 2 cores: issue within 1.5x the floor, download under 5 ms, 500 in under 20 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)


def config(tmp: Path, url: str) -> dict:
    return {"SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnop", "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_DIR": str(tmp / "instance"), "REDIS_URL": None, "RATELIMIT_ENABLED": False,
            "PUBLIC_URL": "https://continuum.example.org", "PASSWORD_HASH_PARAMS": (1, 1024, 1),
            "SQLITE_BUSY_TIMEOUT_MS": 60000}


def floor(runs: int = 40) -> float:
    from lms.pdf import render_pdf

    css = "@page { size: Letter landscape; margin: 10mm } body { font-family: 'DejaVu Serif' }"
    html = "<html><body><h1>Certificate</h1><p>Jane Doe, MD</p></body></html>"
    for _ in range(5):
        render_pdf(html, stylesheets=(css,))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render_pdf(html, stylesheets=(css,))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def design_render(runs: int = 40) -> float:
    """The default certificate design (sample data, QR, statements) rendered by weasyprint alone."""
    from lms.certificates import designs, pdf
    from lms.certificates.renderer import render_in_process

    job = pdf.build_job(designs.sample_snapshot("credit"))
    for _ in range(5):
        render_in_process(job)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render_in_process(job)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def seed(app, learners: int):
    """A provider, a stand-in activity and ``learners`` physicians who completed and claimed it."""
    from lms.credits import services as credits
    from lms.extensions import db
    from lms.users.models import User
    from tests.credits.conftest import Activities
    from tests.factories import make_org

    with app.app_context():
        org = make_org(kind="provider", name="Northbridge CME Institute")
        acts = Activities()
        info = acts.add(org=org)
        ids = []
        for i in range(learners):
            user = User(email=f"bench{i}@example.org", first_name="Bench", last_name=f"Learner {i}",
                        credentials="MD", profession="physician_md")
            db.session.add(user)
            db.session.flush()
            acts.complete(user, info)
            credits.claim_credit(user, "course", info.id, "ama_pra_1", Decimal("1.5"), attested=True, now=NOW)
            ids.append(user.id)
        db.session.commit()
        return info, ids


def _worker(args):
    tmp, url, info, ids = args
    from lms import activities, create_app
    from lms.certificates import services
    from lms.extensions import db
    from tests.credits import fake_activity

    activities.ACTIVITY_KINDS["course"] = "tests.credits.fake_activity"
    fake_activity.INFOS[info.id] = info
    app = create_app(config(Path(tmp), url))
    with app.app_context():
        from lms.certificates import designs
        from lms.certificates import pdf as certificate_pdf

        certificate_pdf.render(certificate_pdf.build_job(designs.sample_snapshot("credit")))  # start the renderer
        for learner_id in ids:
            services.issue_credit_certificate(learner_id, "course", info.id, now=NOW)
            db.session.commit()
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--single", type=int, default=40)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
    url = options.database_url or f"sqlite:///{tmp / 'bench.db'}"
    os.environ.setdefault("CONTINUUM_INSTANCE", str(tmp / "instance"))

    from flask_migrate import upgrade

    from lms import activities, create_app
    from lms.certificates import services
    from lms.extensions import db
    from tests.credits import fake_activity

    activities.ACTIVITY_KINDS["course"] = "tests.credits.fake_activity"
    app = create_app(config(tmp, url))
    with app.app_context():
        upgrade()
    info, ids = seed(app, options.single + options.n)
    single, bulk = ids[:options.single], ids[options.single:]

    floor_s = floor()
    design_s = design_render()
    with app.app_context():
        services.issue_credit_certificate(single[0], "course", info.id, now=NOW)  # start the renderer
        db.session.commit()
        times, certificate_ids = [], []
        for learner_id in single[1:]:
            start = time.perf_counter()
            issued = services.issue_credit_certificate(learner_id, "course", info.id, now=NOW)
            db.session.commit()
            times.append(time.perf_counter() - start)
            certificate_ids.append(issued.certificate.id)
        issue_s = statistics.median(times)
        learner_of = {c: lid for c, lid in zip(certificate_ids, single[1:])}

    from lms.users.models import User

    client = app.test_client()
    downloads = []
    for certificate_id in certificate_ids[:20]:
        with app.app_context():
            user = db.session.get(User, learner_of[certificate_id])
            from lms.sessions.services import cookie_id as _cookie_id, start_session
            from lms.types import utcnow
            _, token = start_session(user, method="test", user_agent="bench", ip=None, now=utcnow())
            db.session.commit()
            cookie_id = _cookie_id(user, token)
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = cookie_id, True
        for _ in range(10):
            start = time.perf_counter()
            response = client.get(f"/certificates/{certificate_id}/download")
            downloads.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
            response.close()
    download_s = statistics.median(downloads)

    halves = [bulk[0::2], bulk[1::2]]
    fake_activity.INFOS[info.id] = info
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        done = sum(pool.map(_worker, [(str(tmp), url, info, half) for half in halves]))
    elapsed = time.perf_counter() - start

    print(f"cores: {os.cpu_count()}, database: {url.split(':')[0]}")
    print(f"floor (weasyprint, minimal one-page HTML): median {floor_s * 1000:.1f} ms")
    print(f"the certificate design rendered by weasyprint alone (in process): median {design_s * 1000:.1f} ms "
          f"= {design_s / floor_s:.2f}x the floor")
    print(f"issue one certificate (service, end to end): median {issue_s * 1000:.1f} ms "
          f"= {issue_s / floor_s:.2f}x the floor (target <= 1.5x), {issue_s / design_s:.2f}x the design alone")
    print(f"download an issued certificate (HTTP, send_file): median {download_s * 1000:.2f} ms (target < 5 ms)")
    print(f"issue {done} with two worker processes: {elapsed:.1f} s, {done / elapsed:.1f}/s "
          f"(target < 20 s; includes each worker's start-up)")


if __name__ == "__main__":
    main()
