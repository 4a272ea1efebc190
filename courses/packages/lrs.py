"""The embedded LRS: statements and documents (State, Agent Profile) kept in the app's database.

Plain functions over data; the views parse the HTTP request, authenticate and call these.
Statements are stored verbatim with the LRS's own ``stored``, ``authority`` and ``version``;
the row id orders them as stored, which is what ``ascending`` means here.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime

from sqlalchemy import delete, select

from courses.packages.models import XapiDocument, XapiStatement
from courses.packages.xapi import VERBS, XapiError, agent_key, parse_timestamp, stamp
from lms.extensions import db

AUTHORITY_NAME = "continuum-lrs"
MAX_LIMIT = 500


def _uuid(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise XapiError(f"{str(value)[:60]!r} is not a UUID.", 400) from None


def check_statement_shape(statement) -> None:
    """The xAPI structure every statement needs, whoever sends it (400 when it lacks it)."""
    if not isinstance(statement, dict):
        raise XapiError("A statement must be a JSON object.", 400)
    for key in ("actor", "verb", "object"):
        if not isinstance(statement.get(key), dict):
            raise XapiError(f"A statement needs an {key} object.", 400)
    if not isinstance(statement["verb"].get("id"), str) or ":" not in statement["verb"]["id"]:
        raise XapiError("The verb needs an IRI id.", 400)
    actor = statement["actor"]
    if actor.get("objectType", "Agent") not in ("Agent", "Group"):
        raise XapiError("The actor must be an Agent or a Group.", 400)
    if actor.get("objectType", "Agent") == "Agent":
        agent_key(actor)
    if "id" in statement:
        _uuid(statement["id"])
    ctx = statement.get("context")
    if ctx is not None and not isinstance(ctx, dict):
        raise XapiError("The context must be an object.", 400)
    if ctx and "registration" in ctx:
        _uuid(ctx["registration"])
    result = statement.get("result")
    if result is not None and not isinstance(result, dict):
        raise XapiError("The result must be an object.", 400)
    if "timestamp" in statement and parse_timestamp(statement["timestamp"]) is None:
        raise XapiError("The timestamp is not an ISO 8601 date and time.", 400)


def _authority(public_url: str) -> dict:
    return {"objectType": "Agent", "account": {"homePage": public_url, "name": AUTHORITY_NAME}}


def store_statement(statement: dict, *, now: datetime, public_url: str) -> XapiStatement:
    """Store one statement (its id already set); the same statement twice is a no-op, a different one 409."""
    statement_id = _uuid(statement["id"])
    statement["id"] = statement_id
    existing = db.session.scalar(select(XapiStatement).where(XapiStatement.statement_id == statement_id))
    if existing is not None:
        mine = {k: v for k, v in existing.body.items() if k not in ("stored", "authority", "version")}
        theirs = {k: v for k, v in statement.items() if k not in ("stored", "authority", "version")}
        if mine.get("timestamp") and "timestamp" not in theirs:
            theirs["timestamp"] = mine["timestamp"]
        if json.dumps(mine, sort_keys=True) != json.dumps(theirs, sort_keys=True):
            raise XapiError(f"A different statement with id {statement_id} is already stored.", 409)
        return existing
    body = dict(statement)
    body["stored"] = stamp(now)
    body.setdefault("timestamp", body["stored"])
    body["authority"] = _authority(public_url)
    body.setdefault("version", "1.0.0")
    obj = body["object"]
    actor = body["actor"]
    row = XapiStatement(statement_id=statement_id, registration=(body.get("context") or {}).get("registration"),
                        verb_id=body["verb"]["id"][:300],
                        activity_id=(obj.get("id") if obj.get("objectType", "Activity") == "Activity" else None),
                        agent_key=agent_key(actor) if actor.get("objectType", "Agent") == "Agent" else "group",
                        body=body, stored_at=now)
    db.session.add(row)
    if body["verb"]["id"] == VERBS["voided"] and obj.get("objectType") == "StatementRef":
        target = db.session.scalar(select(XapiStatement).where(XapiStatement.statement_id == _uuid(obj.get("id"))))
        if target is not None and target.verb_id != VERBS["voided"]:
            target.voided = True
    db.session.flush()
    from courses.packages import forwarding  # the organisation's own LRS, if it has one

    forwarding.queue_statement(row, now=now)
    return row


def new_statement_id() -> str:
    return str(uuid.uuid4())


def find_statements(params: dict) -> dict:
    """GET /statements: one by id, or a filtered list (registration, agent, verb, activity, since, until)."""
    if params.get("statementId") or params.get("voidedStatementId"):
        voided = bool(params.get("voidedStatementId"))
        sid = _uuid(params.get("voidedStatementId") or params.get("statementId"))
        row = db.session.scalar(select(XapiStatement).where(XapiStatement.statement_id == sid))
        if row is None or row.voided != voided:
            raise XapiError("No such statement.", 404)
        return row.body
    query = select(XapiStatement).where(XapiStatement.voided.is_(False))
    if params.get("registration"):
        query = query.where(XapiStatement.registration == _uuid(params["registration"]))
    if params.get("agent"):
        from courses.packages.xapi import parse_agent
        query = query.where(XapiStatement.agent_key == agent_key(parse_agent(params["agent"])))
    if params.get("verb"):
        query = query.where(XapiStatement.verb_id == params["verb"])
    if params.get("activity"):
        query = query.where(XapiStatement.activity_id == params["activity"])
    for name, op in (("since", "gt"), ("until", "le")):
        if params.get(name):
            moment = parse_timestamp(params[name])
            if moment is None:
                raise XapiError(f"{name} is not a timestamp.", 400)
            column = XapiStatement.stored_at
            query = query.where(column > moment if op == "gt" else column <= moment)
    try:
        limit = int(params.get("limit") or 0)
    except ValueError:
        raise XapiError("limit must be a whole number.", 400) from None
    limit = MAX_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
    ascending = str(params.get("ascending", "false")).lower() == "true"
    query = query.order_by(XapiStatement.id.asc() if ascending else XapiStatement.id.desc()).limit(limit)
    return {"statements": [row.body for row in db.session.scalars(query)], "more": ""}


# --- documents ---------------------------------------------------------------------------------------


def _doc_query(kind: str, key: str, activity_id: str, registration: str):
    return select(XapiDocument).where(XapiDocument.kind == kind, XapiDocument.agent_key == key,
                                      XapiDocument.activity_id == activity_id,
                                      XapiDocument.registration == registration)


def get_document(kind: str, key: str, doc_id: str, *, activity_id: str = "", registration: str = ""):
    return db.session.scalar(_doc_query(kind, key, activity_id, registration).where(XapiDocument.doc_id == doc_id))


def list_document_ids(kind: str, key: str, *, activity_id: str = "", registration: str = "",
                      since: datetime | None = None) -> list[str]:
    query = _doc_query(kind, key, activity_id, registration)
    if since is not None:
        query = query.where(XapiDocument.updated_at > since)
    return [d.doc_id for d in db.session.scalars(query.order_by(XapiDocument.id))]


def etag_of(body: bytes) -> str:
    return hashlib.sha1(body).hexdigest()


def put_document(kind: str, key: str, doc_id: str, body: bytes, content_type: str, *, now: datetime,
                 activity_id: str = "", registration: str = "", merge: bool = False) -> XapiDocument:
    """PUT replaces; POST (``merge``) merges JSON objects' top-level properties, as xAPI says."""
    doc = get_document(kind, key, doc_id, activity_id=activity_id, registration=registration)
    content_type = (content_type or "application/octet-stream").split(";")[0].strip()[:100]
    if merge and doc is not None:
        try:
            old, new = json.loads(doc.body), json.loads(body)
        except ValueError:
            raise XapiError("POST merges JSON documents only.", 400) from None
        if not isinstance(old, dict) or not isinstance(new, dict) or content_type != "application/json":
            raise XapiError("POST merges JSON objects only.", 400)
        old.update(new)
        body = json.dumps(old).encode()
    if doc is None:
        doc = XapiDocument(kind=kind, agent_key=key, activity_id=activity_id, registration=registration,
                           doc_id=doc_id[:300])
        db.session.add(doc)
    doc.body, doc.content_type, doc.etag, doc.updated_at = body, content_type, etag_of(body), now
    db.session.flush()
    return doc


def delete_documents(kind: str, key: str, doc_id: str | None, *, activity_id: str = "", registration: str = "") -> None:
    query = delete(XapiDocument).where(XapiDocument.kind == kind, XapiDocument.agent_key == key,
                                       XapiDocument.activity_id == activity_id,
                                       XapiDocument.registration == registration)
    if doc_id is not None:
        query = query.where(XapiDocument.doc_id == doc_id)
    db.session.execute(query)
