"""The xAPI LRS (``/xapi``) and the cmi5 fetch URL (``/cmi5/fetch/<token>``).

Two kinds of caller: an AU holding the auth token its fetch URL gave it (Basic or Bearer), held
to the cmi5 rules of its one session; and the administrator credential (``XAPI_ADMIN_KEY`` /
``XAPI_ADMIN_SECRET``), which may read everything. Answers carry CORS headers for any origin:
AUs run from the sandboxed content path, an opaque origin, and send no cookies.
"""

from __future__ import annotations

import json

from flask import Response, g, jsonify, request

from courses.packages import cmi5, lrs
from courses.packages.lrs import check_statement_shape
from courses.packages.views.common import CORS_HEADERS, error_response, is_admin, now, public_url
from courses.packages.xapi import VERSION, XapiError, agent_key, parse_agent, parse_timestamp, same_agent
from courses.packages import lrs_bp
from lms.unit_of_work import keep_on_error

LEARNER_PREFS = "cmi5LearnerPreferences"
LAUNCH_DATA = "LMS.LaunchData"


@lrs_bp.after_request
def _headers(response: Response) -> Response:
    for name, value in CORS_HEADERS.items():
        response.headers[name] = value
    if request.path.startswith("/xapi"):
        response.headers["X-Experience-API-Version"] = VERSION
    return response


@lrs_bp.errorhandler(XapiError)
def _xapi_error(exc: XapiError):
    return error_response(exc)


def _caller():
    """('admin', None) or ('session', the live cmi5 session); 401 otherwise."""
    header = request.headers.get("Authorization", "")
    if is_admin(header):
        return "admin", None
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("basic", "bearer") and value.strip():
        session = cmi5.session_for_token(value.strip(), now=now())
        if session is not None:
            return "session", session
    raise XapiError("Authentication required (the AU's fetched token or the LRS credential).", 401)


def _version() -> None:
    value = request.headers.get("X-Experience-API-Version", "")
    if not value.startswith("1.0"):
        raise XapiError("X-Experience-API-Version 1.0.x is required.", 400)


def _start():
    who = _caller()
    _version()
    return who


@lrs_bp.route("/xapi/about")
def about():
    return jsonify(version=["1.0.3", "1.0.2", "1.0.1", "1.0.0"], extensions={})


# --- statements ----------------------------------------------------------------------------------


def _json_body():
    try:
        return json.loads(request.get_data(cache=False) or b"null")
    except ValueError:
        raise XapiError("The body is not JSON.", 400) from None


def _accept(statement, kind: str, session, *, statement_id: str | None = None) -> str:
    check_statement_shape(statement)
    if statement_id is not None:
        if "id" in statement and str(statement["id"]).lower() != statement_id.lower():
            raise XapiError("The statementId and the statement's id differ.", 400)
        statement["id"] = statement_id
    if kind == "session":
        if "id" not in statement:
            raise XapiError("An AU's statements carry their own id (cmi5 9.1.0.0-1).", 403)
        verb = cmi5.check_au_statement(session, statement)
        row = lrs.store_statement(statement, now=now(), public_url=public_url())
        cmi5.apply_au_statement(session, verb, statement, now=now(), public_url=public_url())
        return row.statement_id
    statement.setdefault("id", lrs.new_statement_id())
    return lrs.store_statement(statement, now=now(), public_url=public_url()).statement_id


@lrs_bp.route("/xapi/statements", methods=["GET", "PUT", "POST", "HEAD"])
def statements():
    kind, session = _start()
    if request.method in ("GET", "HEAD"):
        if kind != "admin":
            params = request.args.to_dict()
            # An AU reads its own registration's statements only.
            registration, _ = cmi5.session_context(session)
            if params.get("registration") and params["registration"] != registration.id:
                raise XapiError("An AU reads its own registration only.", 403)
            params["registration"] = registration.id
        else:
            params = request.args.to_dict()
        response = jsonify(lrs.find_statements(params))
        response.headers["X-Experience-API-Consistent-Through"] = now().isoformat()
        return response
    body = _json_body()
    if request.method == "PUT":
        statement_id = request.args.get("statementId")
        if not statement_id:
            raise XapiError("PUT needs a statementId.", 400)
        if not isinstance(body, dict):
            raise XapiError("PUT takes one statement.", 400)
        _accept(body, kind, session, statement_id=statement_id)
        return Response(status=204)
    items = body if isinstance(body, list) else [body]
    if not items or (kind == "session" and len(items) > 50):
        raise XapiError("POST one statement or a list of them.", 400)
    return jsonify([_accept(item, kind, session) for item in items])


# --- documents -----------------------------------------------------------------------------------


def _agent_for(kind: str, session):
    agent = parse_agent(request.args.get("agent"))
    key = agent_key(agent)
    if kind == "session":
        registration, _ = cmi5.session_context(session)
        if not same_agent(agent, registration.actor):
            raise XapiError("An AU reads and writes its own learner's documents only (cmi5 11.0.0.0-1).", 403)
    return key


def _document_response(doc):
    response = Response(doc.body, content_type=doc.content_type)
    response.headers["ETag"] = f'"{doc.etag}"'
    response.headers["Last-Modified"] = doc.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response


def _since():
    if not request.args.get("since"):
        return None
    moment = parse_timestamp(request.args["since"])
    if moment is None:
        raise XapiError("since is not a timestamp.", 400)
    return moment


@lrs_bp.route("/xapi/activities/state", methods=["GET", "PUT", "POST", "DELETE", "HEAD"])
def state():
    kind, session = _start()
    key = _agent_for(kind, session)
    activity_id = request.args.get("activityId") or ""
    if not activity_id:
        raise XapiError("activityId is required.", 400)
    registration = request.args.get("registration") or ""
    state_id = request.args.get("stateId")
    where = dict(activity_id=activity_id[:500], registration=registration[:36])
    if request.method in ("GET", "HEAD"):
        if state_id is None:
            return jsonify(lrs.list_document_ids("state", key, since=_since(), **where))
        doc = lrs.get_document("state", key, state_id, **where)
        if doc is None:
            raise XapiError("No such state document.", 404)
        return _document_response(doc)
    if kind == "session" and state_id in (LAUNCH_DATA, None):
        raise XapiError("The AU may not change LMS.LaunchData (cmi5 10.2.1.0-5).", 403)
    if request.method == "DELETE":
        lrs.delete_documents("state", key, state_id, **where)
        return Response(status=204)
    if not state_id:
        raise XapiError("stateId is required.", 400)
    lrs.put_document("state", key, state_id, request.get_data(), request.content_type or "", now=now(),
                     merge=request.method == "POST", **where)
    return Response(status=204)


def _check_learner_prefs(body: bytes, content_type: str) -> None:
    """cmi5 11: a JSON object with languagePreference (RFC 5646 tags, comma-separated) and audioPreference."""
    if (content_type or "").split(";")[0].strip() != "application/json":
        raise XapiError("cmi5LearnerPreferences is a JSON document (cmi5 11.0.0.0-5).", 403)
    try:
        prefs = json.loads(body)
    except ValueError:
        raise XapiError("cmi5LearnerPreferences is a JSON object (cmi5 11.0.0.0-5).", 403) from None
    if not isinstance(prefs, dict) or "languagePreference" not in prefs or "audioPreference" not in prefs:
        raise XapiError("cmi5LearnerPreferences needs languagePreference and audioPreference (cmi5 11.0.0.0-5).",
                        403)
    import re
    tags = prefs["languagePreference"]
    tag = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
    if not isinstance(tags, str) or not tags or not all(tag.match(t) for t in tags.split(",")):
        raise XapiError("languagePreference is a comma-separated list of language tags (cmi5 11.1.0.0-1).", 403)
    if prefs["audioPreference"] not in ("on", "off"):
        raise XapiError("audioPreference is on or off (cmi5 11.2.0.0-1).", 403)


@lrs_bp.route("/xapi/agents/profile", methods=["GET", "PUT", "POST", "DELETE", "HEAD"])
def agent_profile():
    kind, session = _start()
    key = _agent_for(kind, session)
    profile_id = request.args.get("profileId")
    if request.method in ("GET", "HEAD"):
        if profile_id is None:
            return jsonify(lrs.list_document_ids("agent_profile", key, since=_since()))
        if kind == "session" and profile_id == LEARNER_PREFS:
            session.prefs_read = True  # cmi5 11.0.0.0-3: read before initialized
            keep_on_error()
        doc = lrs.get_document("agent_profile", key, profile_id)
        if doc is None:
            raise XapiError("No such profile document.", 404)
        return _document_response(doc)
    if not profile_id:
        raise XapiError("profileId is required.", 400)
    if request.method == "DELETE":
        lrs.delete_documents("agent_profile", key, profile_id)
        return Response(status=204)
    body = request.get_data()
    if profile_id == LEARNER_PREFS:
        _check_learner_prefs(body, request.content_type or "")
    lrs.put_document("agent_profile", key, profile_id, body, request.content_type or "", now=now(),
                     merge=request.method == "POST")
    return Response(status=204)


# --- cmi5 fetch ----------------------------------------------------------------------------------


@lrs_bp.route("/cmi5/fetch/<token>", methods=["POST"])
def fetch(token: str):
    """cmi5 8.2: the auth token once; afterwards 200 with an error-code, never the token again."""
    answer = cmi5.fetch(token[:200], now=now())
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response
