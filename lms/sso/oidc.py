"""OpenID Connect relying party on Authlib: discovery, authorization code + PKCE, ID token checks.

Discovery and the provider's JWKS are kept on the connection row (shared by every app server);
an ID token signed with a key id the stored JWKS lacks makes one refetch (key rotation).
Only asymmetric signatures are accepted: never ``none``, never HS256 keyed by the client secret.
Every URL fetched from the server (discovery, keys, token endpoint) goes through the outbound guard
(``lms.outbound``): an issuer or a discovery document cannot point the app at its own network.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.common.errors import AuthlibBaseError
from authlib.oidc.core import CodeIDToken
from flask import current_app
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from lms import outbound
from lms.sso.models import SsoConnection

ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
SCOPE = "openid email profile"
HTTP_TIMEOUT = 10
DISCOVERY_MAX_AGE = timedelta(hours=24)
JWKS_MAX_AGE = timedelta(hours=24)
# An unknown key id refetches the JWKS at most this often (a flood of bad tokens cannot hammer the IdP).
JWKS_REFETCH_EVERY = timedelta(seconds=30)
LEEWAY_SECONDS = 60
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# Discovery names these; the app fetches the first two itself and sends browsers to the third.
CHECKED_ENDPOINTS = ("jwks_uri", "token_endpoint", "authorization_endpoint")


class OidcError(Exception):
    """``str(exc)`` is safe to show; ``reason`` is the short code kept in the audit log."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def allow_loopback() -> bool:
    """Tests only: identity providers on 127.0.0.1 (``SSO_ALLOW_LOOPBACK_HTTP``). Never in production."""
    return bool(current_app.config.get("SSO_ALLOW_LOOPBACK_HTTP", False))


def check_issuer_url(issuer: str, *, allow_loopback_http: bool) -> str:
    """An issuer is an https URL without query or fragment (plain http only for loopback in tests)
    whose host resolves to public addresses only."""
    issuer = (issuer or "").strip()
    parts = urlsplit(issuer)
    if parts.query or parts.fragment or not parts.hostname:
        raise OidcError("The issuer must be a URL such as https://login.example.org/tenant/v2.0.", "bad-issuer")
    if parts.scheme != "https" and not (allow_loopback_http and parts.hostname in LOOPBACK_HOSTS
                                        and parts.scheme == "http"):
        raise OidcError("The issuer must be an https URL.", "bad-issuer")
    check_target(issuer, "issuer URL", allow_loopback=allow_loopback_http)
    return issuer


def check_target(url: str, what: str, *, allow_loopback: bool) -> None:
    """Refuse a URL the app would fetch (or send people to) unless it is https on a public address
    (the outbound guard the webhooks use: no private, loopback, link-local or reserved ranges)."""
    parts = urlsplit(url or "")
    loopback_http = allow_loopback and parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    try:
        outbound.check_url(url, schemes={"http", "https"} if loopback_http else {"https"},
                           allow_loopback=allow_loopback)
    except outbound.BlockedTarget as exc:
        raise OidcError(f"The identity provider's {what} cannot be used: {exc} Identity providers must be "
                        "reachable on the public internet.", "blocked-address") from None


def _get_json(url: str, what: str) -> dict:
    allow = allow_loopback()
    check_target(url, what, allow_loopback=allow)
    try:
        with outbound.session(allow_loopback=allow) as http:
            # No redirects: the guard checked this URL, not wherever a redirect would lead.
            response = http.get(url, timeout=HTTP_TIMEOUT, headers={"Accept": "application/json"},
                                allow_redirects=False)
        if response.status_code != 200:
            raise requests.HTTPError(f"status {response.status_code}")
        data = response.json()
    except outbound.BlockedTarget as exc:  # the address changed between the check and the connection
        raise OidcError(f"The identity provider's {what} cannot be used: {exc}", "blocked-address") from None
    except (requests.RequestException, ValueError):
        raise OidcError(f"Your organisation's identity provider did not answer ({what}). Try again later, "
                        "or ask your IT team.", "provider-unreachable") from None
    if not isinstance(data, dict):
        raise OidcError(f"Your organisation's identity provider sent an unreadable {what}.", "provider-bad-json")
    return data


def discover(conn: SsoConnection, *, now: datetime, force: bool = False) -> dict:
    """The provider's metadata, from ``/.well-known/openid-configuration`` (kept a day on the row)."""
    fresh = conn.discovery and conn.discovery_fetched_at and now - conn.discovery_fetched_at < DISCOVERY_MAX_AGE
    if fresh and not force:
        return conn.discovery
    data = _get_json(conn.issuer.rstrip("/") + "/.well-known/openid-configuration", "discovery document")
    # OpenID Connect Discovery 1.0 §4.3: the issuer in the document must be the one configured.
    if data.get("issuer") != conn.issuer:
        raise OidcError("The identity provider's discovery document names another issuer. Check the issuer "
                        "URL in the organisation's sign-in settings.", "issuer-mismatch")
    for key in CHECKED_ENDPOINTS:
        if not isinstance(data.get(key), str):
            raise OidcError(f"The identity provider's discovery document has no {key}.", "provider-bad-json")
        check_target(data[key], f"{key} (from its discovery document)", allow_loopback=allow_loopback())
    conn.discovery, conn.discovery_fetched_at = data, now
    return data


def _jwks(conn: SsoConnection, *, now: datetime, force: bool = False) -> KeySet:
    stale = not conn.jwks or not conn.jwks_fetched_at or now - conn.jwks_fetched_at >= JWKS_MAX_AGE
    if stale or force:
        data = _get_json(discover(conn, now=now)["jwks_uri"], "signing keys")
        if not isinstance(data.get("keys"), list):
            raise OidcError("The identity provider's signing keys are unreadable.", "provider-bad-json")
        conn.jwks, conn.jwks_fetched_at = data, now
    return KeySet.import_key_set(conn.jwks)


def _session(conn: SsoConnection, client_secret: str, redirect_uri: str) -> OAuth2Session:
    methods = (conn.discovery or {}).get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth_method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    client = OAuth2Session(client_id=conn.client_id, client_secret=client_secret, scope=SCOPE,
                           redirect_uri=redirect_uri, code_challenge_method="S256",
                           token_endpoint_auth_method=auth_method)
    # The token endpoint is reached through the guard too, checked again when the socket opens.
    client.trust_env = False
    adapter = outbound.GuardedAdapter(allow_loopback=allow_loopback(), max_retries=0)
    client.mount("https://", adapter)
    client.mount("http://", adapter)
    return client


def authorization_request(conn: SsoConnection, *, redirect_uri: str, now: datetime,
                          login_hint: str | None = None) -> tuple[str, dict]:
    """The URL to send the browser to, and what the callback must check (state, nonce, PKCE verifier)."""
    metadata = discover(conn, now=now)
    pending = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32),
               "verifier": secrets.token_urlsafe(64)}
    extra = {"login_hint": login_hint} if login_hint else {}
    with _session(conn, "", redirect_uri) as client:
        url, _ = client.create_authorization_url(metadata["authorization_endpoint"], state=pending["state"],
                                                 code_verifier=pending["verifier"], nonce=pending["nonce"], **extra)
    return url, pending


def exchange_code(conn: SsoConnection, *, code: str, verifier: str, client_secret: str, redirect_uri: str,
                  now: datetime) -> dict:
    """Trade the authorization code (and the PKCE verifier) for tokens at the token endpoint."""
    metadata = discover(conn, now=now)
    # Again here: a document kept from before may name an endpoint the guard now refuses.
    check_target(metadata["token_endpoint"], "token_endpoint", allow_loopback=allow_loopback())
    with _session(conn, client_secret, redirect_uri) as client:
        try:
            token = client.fetch_token(metadata["token_endpoint"], grant_type="authorization_code", code=code,
                                       code_verifier=verifier, timeout=HTTP_TIMEOUT)
        except AuthlibBaseError as exc:
            raise OidcError("Your organisation's identity provider refused the sign-in "
                            f"({exc.error}). Start again.", f"token-{exc.error}"[:60]) from None
        except outbound.BlockedTarget as exc:
            raise OidcError(f"The identity provider's token endpoint cannot be used: {exc}",
                            "blocked-address") from None
        except (requests.RequestException, ValueError):
            raise OidcError("Your organisation's identity provider did not answer. Try again later.",
                            "provider-unreachable") from None
    if not token.get("id_token"):
        raise OidcError("Your organisation's identity provider sent no ID token.", "no-id-token")
    return dict(token)


def validate_id_token(conn: SsoConnection, id_token: str, *, nonce: str, now: datetime,
                      access_token: str | None = None) -> dict:
    """The ID token's claims once its signature, issuer, audience, times, nonce and at_hash are right."""
    registry = JWSRegistry(algorithms=ASYMMETRIC_ALGORITHMS, strict_check_header=False)
    try:
        try:
            token = jwt.decode(id_token, _jwks(conn, now=now), registry=registry)
        except InvalidKeyIdError:
            if conn.jwks_fetched_at and now - conn.jwks_fetched_at < JWKS_REFETCH_EVERY:
                raise
            token = jwt.decode(id_token, _jwks(conn, now=now, force=True), registry=registry)
    except InvalidKeyIdError:
        raise OidcError("The sign-in token was signed with a key your organisation's identity provider does "
                        "not publish.", "unknown-key") from None
    except BadSignatureError:
        raise OidcError("The sign-in token's signature is not valid: it was altered.", "bad-signature") from None
    except (JoseError, ValueError, TypeError):
        raise OidcError("The sign-in token is malformed or uses a signature algorithm we do not accept.",
                        "malformed-token") from None
    options = {"iss": {"essential": True, "value": conn.issuer}, "aud": {"essential": True, "value": conn.client_id},
               "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True}}
    params = {"nonce": nonce, "client_id": conn.client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(token.claims, token.header, options, params)
    try:
        claims.validate(now=int(now.timestamp()), leeway=LEEWAY_SECONDS)
    except JoseError as exc:
        raise _claim_error(exc) from None
    if not isinstance(claims.get("nonce"), str):
        raise OidcError("The sign-in token carries no nonce. Start again.", "nonce")
    return dict(claims)


def _claim_error(exc: JoseError) -> OidcError:
    claim = getattr(exc, "claim", "")
    error = getattr(exc, "error", "")
    if error == "expired_token" or claim == "exp":
        return OidcError("The sign-in token has expired. Start again.", "expired")
    if claim == "aud" or claim == "azp":
        return OidcError("The sign-in token was issued for another application.", "wrong-audience")
    if claim == "iss":
        return OidcError("The sign-in token comes from another identity provider.", "wrong-issuer")
    if claim == "nonce":
        return OidcError("The sign-in token does not belong to this sign-in (nonce). Start again.", "nonce")
    if claim in ("iat", "nbf") or error == "invalid_token":
        return OidcError("The sign-in token is not valid yet: check the clocks. Start again.", "not-yet-valid")
    if isinstance(exc, MissingClaimError):
        return OidcError(f"The sign-in token lacks the {claim or 'required'} claim.", "missing-claim")
    return OidcError(f"The sign-in token's {claim or 'claims'} did not check out.", "bad-claim")
