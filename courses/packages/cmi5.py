"""The LMS side of cmi5: registrations, sessions and launch, the fetch URL, the LMS's own statements
(launched, satisfied, waived, abandoned), and the rules an AU's statements must follow.

Requirement ids (``9.3.0.0-4`` …) are the cmi5 specification's, as ADL's LMS test suite names them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select

from courses.packages import lrs
from courses.packages.models import Cmi5Registration, Cmi5Session, ContentPackage
from courses.packages.signals import outcome
from courses.packages.xapi import (AU_DEFINED, CMI5_CATEGORY, EXT, LMS_ONLY, MASTERY_EXT, MOVEON_CATEGORY,
                                   REASON_EXT, SESSION_EXT, VERB_NAMES, VERBS, WAIVE_REASONS, XapiError, categories,
                                   duration_seconds, is_utc_timestamp, iso_duration, same_agent, stamp)
from lms.extensions import db

LAUNCH_MODES = ("Normal", "Browse", "Review")
SESSION_MAX_AGE = timedelta(hours=24)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def au_activity_id(package: ContentPackage, index: int) -> str:
    return f"{package.lms_iri}/au/{index}"


def block_iri(package: ContentPackage, index: int) -> str:
    return f"{package.lms_iri}/block/{index}"


def _au(package: ContentPackage, index: int) -> dict:
    aus = package.aus
    if not 0 <= index < len(aus):
        raise LookupError("No such AU.")
    return aus[index]


# --- LMS statements ------------------------------------------------------------------------------


def _lms_statement(registration: Cmi5Registration, verb: str, obj: dict, session_id: str, *, now: datetime,
                   public_url: str, result: dict | None = None, extensions: dict | None = None,
                   extra_categories=(), grouping: list | None = None):
    context = {"registration": registration.id,
               "contextActivities": {"category": [{"id": CMI5_CATEGORY}] + [{"id": c} for c in extra_categories]},
               "extensions": {SESSION_EXT: session_id, **(extensions or {})}}
    if grouping:
        context["contextActivities"]["grouping"] = grouping
    statement = {"id": lrs.new_statement_id(), "timestamp": stamp(now), "actor": registration.actor,
                 "verb": {"id": VERBS[verb], "display": {"en-US": verb}}, "object": obj, "context": context}
    if result is not None:
        statement["result"] = result
    return lrs.store_statement(statement, now=now, public_url=public_url)


def _au_satisfied(au: dict, state: dict) -> bool:
    if state.get("waived") or au["move_on"] == "NotApplicable":
        return True
    done, passed = bool(state.get("completed")), bool(state.get("passed"))
    return {"Completed": done, "Passed": passed, "CompletedAndPassed": done and passed,
            "CompletedOrPassed": done or passed}[au["move_on"]]


def _evaluate(registration: Cmi5Registration, package: ContentPackage, session_id: str, *, now: datetime,
              public_url: str) -> None:
    """Issue ``satisfied`` for each block and the course whose moveOn criteria are now all met (9.3.9)."""
    structure = package.structure
    states = registration.au_state or {}
    done = list(registration.satisfied_ids or [])

    def child_satisfied(kind: str, index: int) -> bool:
        if kind == "au":
            return _au_satisfied(structure["aus"][index], states.get(str(index), {}))
        return block_iri(package, index) in done

    changed = False
    for index in reversed(range(len(structure["blocks"]))):  # children are listed after their parents
        block = structure["blocks"][index]
        iri = block_iri(package, index)
        if iri not in done and all(child_satisfied(k, i) for k, i in block["children"]):
            _lms_statement(registration, "satisfied",
                           {"objectType": "Activity", "id": iri,
                            "definition": {"type": "https://w3id.org/xapi/cmi5/activitytype/block"}},
                           session_id, now=now, public_url=public_url, grouping=[{"id": block["id"]}])
            done.append(iri)
            changed = True
    if package.lms_iri not in done and all(child_satisfied(k, i) for k, i in structure["top"]):
        _lms_statement(registration, "satisfied",
                       {"objectType": "Activity", "id": package.lms_iri,
                        "definition": {"type": "https://w3id.org/xapi/cmi5/activitytype/course"}},
                       session_id, now=now, public_url=public_url, grouping=[{"id": structure["course"]["id"]}])
        done.append(package.lms_iri)
        registration.satisfied_at = now
        changed = True
    if changed:
        registration.satisfied_ids = done
        db.session.flush()
        if registration.satisfied_at == now:
            outcome.send(registration.lesson_id, user_id=registration.user_id,
                         enrolment_id=registration.enrolment_id, completed=True, seconds=0, now=now)


def _set_state(registration: Cmi5Registration, index: int, **changes) -> dict:
    states = {k: dict(v) for k, v in (registration.au_state or {}).items()}
    states.setdefault(str(index), {}).update(changes)
    registration.au_state = states
    return states[str(index)]


# --- registrations and launch --------------------------------------------------------------------


def registration_for(package: ContentPackage, *, actor: dict, now: datetime, public_url: str,
                     registration_id: str | None = None, user_id: int | None = None, lesson_id: int | None = None,
                     enrolment_id: int | None = None, round: int = 1) -> Cmi5Registration:
    """The registration to launch under: the one named (if it is this package's and actor's) or a new one.

    A new registration satisfies at once every AU whose moveOn is NotApplicable (9.6.1.1-3).
    """
    if registration_id:
        try:
            registration_id = str(uuid.UUID(registration_id))
        except ValueError:
            raise XapiError("The registration is not a UUID.", 400) from None
        existing = db.session.get(Cmi5Registration, registration_id)
        if existing is not None:
            if existing.package_id != package.id or not same_agent(existing.actor, actor):
                raise XapiError("That registration belongs to another course or learner.", 403)
            return existing
    registration = Cmi5Registration(id=registration_id or str(uuid.uuid4()), package_id=package.id, actor=actor,
                                    user_id=user_id, lesson_id=lesson_id, enrolment_id=enrolment_id, round=round,
                                    au_state={}, satisfied_ids=[], created_at=now)
    db.session.add(registration)
    db.session.flush()
    if any(au["move_on"] == "NotApplicable" for au in package.aus):
        _evaluate(registration, package, str(uuid.uuid4()), now=now, public_url=public_url)
    return registration


def au_url(package: ContentPackage, au: dict, content_base: str) -> str:
    """The AU's own URL: absolute as the package gives it, or under the package's sandboxed content path."""
    if not au.get("relative"):
        return au["url"]
    return f"{content_base.rstrip('/')}/{package.storage_key}/{au['url']}"


def launch(registration: Cmi5Registration, package: ContentPackage, au_index: int, *, launch_mode: str,
           base_url: str, content_base: str, return_url: str | None, now: datetime,
           public_url: str) -> tuple[Cmi5Session, str]:
    """Start a session: abandon any open one, write LMS.LaunchData, issue ``launched``; return the launch URL."""
    au = _au(package, au_index)
    if launch_mode not in LAUNCH_MODES:
        raise XapiError("launchMode must be Normal, Browse or Review.", 400)
    for open_session in db.session.scalars(select(Cmi5Session).where(
            Cmi5Session.registration_id == registration.id, Cmi5Session.au_index == au_index,
            Cmi5Session.terminated_at.is_(None), Cmi5Session.abandoned_at.is_(None))):
        abandon(open_session, now=now, public_url=public_url)
    fetch_token = secrets.token_urlsafe(32)
    session = Cmi5Session(id=str(uuid.uuid4()), registration_id=registration.id, au_index=au_index,
                          launch_mode=launch_mode, fetch_token_hash=_hash(fetch_token), launched_at=now,
                          last_seen_at=now)
    db.session.add(session)
    activity_id = au_activity_id(package, au_index)
    plain_url = au_url(package, au, content_base)
    extensions = {EXT + "launchmode": launch_mode, EXT + "launchurl": plain_url, EXT + "moveon": au["move_on"]}
    template_ext = {SESSION_EXT: session.id}
    if au.get("launch_parameters") is not None:
        extensions[EXT + "launchparameters"] = au["launch_parameters"]
    if au.get("mastery_score") is not None:
        extensions[MASTERY_EXT] = au["mastery_score"]
        template_ext[MASTERY_EXT] = au["mastery_score"]
    launch_data = {"contextTemplate": {"contextActivities": {"grouping": [{"id": au["id"]}]},
                                       "extensions": template_ext},
                   "launchMode": launch_mode, "moveOn": au["move_on"]}
    if au.get("launch_parameters") is not None:
        launch_data["launchParameters"] = au["launch_parameters"]
    if au.get("mastery_score") is not None:
        launch_data["masteryScore"] = au["mastery_score"]
    if au.get("entitlement_key") is not None:
        launch_data["entitlementKey"] = {"courseStructure": au["entitlement_key"]}
    if return_url:
        launch_data["returnURL"] = return_url
    lrs.put_document("state", _agent_key(registration), "LMS.LaunchData", json.dumps(launch_data).encode(),
                     "application/json", now=now, activity_id=activity_id, registration=registration.id)
    _lms_statement(registration, "launched",
                   {"objectType": "Activity", "id": activity_id}, session.id, now=now, public_url=public_url,
                   extensions=extensions, grouping=[{"id": au["id"]}])
    parts = urlsplit(plain_url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [
        ("endpoint", f"{base_url.rstrip('/')}/xapi"), ("fetch", f"{base_url.rstrip('/')}/cmi5/fetch/{fetch_token}"),
        ("actor", json.dumps(registration.actor, separators=(",", ":"))), ("registration", registration.id),
        ("activityId", activity_id)]
    return session, urlunsplit(parts._replace(query=urlencode(query)))


def _agent_key(registration: Cmi5Registration) -> str:
    from courses.packages.xapi import agent_key
    return agent_key(registration.actor)


def fetch(token: str, *, now: datetime) -> dict:
    """The fetch URL (8.2): an auth token the first time, then only an error code (8.2.3)."""
    session = db.session.scalar(select(Cmi5Session).where(Cmi5Session.fetch_token_hash == _hash(token or "")))
    if session is None:
        return {"error-code": "3", "error-text": "Unknown launch."}
    if session.fetch_used_at is not None:
        return {"error-code": "1", "error-text": "Already used: the token is handed out once."}
    if session.terminated_at or session.abandoned_at or now - session.launched_at > SESSION_MAX_AGE:
        return {"error-code": "2", "error-text": "This launch has expired."}
    secret = secrets.token_urlsafe(32)
    session.fetch_used_at = now
    session.auth_token_hash = _hash(secret)
    db.session.flush()
    token_value = base64.b64encode(f"{session.id}:{secret}".encode()).decode()
    return {"auth-token": token_value}


def session_for_token(token: str, *, now: datetime) -> Cmi5Session | None:
    """The live session an AU's auth token belongs to; None once it has terminated, been abandoned or expired."""
    try:
        session_id, _, secret = base64.b64decode(token, validate=True).decode().partition(":")
        session_id = str(uuid.UUID(session_id))
    except (ValueError, UnicodeDecodeError):
        return None
    session = db.session.get(Cmi5Session, session_id)
    if session is None or not session.auth_token_hash or not hmac.compare_digest(session.auth_token_hash,
                                                                                 _hash(secret)):
        return None
    if session.terminated_at or session.abandoned_at or now - session.launched_at > SESSION_MAX_AGE:
        return None
    return session


def session_context(session: Cmi5Session):
    registration = db.session.get(Cmi5Registration, session.registration_id)
    package = db.session.get(ContentPackage, registration.package_id)
    return registration, package


# --- what an AU may send -------------------------------------------------------------------------


def _refuse(requirement: str, message: str):
    raise XapiError(f"{message} (cmi5 {requirement})", 403)


def check_au_statement(session: Cmi5Session, statement: dict) -> str:
    """Refuse (403) a statement the AU may not make in this session; return the verb's cmi5 name or ''."""
    registration, package = session_context(session)
    au = _au(package, session.au_index)
    state = (registration.au_state or {}).get(str(session.au_index), {})
    verb = VERB_NAMES.get(statement["verb"]["id"], "")
    actor = statement["actor"]
    if actor.get("objectType", "Agent") != "Agent":
        _refuse("9.2.0.0-2", "The actor must be an Agent.")
    if "account" not in actor or not same_agent(actor, registration.actor):
        _refuse("9.2.0.0-3", "The actor must be the account the LMS launched with.")
    if not is_utc_timestamp(statement.get("timestamp")):
        _refuse("9.7.0.0-1", "Statements need a timestamp in UTC.")
    if verb == "voided":
        _refuse("6.3.0.0-1", "An AU may not void statements.")
    if verb in LMS_ONLY:
        _refuse("9.3.0.0-1", f"Only the LMS issues {verb}.")
    ctx = statement.get("context")
    if not isinstance(ctx, dict):
        _refuse("9.6.0.0-1", "Statements need a context.")
    if ctx.get("registration") != registration.id:
        _refuse("9.6.1.0-1", "The context registration must be the launch's.")
    if (ctx.get("extensions") or {}).get(SESSION_EXT) != session.id:
        _refuse("9.6.3.1-4", "The context must carry this session's id.")
    cats = categories(statement)
    if MOVEON_CATEGORY in cats and verb not in ("completed", "passed", "failed"):
        _refuse("9.6.2.2-2", "Only completed, passed and failed carry the moveOn category.")
    if session.initialized_at is None and verb != "initialized":
        _refuse("9.3.0.0-4", "The first statement of a session must be initialized.")
    result = statement.get("result") or {}
    score = result.get("score")
    if score is not None:
        if not isinstance(score, dict):
            raise XapiError("The score must be an object.", 400)
        if "raw" in score and ("min" not in score or "max" not in score):
            _refuse("9.5.1.0-3", "A raw score needs min and max.")
        scaled = score.get("scaled")
        if scaled is not None and (not isinstance(scaled, (int, float)) or not -1 <= scaled <= 1):
            raise XapiError("The scaled score must be between -1 and 1.", 400)
    if verb not in AU_DEFINED:
        return verb
    if statement["object"].get("id") != au_activity_id(package, session.au_index):
        _refuse("8.1.5.0-6", "The object must be the activityId the LMS launched with.")
    if CMI5_CATEGORY not in cats:
        _refuse("9.6.2.1-1", "cmi5 defined statements carry the cmi5 category.")
    if verb in ("completed", "passed", "failed") and MOVEON_CATEGORY not in cats:
        _refuse("9.6.2.2-1", f"{verb} must carry the moveOn category.")
    if verb != "completed" and "completion" in result:
        _refuse("9.5.3.0-2", f"{verb} may not carry completion.")
    if verb not in ("passed", "failed") and "success" in result:
        _refuse("9.5.2.0-3", f"{verb} may not carry success.")
    if verb in ("completed", "passed", "failed"):
        if session.launch_mode != "Normal":
            _refuse("10.2.2.0-2", f"No {verb} in {session.launch_mode} mode.")
        if duration_seconds(result.get("duration")) is None:
            _refuse("9.5.4.1-2", f"{verb} needs a result duration.")
    if verb == "initialized":
        if session.initialized_at is not None:
            _refuse("9.3.2.0-3", "initialized only once per session.")
        if not session.prefs_read:
            _refuse("11.0.0.0-3", "Read the learner preferences before initialized.")
    elif verb == "terminated":
        if duration_seconds(result.get("duration")) is None:
            _refuse("9.5.4.1-1", "terminated needs a result duration.")
    elif verb == "completed":
        if result.get("completion") is not True:
            _refuse("9.5.3.0-1", "completed carries completion true.")
        if score is not None:
            _refuse("9.5.1.0-2", "completed carries no score.")
        if state.get("completed"):
            _refuse("9.3.0.0-6", "This registration is already completed.")
    else:  # passed | failed
        if result.get("success") is not (verb == "passed"):
            _refuse("9.5.2.0-1", f"{verb} carries success {'true' if verb == 'passed' else 'false'}.")
        if session.passed_or_failed:
            _refuse("9.3.0.0-3", "Only one of passed and failed per session.")
        if state.get("passed"):
            _refuse("9.3.0.0-7", "This registration is already passed.")
        mastery = au.get("mastery_score")
        if mastery is not None:
            if (ctx.get("extensions") or {}).get(MASTERY_EXT) != mastery:
                _refuse("9.6.3.2-2", "passed and failed carry the LMS's masteryScore.")
            scaled = (score or {}).get("scaled")
            if scaled is not None and verb == "passed" and scaled < mastery:
                _refuse("9.3.4.0-2", "A passed score must reach the masteryScore.")
            if scaled is not None and verb == "failed" and scaled >= mastery:
                _refuse("9.3.5.0-2", "A failed score must be below the masteryScore.")
    return verb


def apply_au_statement(session: Cmi5Session, verb: str, statement: dict, *, now: datetime,
                       public_url: str) -> None:
    """What an accepted AU statement changes: the session's course, the AU's state, satisfaction."""
    registration, package = session_context(session)
    session.last_seen_at = now
    result = statement.get("result") or {}
    if verb == "initialized":
        session.initialized_at = now
    elif verb == "completed":
        _set_state(registration, session.au_index, completed=True, completed_at=stamp(now))
    elif verb in ("passed", "failed"):
        session.passed_or_failed = verb
        scaled = (result.get("score") or {}).get("scaled")
        _set_state(registration, session.au_index, **{verb: True, "score": scaled, f"{verb}_at": stamp(now)})
    elif verb == "terminated":
        session.terminated_at = now
        seconds = duration_seconds(result.get("duration")) or (now - session.launched_at).total_seconds()
        session.duration_seconds = int(seconds)
        outcome.send(registration.lesson_id, user_id=registration.user_id, enrolment_id=registration.enrolment_id,
                     completed=False, seconds=int(seconds), now=now)
    db.session.flush()
    if verb in ("completed", "passed"):
        _evaluate(registration, package, session.id, now=now, public_url=public_url)


# --- LMS actions ---------------------------------------------------------------------------------


def abandon(session: Cmi5Session, *, now: datetime, public_url: str) -> None:
    """Close a session the AU never terminated, with an ``abandoned`` statement (9.3.6)."""
    if session.terminated_at or session.abandoned_at:
        return
    registration, package = session_context(session)
    session.abandoned_at = now
    seconds = (max(session.last_seen_at or session.launched_at, session.launched_at) - session.launched_at)
    seconds = max(seconds.total_seconds(), (now - session.launched_at).total_seconds())
    _lms_statement(registration, "abandoned", {"objectType": "Activity", "id": au_activity_id(package, session.au_index)},
                   session.id, now=now, public_url=public_url, result={"duration": iso_duration(seconds)})
    session.duration_seconds = int(seconds)
    db.session.flush()


def waive(registration: Cmi5Registration, au_index: int, reason: str, *, now: datetime, public_url: str) -> None:
    """Waive an AU that is not yet satisfied (9.3.7): ``waived``, then any ``satisfied`` it brings."""
    package = db.session.get(ContentPackage, registration.package_id)
    au = _au(package, au_index)
    if reason not in WAIVE_REASONS:
        raise XapiError(f"The reason must be one of: {', '.join(WAIVE_REASONS)}.", 400)
    state = (registration.au_state or {}).get(str(au_index), {})
    if _au_satisfied(au, state):
        raise XapiError("That AU is already satisfied.", 409)
    session_id = str(uuid.uuid4())
    _lms_statement(registration, "waived", {"objectType": "Activity", "id": au_activity_id(package, au_index)},
                   session_id, now=now, public_url=public_url, extra_categories=[MOVEON_CATEGORY],
                   result={"success": True, "completion": True, "extensions": {REASON_EXT: reason}},
                   grouping=[{"id": au["id"]}])
    _set_state(registration, au_index, waived=True, waived_reason=reason)
    db.session.flush()
    _evaluate(registration, package, session_id, now=now, public_url=public_url)
