"""Fault drills (slow): PostgreSQL connections killed under load, a worker killed mid-render, a full disk.

Each prints its figures (run with ``-s`` to see them). They use their own databases and queues; the
PostgreSQL drill kills only the connections to its own database (``pg_terminate_backend``), never the
shared server.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import base_config, redis_url, require_postgres, upgrade_database
from tests.jobs.test_job_recovery import start_worker, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def drill_app(tmp_path, suffix, **extra):
    from lms import create_app

    app = create_app(base_config(tmp_path, require_postgres(suffix)) | {
        "TESTING": False, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "JOBS_RAISE": False, **extra})
    upgrade_database(app)
    return app


def signed_in(user) -> str:
    """The session cookie's user id for ``user``, with the session row a real sign-in makes."""
    from lms.sessions.services import cookie_id, start_session
    from lms.types import utcnow

    _, token = start_session(user, method="test", user_agent="Drill", ip="127.0.0.1", now=utcnow())
    return cookie_id(user, token)


def world(app, learners: int):
    """A published course with AMA PRA Category 1 credit, completed and evaluated by ``learners`` physicians."""
    from lms import unit_of_work
    from lms.types import utcnow
    from tests.factories import complete_course, make_course, make_org, make_user

    with app.app_context():
        org = make_org(kind="provider", is_accredited_provider=True)
        course = make_course(org)
        people = []
        for _ in range(learners):
            user = make_user(profession="physician_md")
            enrolment = complete_course(user, course)
            enrolment.evaluation_submitted_at = utcnow()
            people.append((user.id, signed_in(user)))
        unit_of_work.commit()
        return course.id, people


def claim_rows(app) -> dict[int, int]:
    from lms.extensions import db

    with app.app_context():
        rows = db.session.execute(text("SELECT learner_id, count(*) FROM credit_entry WHERE kind = 'claim' "
                                       "GROUP BY learner_id")).all()
        db.session.remove()
        db.engine.dispose()
        return dict(rows)


KILL_ROUNDS, KILL_EVERY = 12, 1.5


def test_postgresql_connections_killed_under_load_lose_and_double_no_claim(tmp_path):
    app = drill_app(tmp_path, "drill_pg")
    app.extensions["continuum.after_claim"] = lambda *args: None  # the ledger is what this drill is about
    course_id, people = world(app, 20)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    acknowledged, statuses, killed = set(), [], [0]
    done, over = threading.Event(), threading.Event()

    def killer():  # KILL_ROUNDS times, every KILL_EVERY seconds, every connection to the drill's database
        try:
            with admin.connect() as conn:
                for _ in range(KILL_ROUNDS):
                    if done.wait(KILL_EVERY):
                        return
                    killed[0] += conn.execute(text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": url.database}).scalar()
        finally:
            over.set()

    started = time.monotonic()
    spread = KILL_ROUNDS * KILL_EVERY * 0.8

    def learner(user_id, session_id, start_at):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = session_id, True
        time.sleep(max(0.0, started + start_at - time.monotonic()))  # claims spread over the kills
        for _ in range(600):  # a browser retrying until the claim is acknowledged or refused as a duplicate
            response = client.post(f"/credits/claim/course/{course_id}",
                                   data={"amount_ama_pra_1": "1.5", "attest": "y"})
            statuses.append(response.status_code)
            if response.status_code == 302:
                acknowledged.add(user_id)
                break
            if response.status_code == 422:
                break
            time.sleep(0.2)
        while not over.is_set():  # then reads its transcript, so every kill lands on busy connections
            statuses.append(client.get("/credits/transcript").status_code)
            time.sleep(0.05)

    chaos = threading.Thread(target=killer)
    chaos.start()
    try:
        starts = {p[0]: n * spread / len(people) for n, p in enumerate(people)}
        workers = [threading.Thread(target=lambda chunk=people[i::4]: [learner(*p, starts[p[0]]) for p in chunk])
                   for i in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        done.set()
        chaos.join()
        admin.dispose()
    rows = claim_rows(app)
    lost = [uid for uid in acknowledged if rows.get(uid, 0) != 1]
    doubled = [uid for uid, n in rows.items() if n > 1]
    unclaimed = [uid for uid, _ in people if uid not in rows]
    figures = {code: statuses.count(code) for code in sorted(set(statuses))}
    print(f"\nPostgreSQL drill: {len(people)} learners, {len(statuses)} requests {figures}, "
          f"{killed[0]} connections terminated, {len(acknowledged)} acknowledged, lost {len(lost)}, "
          f"doubled {len(doubled)}, never claimed {len(unclaimed)}")
    assert killed[0] > 0 and 503 in statuses  # the drill did hurt
    assert 500 not in statuses
    assert not lost and not doubled and not unclaimed


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def certificate_world(tmp_path, suffix, **extra):
    from lms.credits import services as credits

    redis = redis_url()
    app = drill_app(tmp_path, suffix, REDIS_URL=redis, RQ_QUEUE=f"drill-{uuid.uuid4().hex}",
                    CERTIFICATE_DIR=str(tmp_path / "certificates"), **extra)
    course_id, people = world(app, 1)
    from decimal import Decimal

    from lms import unit_of_work
    from lms.extensions import db
    from lms.types import utcnow
    from lms.users.models import User

    with app.app_context():
        learner = db.session.get(User, people[0][0])
        credits.claim_credit(learner, "course", course_id, "ama_pra_1", Decimal("1.5"), attested=True, now=utcnow())
        unit_of_work.commit()
    return app, course_id, people[0][0]


def certificates_of(app, learner_id):
    from lms.certificates.models import Certificate
    from lms.extensions import db

    with app.app_context():
        rows = db.session.query(Certificate).filter_by(learner_id=learner_id).all()
        result = [(c.version, c.sha256) for c in rows]
        db.session.remove()
        return result


def test_a_worker_killed_mid_render_issues_the_certificate_exactly_once(tmp_path):
    from lms import jobs
    from lms.certificates.jobs import issue_credit_job

    app, course_id, learner_id = certificate_world(tmp_path, "drill_kill")
    with app.app_context():
        job = jobs.enqueue(issue_credit_job, learner_id, "course", course_id, job_timeout=120)
    first = start_worker(app)
    try:
        # The renderer is a child of the worker that exists only once a render has begun.
        assert wait_for(lambda: bool(_children(first.pid)), 90, step=0.02), "no render started"
        os.killpg(first.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        first.wait(timeout=10)
        assert certificates_of(app, learner_id) == []  # nothing was issued by the killed attempt
        second = start_worker(app)
        try:
            assert wait_for(lambda: job.refresh() or job.get_status() == "finished", 300), job.get_status()
            recovered = time.monotonic() - killed_at
        finally:
            stop(second)
    finally:
        stop(first)
        with app.app_context():
            jobs.get_queue(app).delete(delete_jobs=True)
    issued = certificates_of(app, learner_id)
    stored = list((tmp_path / "certificates").rglob("*.pdf"))
    print(f"\nworker killed mid-render: certificate issued {recovered:.1f} s after the kill; "
          f"{len(issued)} certificate row(s), {len(stored)} stored PDF(s)")
    assert len(issued) == 1 and issued[0][0] == 1
    assert len(stored) == 1


def test_a_full_disk_fails_cleanly_and_the_certificate_is_issued_when_space_returns(tmp_path):
    from lms import jobs
    from lms.certificates.jobs import issue_credit_job

    app, course_id, learner_id = certificate_world(tmp_path, "drill_disk")
    storage = tmp_path / "certificates"
    shutil.rmtree(storage, ignore_errors=True)
    storage.write_text("not a directory: every write fails as on a full or read-only disk")
    with app.app_context():
        job = jobs.enqueue(issue_credit_job, learner_id, "course", course_id, job_timeout=120)
    worker = start_worker(app)
    try:
        assert wait_for(lambda: job.refresh() or (job.retries_left or 0) < len(jobs.BACKOFF_SECONDS), 120), \
            "the job never failed"
        failed_at = time.monotonic()
        assert certificates_of(app, learner_id) == []  # a clean failure: no row without its PDF
        # The learner meanwhile sees the certificate as being prepared, not an error page.
        client = app.test_client()
        with client.session_transaction() as session:
            from lms.extensions import db
            from lms.users.models import User

            from lms import unit_of_work

            with app.app_context():
                session["_user_id"], session["_fresh"] = signed_in(db.session.get(User, learner_id)), True
                unit_of_work.commit()
                db.session.remove()
        page = client.get("/certificates/")
        assert page.status_code == 200 and "Being prepared" in page.get_data(as_text=True)
        storage.unlink()  # space returns
        assert wait_for(lambda: job.refresh() or job.get_status() == "finished", 300), job.get_status()
        issued_after = time.monotonic() - failed_at
    finally:
        stop(worker)
        with app.app_context():
            jobs.get_queue(app).delete(delete_jobs=True)
    issued = certificates_of(app, learner_id)
    print(f"\nfull disk: first attempt failed cleanly, certificate issued {issued_after:.1f} s after the failure "
          f"once space returned; {len(issued)} certificate row(s)")
    assert len(issued) == 1
    assert len(list(storage.rglob("*.pdf"))) == 1


