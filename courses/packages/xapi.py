"""Small pure helpers over xAPI data: agents, durations, timestamps. No database, no request."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

VERSION = "1.0.3"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
EXT = "https://w3id.org/xapi/cmi5/context/extensions/"
SESSION_EXT = EXT + "sessionid"
MASTERY_EXT = EXT + "masteryscore"
REASON_EXT = "https://w3id.org/xapi/cmi5/result/extensions/reason"
VERBS = {
    "launched": "http://adlnet.gov/expapi/verbs/launched",
    "initialized": "http://adlnet.gov/expapi/verbs/initialized",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "terminated": "http://adlnet.gov/expapi/verbs/terminated",
    "abandoned": "https://w3id.org/xapi/adl/verbs/abandoned",
    "waived": "https://w3id.org/xapi/adl/verbs/waived",
    "satisfied": "https://w3id.org/xapi/adl/verbs/satisfied",
    "voided": "http://adlnet.gov/expapi/verbs/voided",
}
VERB_NAMES = {v: k for k, v in VERBS.items()}
AU_DEFINED = {"initialized", "completed", "passed", "failed", "terminated"}
LMS_ONLY = {"launched", "abandoned", "waived", "satisfied"}
WAIVE_REASONS = ("Tested Out", "Equivalent AU", "Equivalent Outside Activity", "Administrative")
_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|\+00:00)$")


class XapiError(Exception):
    """A request the LRS refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def parse_agent(value: str | dict | None) -> dict:
    if value is None or value == "":
        raise XapiError("An agent is required.", 400)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise XapiError("The agent is not JSON.", 400) from None
    if not isinstance(value, dict):
        raise XapiError("The agent must be a JSON object.", 400)
    return value


def agent_key(agent: dict) -> str:
    """A stable key for an agent's inverse functional identifier; refusal if it has none or several."""
    found = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in agent]
    if len(found) != 1:
        raise XapiError("An agent needs exactly one identifier (mbox, mbox_sha1sum, openid or account).", 400)
    kind = found[0]
    if kind == "account":
        account = agent["account"]
        if not isinstance(account, dict) or not account.get("homePage") or not account.get("name"):
            raise XapiError("An account needs a homePage and a name.", 400)
        return f"account|{account['homePage']}|{account['name']}"[:300]
    if not isinstance(agent[kind], str):
        raise XapiError(f"The agent's {kind} must be a string.", 400)
    return f"{kind}|{agent[kind]}"[:300]


def same_agent(a: dict, b: dict) -> bool:
    """The identity cmi5 asks for: an Agent with the very account the LMS gave at launch."""
    if a.get("objectType", "Agent") != "Agent" or b.get("objectType", "Agent") != "Agent":
        return False
    try:
        return agent_key(a) == agent_key(b)
    except XapiError:
        return False


def iso_duration(seconds: float) -> str:
    return f"PT{round(max(seconds, 0), 2):g}S"


def duration_seconds(value) -> float | None:
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value)
    if not match or value in ("P", "PT"):
        return None
    d, h, m, s = (float(x) if x else 0.0 for x in match.groups())
    return d * 86400 + h * 3600 + m * 60 + s


def is_utc_timestamp(value) -> bool:
    return isinstance(value, str) and bool(_UTC_STAMP.match(value))


def parse_timestamp(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def categories(statement: dict) -> list[str]:
    ctx = statement.get("context") or {}
    cats = (ctx.get("contextActivities") or {}).get("category") or []
    if isinstance(cats, dict):
        cats = [cats]
    return [c.get("id") for c in cats if isinstance(c, dict)]
