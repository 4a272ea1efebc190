"""Everything that knows Jitsi: embed options, JWTs, JaaS webhooks and settings, Prosody's room API.

Modes (``JITSI_MODE``): ``public`` (meet.jit.si, no tokens, demo only), ``selfhosted`` (HS256
tokens for Prosody's mod_auth_token, attendance polled from mod_muc_size) and ``jaas`` (8x8:
RS256 tokens with a kid, signed webhooks, settings provisioning). Facts: /work/shared/JITSI.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
import requests
from flask import current_app

log = logging.getLogger(__name__)

MODES = ("public", "selfhosted", "jaas")
JAAS_DOMAIN = "8x8.vc"


class JitsiError(Exception):
    """Jitsi could not be reached or answered in an unexpected way."""


class JitsiConfigError(JitsiError):
    """Jitsi refused us (400/403): the configuration, not the network, is wrong."""


class WebhookRejected(Exception):
    """A webhook whose signature, age or shape is not acceptable."""


def new_room_name() -> str:
    """160 random bits, lowercase hex: unguessable, and equal to itself after Prosody lowercases it."""
    return secrets.token_hex(20)


def _config(key: str, default=None):
    return current_app.config.get(key, default)


def mode() -> str:
    value = _config("JITSI_MODE", "public")
    return value if value in MODES else "public"


def domain() -> str:
    return _config("JITSI_DOMAIN") or "meet.jit.si"


def origin() -> str:
    return f"{_config('JITSI_SCHEME', 'https')}://{domain()}"


def script_url() -> str:
    """external_api.js: JaaS serves it under the AppID; a self-hosted or public server at its root."""
    if mode() == "jaas":
        return f"{origin()}/{_config('JITSI_APP_ID')}/external_api.js"
    return f"{origin()}/external_api.js"


def embed_room(room_name: str) -> str:
    return f"{_config('JITSI_APP_ID')}/{room_name}" if mode() == "jaas" else room_name


def direct_link(room_name: str) -> str:
    """The room's own address, for when the embed cannot load. It never carries a token."""
    return f"{origin()}/{embed_room(room_name)}"


def uses_tokens() -> bool:
    return mode() in ("selfhosted", "jaas")


# --- tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenUser:
    id: str
    name: str
    email: str
    moderator: bool


def mint_token(user: TokenUser, room_name: str, *, expires_at: datetime, now: datetime,
               recording: bool = False) -> str | None:
    """A JWT for one user in one room, valid from a few seconds ago until ``expires_at``.

    Only hosts and co-hosts are moderators. ``None`` in public mode, where tokens do not exist.
    """
    if not uses_tokens():
        return None
    room = room_name.lower()
    context_user = {"id": str(user.id), "name": str(user.name), "email": str(user.email), "avatar": "",
                    "moderator": "true" if user.moderator else "false"}
    claims = {"room": room, "nbf": int(now.timestamp()) - 10, "iat": int(now.timestamp()),
              "exp": int(expires_at.timestamp())}
    if mode() == "selfhosted":
        # mod_token_affiliation reads affiliation/moderator; strings only (Prosody throws on others).
        context_user["affiliation"] = "owner" if user.moderator else "member"
        claims.update(iss=_config("JITSI_APP_ID"), aud=_config("JITSI_AUDIENCE") or "jitsi", sub=domain(),
                      context={"user": context_user})
        return jwt.encode(claims, _config("JITSI_APP_SECRET"), algorithm="HS256", headers={"typ": "JWT"})
    feature = "true" if (user.moderator and recording) else "false"
    context_user["hidden-from-recorder"] = "false"
    claims.update(iss="chat", aud="jitsi", sub=_config("JITSI_APP_ID"),
                  context={"user": context_user,
                           "features": {"recording": feature, "livestreaming": "false", "transcription": "false",
                                        "outbound-call": "false", "sip-outbound-call": "false"}})
    return jwt.encode(claims, _private_key(), algorithm="RS256", headers={"typ": "JWT", "kid": _config("JITSI_KEY_ID")})


def _private_key() -> str:
    path = _config("JITSI_PRIVATE_KEY_PATH")
    if not path:
        raise JitsiConfigError("JITSI_PRIVATE_KEY_PATH is required in jaas mode")
    return Path(path).read_text()


def iframe_options(room_name: str, *, display_name: str, email: str, subject: str, token: str | None,
                   recording: bool) -> dict:
    """What static/js/meetings-room.js passes to ``new JitsiMeetExternalAPI(domain, options)``.

    The overrides only shape the interface (they travel in an editable URL hash); access control is
    the token and the server-side lobby.
    """
    options = {
        "roomName": embed_room(room_name),
        "width": "100%",
        "height": 620,
        "userInfo": {"displayName": display_name, "email": email},
        "configOverwrite": {"subject": subject, "prejoinConfig": {"enabled": True},
                            "disableDeepLinking": True, "fileRecordingsEnabled": bool(recording),
                            "liveStreamingEnabled": False},
        "interfaceConfigOverwrite": {"SHOW_JITSI_WATERMARK": False},
        "lang": "en",
    }
    if token:
        options["jwt"] = token
    return options


# --- JaaS webhooks -------------------------------------------------------------------------


def sign_webhook(raw: bytes, secret: str, t: int) -> str:
    """The ``X-Jaas-Signature`` value 8x8 would send (used by tests and local stand-ins)."""
    digest = hmac.new(secret.encode(), f"{t}.".encode() + raw, hashlib.sha256).digest()
    return f"t={t},v1={base64.b64encode(digest).decode()}"


def verify_webhook(raw: bytes, header: str | None, secret: str | None, *, now: datetime, max_age: int) -> None:
    """Check ``X-Jaas-Signature: t=<unix>,v1=<base64>`` over ``t + "." + raw body``.

    The key is the secret exactly as revealed, ``whsec_`` prefix included; schemes other than
    v1 are ignored; ``t`` must be within ``max_age`` seconds of ``now`` (either side).
    """
    if not secret:
        raise WebhookRejected("no webhook secret is configured")
    if not header:
        raise WebhookRejected("missing signature")
    t, signatures = None, []
    for element in header.split(","):
        key, sep, value = element.strip().partition("=")  # first "=" only: base64 has its own
        if not sep:
            continue
        if key == "t":
            t = value
        elif key == "v1":
            signatures.append(value)
    if t is None or not (t.isascii() and t.isdigit() and len(t) <= 12) or not signatures:
        raise WebhookRejected("malformed signature header")
    if abs(now.timestamp() - int(t)) > max_age:
        raise WebhookRejected("stale signature")
    expected = sign_webhook(raw, secret, int(t)).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected.encode(), s.encode()) for s in signatures):
        raise WebhookRejected("bad signature")


@dataclass(frozen=True)
class AttendanceEvent:
    """A join, leave or room-end event, whatever its origin."""

    key: str  # idempotency key
    kind: str  # "joined", "left", "destroyed", "other"
    event_type: str
    room_name: str
    occurred_at: datetime
    participant_key: str = ""
    user_ref: str = ""  # the context.user.id we minted
    display_name: str = ""
    email: str = ""
    reason: str = ""
    is_breakout: bool = False
    moderator: bool = False


_JAAS_KINDS = {"PARTICIPANT_JOINED": "joined", "PARTICIPANT_LEFT": "left", "ROOM_DESTROYED": "destroyed"}


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def parse_jaas_event(payload: dict) -> AttendanceEvent:
    """Read a JaaS webhook envelope; ``timestamp`` (milliseconds) is the event time."""
    try:
        key = str(payload["idempotencyKey"])
        event_type = str(payload["eventType"])
        occurred = datetime.fromtimestamp(int(payload["timestamp"]) / 1000, timezone.utc)
        fqn = str(payload.get("fqn") or "")
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:  # a year beyond 9999 overflows
        raise WebhookRejected(f"malformed event: {exc}") from None
    data = payload.get("data") or {}
    if not isinstance(data, dict):
        raise WebhookRejected("malformed event data")
    app_id, _, room = fqn.partition("/")
    if _config("JITSI_APP_ID") and app_id != _config("JITSI_APP_ID"):
        room = ""  # another tenant's room is never ours
    return AttendanceEvent(
        key=key, kind=_JAAS_KINDS.get(event_type, "other"), event_type=event_type, room_name=room.lower(),
        occurred_at=occurred,
        participant_key=str(data.get("participantId") or data.get("participantJid") or ""),
        user_ref=str(data.get("id") or ""), display_name=str(data.get("name") or "")[:200],
        email=str(data.get("email") or "")[:254], reason=str(data.get("disconnectReason") or ""),
        is_breakout=_truthy(data.get("isBreakout")), moderator=_truthy(data.get("moderator")),
    )


def settings_provisioning(*, lobby: bool, passcode: str | None, max_occupants: int | None = None) -> dict:
    """The reply to JaaS SETTINGS_PROVISIONING: lobby and passcode armed on the server side."""
    reply = {"lobbyEnabled": bool(lobby), "lobbyType": "WAIT_FOR_MODERATOR"}
    if passcode:
        reply["passcode"] = passcode
    if max_occupants:
        reply["maxOccupants"] = max_occupants
    return reply


# --- Prosody event_sync (self-hosted push) -------------------------------------------------

def parse_event_sync(path_kind: str, payload: dict) -> AttendanceEvent:
    """jitsi-contrib event_sync: ``/events/occupant/joined|left``, ``/events/room/destroyed``."""
    kinds = {"occupant/joined": "joined", "occupant/left": "left", "room/destroyed": "destroyed",
             "room/created": "other"}
    kind = kinds.get(path_kind)
    if kind is None or not isinstance(payload, dict):
        raise WebhookRejected("unknown event")
    occupant = payload.get("occupant") or {}
    if not isinstance(occupant, dict):
        raise WebhookRejected("malformed occupant")
    room = str(payload.get("room_name") or "").lower()
    when = occupant.get("left_at") if kind == "left" else occupant.get("joined_at")
    when = when or payload.get("destroyed_at") or payload.get("created_at") or time.time()
    jid = str(occupant.get("occupant_jid") or "")
    participant = jid.rsplit("/", 1)[-1] if jid else ""
    try:
        occurred = datetime.fromtimestamp(float(when), timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):  # NaN, infinity, a year beyond 9999
        raise WebhookRejected("malformed time") from None
    key = hashlib.sha256(f"{path_kind}|{room}|{jid}|{when}".encode()).hexdigest()
    return AttendanceEvent(key=f"es-{key}", kind=kind, event_type=str(payload.get("event_name") or path_kind),
                           room_name=room, occurred_at=occurred, participant_key=participant,
                           user_ref=str(occupant.get("id") or ""), display_name=str(occupant.get("name") or "")[:200],
                           email=str(occupant.get("email") or "")[:254],
                           is_breakout=_truthy(payload.get("is_breakout")))


# --- Prosody mod_muc_size polling ----------------------------------------------------------


@dataclass(frozen=True)
class Occupant:
    participant_key: str  # the resource of the occupant JID (the IFrame API's participant id)
    jid: str
    email: str
    display_name: str


def fetch_room_occupants(room_name: str, *, retries: int | None = None) -> list[Occupant] | None:
    """Who is in the room now, from mod_muc_size ``GET /room``; None when the room is not running (404).

    Names and emails are the clients' own presence (unverified). ``[]`` and ``{}`` both mean empty.
    Timeouts, refused connections and 5xx are retried a bounded number of times, then raise JitsiError.
    """
    base = _config("JITSI_MUC_SIZE_URL")
    if not base:
        raise JitsiConfigError("JITSI_MUC_SIZE_URL is not configured")
    params = {"room": room_name.lower(), "domain": _config("JITSI_MUC_DOMAIN") or domain()}
    headers = {"Host": _config("JITSI_MUC_HOST")} if _config("JITSI_MUC_HOST") else {}
    attempts = 1 + (retries if retries is not None else int(_config("JITSI_POLL_RETRIES", 2)))
    backoff = float(_config("JITSI_POLL_BACKOFF", 0.5))
    timeout = tuple(_config("JITSI_POLL_TIMEOUT") or (3, 5))  # (connect, read) seconds
    last_error: Exception | None = None
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff * attempt)
        try:
            response = requests.get(f"{base.rstrip('/')}/room", params=params, headers=headers,
                                    timeout=timeout, allow_redirects=False)
        except requests.RequestException as exc:
            last_error = exc
            continue
        if response.status_code == 404:
            return None
        if response.status_code in (400, 401, 403):
            raise JitsiConfigError(f"mod_muc_size refused the request ({response.status_code})")
        if response.status_code >= 500:
            last_error = JitsiError(f"mod_muc_size answered {response.status_code}")
            continue
        if response.status_code != 200:
            raise JitsiError(f"mod_muc_size answered {response.status_code}")
        return _parse_occupants(response)
    raise JitsiError(f"mod_muc_size unreachable: {last_error}")


def _parse_occupants(response) -> list[Occupant]:
    try:
        data = response.json()
    except ValueError:
        raise JitsiError("mod_muc_size sent something that is not JSON") from None
    if data == {}:  # cjson encodes an empty list as an empty object
        return []
    if not isinstance(data, list):
        raise JitsiError("mod_muc_size sent an unexpected shape")
    out = []
    for item in data:
        if not isinstance(item, dict) or not item.get("jid"):
            continue
        jid = str(item["jid"])
        out.append(Occupant(participant_key=jid.rsplit("/", 1)[-1], jid=jid, email=str(item.get("email") or ""),
                            display_name=str(item.get("display_name") or "")[:200]))
    return out


def token_expiry(end: datetime) -> datetime:
    return end + timedelta(minutes=int(_config("JITSI_TOKEN_MARGIN_MINUTES", 30)))


def public_embed_warning() -> str | None:
    if mode() == "public":
        return ("Demo mode: rooms run on the public meet.jit.si service, which ends embedded calls after "
                "five minutes and has no host controls. Use self-hosted Jitsi or JaaS for real meetings.")
    return None


def as_json(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def embed_domain_for_api() -> str:
    """The first argument of ``new JitsiMeetExternalAPI(domain, options)``."""
    return domain()
