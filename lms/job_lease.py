"""A running job holds a short lease; a job whose worker died is re-queued within seconds.

RQ notices a job abandoned by a killed worker only when its entry in the started registry expires
(the job's timeout plus a margin) and a worker's maintenance pass (every few minutes) sweeps it:
the issue measured more than 150 s. Here a thread beside each job renews the entry every
``RENEW_SECONDS`` to ``LEASE_SECONDS`` from now, so a dead worker's entry expires within
``LEASE_SECONDS``; the same thread, any newly started worker and ``flask lms sweep-jobs`` sweep
expired entries with RQ's own cleanup, which retries the job (with its backoff) while it has
retries left. Jobs are idempotent (certificates are issued once per snapshot), so a retry after a
worker died mid-render issues the certificate exactly once.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)

LEASE_SECONDS = 20
RENEW_SECONDS = 4


def sweep(queue) -> int:
    """Re-queue (or fail, when out of retries) the queue's jobs whose lease expired; returns how many.

    RQ's cleanup spends one retry and schedules the job after its backoff; a dead worker is not the
    job's fault, so it goes back on the queue at once (no wait for the scheduler's lock, which the
    dead worker may still hold).
    """
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    registry = StartedJobRegistry(queue=queue)
    expired = registry.get_expired_job_ids()
    if not expired:
        return 0
    registry.cleanup()
    scheduled = ScheduledJobRegistry(queue=queue)
    waiting = set(scheduled.get_job_ids())
    for job_id in expired:
        if job_id in waiting:
            job = Job.fetch(job_id, connection=queue.connection)
            scheduled.remove(job)
            queue.enqueue_job(job, at_front=True)
    log.warning("re-queued %d abandoned job(s) on %s: %s", len(expired), queue.name, ", ".join(expired))
    return len(expired)


class Lease:
    """Renew the current RQ job's started-registry entry while the job runs (no-op outside a worker)."""

    def __init__(self):
        from rq import get_current_job

        self.job = get_current_job()
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        if self.job is not None:
            self._renew()
            self._thread = threading.Thread(target=self._run, name=f"lease-{self.job.id}", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=RENEW_SECONDS + 1)
        return False

    def _renew(self) -> None:
        registry = self.job.started_job_registry
        connection = self.job.connection
        members = [m for m in connection.zrange(registry.key, 0, -1)
                   if (m.decode() if isinstance(m, bytes) else m).startswith(f"{self.job.id}:")]
        if members:
            connection.zadd(registry.key, {m: time.time() + LEASE_SECONDS for m in members}, xx=True)

    def _run(self) -> None:
        from rq import Queue

        queue = Queue(self.job.origin, connection=self.job.connection)
        while not self._stop.wait(RENEW_SECONDS):
            try:
                self._renew()
                sweep(queue)
            except Exception:  # noqa: BLE001 - a lost renewal only makes recovery slower, never wrong
                log.exception("lease renewal for job %s failed", self.job.id)


def _simple_worker():
    from rq.worker import SimpleWorker

    return SimpleWorker


class LeasedWorker(_simple_worker()):
    """rq's SimpleWorker whose maintenance pass (every ``--maintenance-interval``) sweeps lapsed leases first."""

    def clean_registries(self):
        for queue in self.queues:
            try:
                sweep(queue)
            except Exception:  # noqa: BLE001 - RQ's own cleanup still runs
                log.exception("sweeping %s failed", queue.name)
        super().clean_registries()
