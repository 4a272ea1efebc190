"""The SCORM run-time data model kept per attempt on the server (scorm-again runs the API in the page).

An attempt holds the ``cmi`` tree as the SCO last committed it. Resuming loads it back with
``entry`` set to ``resume``; a SCO that never calls Finish keeps what its last (auto)commit sent,
and the attempt stays open to resume. Completion and success drive the lesson's completion.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from courses.packages.models import ContentPackage, ScormAttempt
from courses.packages.sequencing import Sequencer, run_from_cmi
from courses.packages.signals import outcome
from courses.packages.xapi import duration_seconds
from lms.extensions import db

MAX_COMMIT_BYTES = 512 * 1024


class CommitRefused(ValueError):
    pass


def attempt_for(package: ContentPackage, user, *, lesson_id: int, enrolment_id: int, round: int, sco_index: int,
                now: datetime) -> ScormAttempt:
    """The learner's open attempt at this SCO in this round of the course, or a new one."""
    attempt = db.session.scalar(select(ScormAttempt).where(
        ScormAttempt.package_id == package.id, ScormAttempt.user_id == user.id,
        ScormAttempt.enrolment_id == enrolment_id, ScormAttempt.round == round,
        ScormAttempt.sco_index == sco_index).order_by(ScormAttempt.number.desc()).limit(1))
    if attempt is None:
        attempt = ScormAttempt(package_id=package.id, user_id=user.id, lesson_id=lesson_id, enrolment_id=enrolment_id,
                               round=round, sco_index=sco_index, number=1, cmi={}, interactions=[], started_at=now,
                               updated_at=now)
        db.session.add(attempt)
        db.session.flush()
    return attempt


def _clock(seconds: int, scorm12: bool) -> str:
    if scorm12:
        return f"{seconds // 3600:04d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return f"PT{seconds}S"


def _scorm12_seconds(value) -> float | None:
    if not isinstance(value, str):
        return None
    parts = value.split(":")
    if len(parts) != 3:
        return None
    try:
        return int(parts[0]) * 3600 + int(parts[1]) * 60 + float(parts[2])
    except ValueError:
        return None


def resume_data(attempt: ContentPackage | ScormAttempt, package: ContentPackage, *, learner_id: str,
                learner_name: str, mastery: float | None) -> dict:
    """The ``cmi`` tree to load before the SCO starts: what it stored, marked as a resume when it left mid-way."""
    cmi = json.loads(json.dumps(attempt.cmi or {}))
    scorm12 = package.standard == "scorm12"
    started = bool(cmi)
    if scorm12:
        core = cmi.setdefault("core", {})
        for key in ("session_time", "exit"):
            core.pop(key, None)
        core["student_id"], core["student_name"] = learner_id, learner_name
        core["entry"] = "resume" if started and attempt.completion_status not in ("completed", "passed") else \
            ("" if started else "ab-initio")
        core["total_time"] = _clock(attempt.total_seconds, True)
        core.pop("credit", None)
        if mastery is not None:
            cmi.setdefault("student_data", {})["mastery_score"] = str(round(mastery * 100))
    else:
        for key in ("session_time", "exit"):
            cmi.pop(key, None)
        cmi["learner_id"], cmi["learner_name"] = learner_id, learner_name
        cmi["entry"] = "resume" if started and attempt.completion_status != "completed" else \
            ("" if started else "ab-initio")
        cmi["total_time"] = _clock(attempt.total_seconds, False)
        if mastery is not None:
            cmi["scaled_passing_score"] = str(mastery)
    return cmi


def _sco_done(attempt: ScormAttempt | None) -> bool:
    if attempt is None:
        return False
    return attempt.completion_status in ("completed", "passed") and attempt.success_status != "failed" \
        or attempt.success_status == "passed"


def _other_scos(attempt: ScormAttempt, package: ContentPackage) -> list:
    """The latest attempt at each other SCO of the package in this round (None where never opened):
    a package of several SCOs completes the lesson when every SCO is done (assets need nothing)."""
    others = []
    for index, sco in enumerate(package.structure["scos"]):
        if index == attempt.sco_index or sco.get("type") != "sco":
            continue
        others.append(db.session.scalar(select(ScormAttempt).where(
            ScormAttempt.package_id == package.id, ScormAttempt.user_id == attempt.user_id,
            ScormAttempt.enrolment_id == attempt.enrolment_id, ScormAttempt.round == attempt.round,
            ScormAttempt.sco_index == index).order_by(ScormAttempt.number.desc()).limit(1)))
    return others


def latest_attempts(package: ContentPackage, *, user_id: int, enrolment_id: int | None, round: int) -> dict:
    """The learner's latest attempt at each SCO of the package in this round, by SCO index."""
    latest: dict[int, ScormAttempt] = {}
    for attempt in db.session.scalars(select(ScormAttempt).where(
            ScormAttempt.package_id == package.id, ScormAttempt.user_id == user_id,
            ScormAttempt.enrolment_id == enrolment_id, ScormAttempt.round == round).order_by(ScormAttempt.number)):
        latest[attempt.sco_index] = attempt
    return latest


def sequencer_for(package: ContentPackage, *, user_id: int, enrolment_id: int | None, round: int) -> Sequencer:
    """The package's activity tree with the learner's runs applied (an opened SCO that reported
    nothing yet counts as attempted, with unknown statuses)."""
    runs = {index: run_from_cmi(a.completion_status, a.success_status, a.score_scaled, a.cmi)
            for index, a in latest_attempts(package, user_id=user_id, enrolment_id=enrolment_id,
                                            round=round).items()}
    return Sequencer(package.structure, runs)


def _items(value) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if "childArray" in value:
            return _items(value["childArray"])
        keys = sorted((k for k in value if str(k).isdigit()), key=int)
        return [value[k] for k in keys]
    return []


def commit(attempt: ScormAttempt, package: ContentPackage, payload: dict, *, now: datetime) -> ScormAttempt:
    """Keep a commit of the run-time data: statuses, score, time and interactions read out for reports."""
    if not isinstance(payload, dict):
        raise CommitRefused("A commit is a JSON object.")
    cmi = payload.get("cmi", payload)
    if not isinstance(cmi, dict) or len(json.dumps(cmi)) > MAX_COMMIT_BYTES:
        raise CommitRefused("The commit is not a cmi object of a sensible size.")
    scorm12 = package.standard == "scorm12"
    before = attempt.total_seconds
    if scorm12:
        core = cmi.get("core") or {}
        status = str(core.get("lesson_status") or "incomplete")
        attempt.completion_status = "completed" if status in ("completed", "passed", "failed") else status
        attempt.success_status = status if status in ("passed", "failed") else "unknown"
        score = core.get("score") or {}
        try:
            raw, top = float(score.get("raw")), float(score.get("max") or 100)
            attempt.score_scaled = round(raw / top, 4) if top else None
        except (TypeError, ValueError):
            pass
        session = _scorm12_seconds(core.get("session_time"))
        total = _scorm12_seconds(core.get("total_time"))
        exit_value = core.get("exit")
    else:
        attempt.completion_status = str(cmi.get("completion_status") or "unknown")
        attempt.success_status = str(cmi.get("success_status") or "unknown")
        try:
            attempt.score_scaled = float((cmi.get("score") or {}).get("scaled"))
        except (TypeError, ValueError):
            pass
        session = duration_seconds(cmi.get("session_time"))
        total = duration_seconds(cmi.get("total_time"))
        exit_value = cmi.get("exit")
    # The player sends total_time (stored total plus this session) with every commit.
    if total is not None and total >= before:
        attempt.total_seconds = min(int(total), before + 12 * 3600)
    elif session is not None and payload.get("terminate"):
        attempt.total_seconds = before + min(int(session), 12 * 3600)
    attempt.interactions = _items(cmi.get("interactions"))[:500]
    attempt.suspended = exit_value == "suspend"
    if payload.get("terminate") or exit_value in ("normal", "logout", "") and payload.get("finished"):
        attempt.finished_at = now
    attempt.cmi = cmi
    attempt.commits += 1
    attempt.updated_at = now
    db.session.flush()
    if package.standard == "scorm2004":
        done = sequencer_for(package, user_id=attempt.user_id, enrolment_id=attempt.enrolment_id,
                             round=attempt.round).is_done()
    else:
        done = _sco_done(attempt) and all(_sco_done(other) for other in _other_scos(attempt, package))
    outcome.send(attempt.lesson_id, user_id=attempt.user_id, enrolment_id=attempt.enrolment_id, completed=done,
                 seconds=max(attempt.total_seconds - before, 0), now=now)
    return attempt
