"""Every minted token is decoded and checked per mode, and a Prosody-rules oracle rejects bad ones.

The oracle applies mod_auth_token's checks (token/util.lib.lua, luajwtjitsi): typ "JWT", the
expected alg only, exp/nbf with no leeway, iss in the accepted issuers, aud present and equal,
room present and equal to the lowercased room node, context.user fields strings only.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from meetings import jitsi

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
END = NOW + timedelta(hours=1)
SECRET = "prosody-shared-secret-0123456789abcdef"


class Rejected(Exception):
    pass


def prosody_accepts(token: str, *, key, alg: str, room: str, issuers, audience: str, now: datetime) -> dict:
    """Prosody's rules, applied without leeway. Raises Rejected with the reason."""
    header = jwt.get_unverified_header(token)
    if header.get("typ") != "JWT":
        raise Rejected("typ")
    if header.get("alg") != alg:
        raise Rejected("alg")
    try:
        claims = jwt.decode(token, key, algorithms=[alg], audience=audience, leeway=0,
                            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "require": ["exp", "aud", "room"]})
    except jwt.PyJWTError as exc:
        raise Rejected(f"signature or claims: {exc}") from None
    t = int(now.timestamp())
    if not isinstance(claims["exp"], int) or t >= claims["exp"]:
        raise Rejected("expired")
    if "nbf" in claims and (not isinstance(claims["nbf"], int) or t < claims["nbf"]):
        raise Rejected("not yet valid")
    if claims.get("iss") not in issuers:
        raise Rejected("iss")
    if claims["room"] != "*" and claims["room"].lower() != room.lower():
        raise Rejected("room")
    for value in claims.get("context", {}).get("user", {}).values():
        if not isinstance(value, str):
            raise Rejected("context.user must hold strings")
    return claims


def mint(room="a" * 40, moderator=False, recording=False, now=NOW):
    user = jitsi.TokenUser(id="42", name="Nia Okoro", email="nia@example.org", moderator=moderator)
    return jitsi.mint_token(user, room, expires_at=jitsi.token_expiry(END), now=now, recording=recording)


@pytest.fixture
def selfhosted(configure):
    with configure(JITSI_MODE="selfhosted", JITSI_APP_ID="continuum", JITSI_APP_SECRET=SECRET,
                   JITSI_AUDIENCE="jitsi", JITSI_DOMAIN="meet.example.org", JITSI_TOKEN_MARGIN_MINUTES=30) as app:
        yield app


@pytest.fixture
def jaas(configure, rsa_key):
    path, _ = rsa_key
    with configure(JITSI_MODE="jaas", JITSI_APP_ID="vpaas-magic-cookie-abc123", JITSI_PRIVATE_KEY_PATH=str(path),
                   JITSI_KEY_ID="vpaas-magic-cookie-abc123/4f4910", JITSI_DOMAIN="8x8.vc",
                   JITSI_TOKEN_MARGIN_MINUTES=30) as app:
        yield app


def test_public_mode_mints_nothing(configure):
    with configure(JITSI_MODE="public"):
        assert mint() is None


def test_selfhosted_header_and_claims(selfhosted):
    token = mint(room="b" * 40, moderator=True)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi", options={"verify_exp": False,
                                                                                     "verify_nbf": False, "verify_iat": False})
    assert claims["iss"] == "continuum" and claims["aud"] == "jitsi" and claims["sub"] == "meet.example.org"
    assert claims["room"] == "b" * 40 and claims["room"] == claims["room"].lower()
    assert isinstance(claims["exp"], int) and isinstance(claims["nbf"], int)
    assert claims["exp"] == int((END + timedelta(minutes=30)).timestamp())
    assert claims["nbf"] <= int(NOW.timestamp())
    user = claims["context"]["user"]
    assert all(isinstance(v, str) for v in user.values())
    assert user["moderator"] == "true" and user["affiliation"] == "owner" and user["id"] == "42"


def test_selfhosted_attendee_is_not_moderator(selfhosted):
    claims = jwt.decode(mint(), options={"verify_signature": False})
    assert claims["context"]["user"]["moderator"] == "false"
    assert claims["context"]["user"]["affiliation"] == "member"


def test_jaas_header_and_claims(jaas, rsa_key):
    _, public = rsa_key
    token = mint(moderator=True, recording=True)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": "vpaas-magic-cookie-abc123/4f4910"}
    claims = jwt.decode(token, public, algorithms=["RS256"], audience="jitsi",
                        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})
    assert claims["iss"] == "chat" and claims["sub"] == "vpaas-magic-cookie-abc123"
    assert claims["context"]["user"]["moderator"] == "true"
    assert claims["context"]["features"]["recording"] == "true"
    assert all(isinstance(v, str) for v in claims["context"]["user"].values())
    attendee = jwt.decode(mint(recording=True), public, algorithms=["RS256"], audience="jitsi",
                          options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})
    assert attendee["context"]["user"]["moderator"] == "false"
    assert attendee["context"]["features"]["recording"] == "false"  # features apply to moderators only


def test_oracle_accepts_good_selfhosted_token(selfhosted):
    room = jitsi.new_room_name()
    assert len(room) * 4 >= 128 and room == room.lower()
    prosody_accepts(mint(room=room), key=SECRET, alg="HS256", room=room, issuers={"continuum"}, audience="jitsi",
                    now=NOW + timedelta(seconds=1))


def test_oracle_accepts_good_jaas_token(jaas, rsa_key):
    prosody_accepts(mint(room="c" * 40), key=rsa_key[1], alg="RS256", room="c" * 40, issuers={"chat"},
                    audience="jitsi", now=NOW)


def test_oracle_rejects_another_room(selfhosted):
    with pytest.raises(Rejected, match="room"):
        prosody_accepts(mint(room="a" * 40), key=SECRET, alg="HS256", room="d" * 40, issuers={"continuum"},
                        audience="jitsi", now=NOW)


def test_oracle_rejects_expired_with_no_leeway(selfhosted):
    token = mint()
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    just_after = datetime.fromtimestamp(exp, timezone.utc)
    with pytest.raises(Rejected, match="expired"):
        prosody_accepts(token, key=SECRET, alg="HS256", room="a" * 40, issuers={"continuum"}, audience="jitsi",
                        now=just_after)


def test_oracle_rejects_alg_swaps(selfhosted, rsa_key):
    token = mint()
    head, body, _ = token.split(".")
    b64 = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{body}."
    with pytest.raises(Rejected, match="alg"):
        prosody_accepts(unsigned, key=SECRET, alg="HS256", room="a" * 40, issuers={"continuum"}, audience="jitsi",
                        now=NOW)
    # An HS256 token presented where RS256 is expected (the public key misused as an HMAC secret).
    with pytest.raises(Rejected, match="alg"):
        prosody_accepts(token, key=rsa_key[1], alg="RS256", room="a" * 40, issuers={"chat"}, audience="jitsi",
                        now=NOW)
    wrong_typ = jwt.encode(jwt.decode(token, options={"verify_signature": False}), SECRET, algorithm="HS256",
                           headers={"typ": "JOSE"})
    with pytest.raises(Rejected, match="typ"):
        prosody_accepts(wrong_typ, key=SECRET, alg="HS256", room="a" * 40, issuers={"continuum"}, audience="jitsi",
                        now=NOW)


def test_oracle_rejects_foreign_issuer_and_forged_signature(selfhosted):
    token = mint()
    with pytest.raises(Rejected, match="iss"):
        prosody_accepts(token, key=SECRET, alg="HS256", room="a" * 40, issuers={"someone-else"}, audience="jitsi",
                        now=NOW)
    with pytest.raises(Rejected, match="signature"):
        prosody_accepts(token, key="another-secret-of-sufficient-length!!", alg="HS256", room="a" * 40,
                        issuers={"continuum"}, audience="jitsi", now=NOW)


def test_token_never_in_shareable_link(selfhosted):
    assert "jwt" not in jitsi.direct_link("a" * 40)
    options = jitsi.iframe_options("a" * 40, display_name="N", email="n@example.org", subject="S", token="T",
                                   recording=False)
    assert options["jwt"] == "T" and options["roomName"] == "a" * 40


def test_jaas_embed_uses_app_id(jaas):
    assert jitsi.embed_room("r" * 40) == "vpaas-magic-cookie-abc123/" + "r" * 40
    assert jitsi.script_url() == "https://8x8.vc/vpaas-magic-cookie-abc123/external_api.js"
