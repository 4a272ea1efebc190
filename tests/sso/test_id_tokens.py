"""ID tokens from the real provider, checked by ``lms.sso.oidc``: signature, audience, expiry, nonce, key rotation."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sso.conftest import APP_CALLBACK, DOMAIN
from tests.sso.providers import CLIENT_SECRET, OTHER_CLIENT_ID

# Each test drives a real identity provider in another process: seconds, not milliseconds.
pytestmark = pytest.mark.slow


def _b64(data: dict | bytes) -> str:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


@pytest.fixture
def real_token(make_oidc_connection, oidc_provider):
    """Run the code flow against the provider by hand and return (connection, token response, nonce)."""
    from lms.sso import oidc
    from lms.types import utcnow

    def run(conn=None, login="tok-user"):
        conn = conn or make_oidc_connection()
        oidc_provider.add_account(login, email=f"{login}@{DOMAIN}", email_verified=True)
        url, pending = oidc.authorization_request(conn, redirect_uri=APP_CALLBACK, now=utcnow())
        query = parse_qs(urlsplit(url).query)
        assert query["code_challenge_method"] == ["S256"] and query["nonce"] == [pending["nonce"]]
        back = parse_qs(urlsplit(oidc_provider.sign_in(url, login)).query)
        assert back["state"] == [pending["state"]]
        token = oidc.exchange_code(conn, code=back["code"][0], verifier=pending["verifier"],
                                   client_secret=CLIENT_SECRET, redirect_uri=APP_CALLBACK, now=utcnow())
        return conn, token, pending["nonce"]

    return run


def _check(conn, token, nonce, *, now=None):
    from lms.sso import oidc
    from lms.types import utcnow

    return oidc.validate_id_token(conn, token["id_token"], nonce=nonce, now=now or utcnow(),
                                  access_token=token.get("access_token"))


def _reason(conn, token, nonce, **kwargs) -> str:
    from lms.sso.oidc import OidcError

    with pytest.raises(OidcError) as caught:
        _check(conn, token, nonce, **kwargs)
    return caught.value.reason


def test_a_real_token_checks_out(real_token):
    conn, token, nonce = real_token()
    claims = _check(conn, token, nonce)
    assert claims["sub"] == "tok-user" and claims["aud"] == conn.client_id and claims["nonce"] == nonce
    assert claims["email"] == f"tok-user@{DOMAIN}" and claims["email_verified"] is True


def test_tampered_payload_fails_the_signature(real_token):
    conn, token, nonce = real_token()
    header, payload, signature = token["id_token"].split(".")
    claims = _unb64(payload)
    claims["email"] = f"chief-executive@{DOMAIN}"
    forged = {**token, "id_token": ".".join([header, _b64(claims), signature])}
    assert _reason(conn, forged, nonce) == "bad-signature"


def test_expired_token_is_refused(real_token):
    conn, token, nonce = real_token()
    exp = _unb64(token["id_token"].split(".")[1])["exp"]
    later = datetime.fromtimestamp(exp, timezone.utc) + timedelta(minutes=5)
    conn.jwks_fetched_at = later  # keep the stored keys: only the token's age is under test
    assert _reason(conn, token, nonce, now=later) == "expired"


def test_token_for_another_audience_is_refused(real_token, make_oidc_connection, db):
    from tests.factories import make_org

    conn, token, nonce = real_token()
    other = make_oidc_connection(make_org(), domains=("other-trust.org",), client_id=OTHER_CLIENT_ID)
    assert _reason(other, token, nonce) == "wrong-audience"


def test_wrong_nonce_is_refused(real_token):
    conn, token, nonce = real_token()
    assert _reason(conn, token, "another-sign-in-nonce") == "nonce"


def test_unsigned_and_symmetric_tokens_are_refused(real_token):
    import hashlib
    import hmac

    conn, token, nonce = real_token()
    header, payload, _ = token["id_token"].split(".")
    unsigned = {**token, "id_token": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."}
    assert _reason(conn, unsigned, nonce) in ("malformed-token", "unknown-key")
    signing_input = f"{_b64({'alg': 'HS256', 'kid': _unb64(header)['kid']})}.{payload}"
    mac = hmac.new(CLIENT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    symmetric = {**token, "id_token": f"{signing_input}.{_b64(mac)}"}
    assert _reason(conn, symmetric, nonce) == "malformed-token"


def test_key_rotation_refetches_the_jwks_once(real_token, oidc_provider, db, oidc_sign_in, client):
    from lms.types import utcnow

    conn, token, nonce = real_token()
    _check(conn, token, nonce)
    old_kids = {k["kid"] for k in conn.jwks["keys"]}
    oidc_provider.rotate_keys()
    conn.jwks_fetched_at = utcnow() - timedelta(minutes=5)
    conn, token, nonce = real_token(conn, login="after-rotation")
    assert _unb64(token["id_token"].split(".")[0])["kid"] not in old_kids
    assert _check(conn, token, nonce)["sub"] == "after-rotation"
    assert {k["kid"] for k in conn.jwks["keys"]}.isdisjoint(old_kids)


def test_unknown_key_right_after_a_refetch_is_refused_without_another(real_token, oidc_provider):
    from lms.types import utcnow

    conn, token, nonce = real_token()
    fetched = utcnow()
    from joserfc.jwk import RSAKey

    from tests.sso.providers import rsa_jwk

    stranger = RSAKey.import_key(rsa_jwk("someone-else")).as_dict(private=False)
    conn.jwks = {"keys": [stranger]}  # as if the provider published none of this token's keys
    conn.jwks_fetched_at = fetched
    assert _reason(conn, token, nonce) == "unknown-key"
    assert conn.jwks == {"keys": [stranger]} and conn.jwks_fetched_at == fetched


def test_issuer_whose_discovery_names_another_issuer_is_refused(make_oidc_connection, oidc_provider):
    from lms.sso import oidc
    from lms.types import utcnow

    conn = make_oidc_connection(issuer=oidc_provider.issuer + "/")
    with pytest.raises(oidc.OidcError) as caught:
        oidc.authorization_request(conn, redirect_uri=APP_CALLBACK, now=utcnow())
    assert caught.value.reason == "issuer-mismatch"


def test_issuer_urls_must_be_https(monkeypatch):
    from lms.sso.oidc import OidcError, check_issuer_url
    from tests.sso.providers import resolve_as

    resolve_as(monkeypatch, {"login.microsoftonline.com": "20.190.151.7"})  # no DNS on this machine
    assert check_issuer_url("https://login.microsoftonline.com/t/v2.0", allow_loopback_http=False)
    for bad in ("http://idp.example.org", "ftp://idp.example.org", "https://idp.example.org/?x=1", "not a url",
                "http://127.0.0.1:9000"):
        with pytest.raises(OidcError):
            check_issuer_url(bad, allow_loopback_http=False)
    assert check_issuer_url("http://127.0.0.1:9000", allow_loopback_http=True)
