"""Bearer tokens for /api/v1: who is calling, and what the token lets them do.

The token's owner becomes ``current_user`` for the request, so the web pages' permission
predicates and loaders answer for the API too: a token never sees more than its owner could.
Scopes only narrow that further. A service token is its manager, confined to one organisation.
"""

from __future__ import annotations

import functools
import hashlib

from flask import abort, g, request
from flask_limiter.util import get_remote_address

from lms import unit_of_work
from lms.api.tokens import authenticate, touch
from lms.types import utcnow


def bearer_secret() -> str | None:
    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def authenticate_request() -> None:
    """Load the token named by the ``Authorization: Bearer`` header or answer 401."""
    now = utcnow()
    token = authenticate(bearer_secret(), now=now)
    if token is None:
        abort(401, "Send a valid, unexpired API token: Authorization: Bearer <token>.")
    g.api_token = token
    unit_of_work.write_apart(touch, token.id, now)
    g._login_user = token.user  # Flask-Login's current_user for this request only; no session is touched


def current_token():
    return g.get("api_token")


def require(scope: str):
    """The view needs ``scope`` (e.g. ``"credits:read"``) on the calling token, else 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            token = current_token()
            if token is None:
                abort(401, "Send a valid, unexpired API token: Authorization: Bearer <token>.")
            if scope not in (token.scopes or []):
                abort(403, f"This token lacks the scope {scope}.")
            return view(*args, **kwargs)

        wrapper._api_scope = scope
        return wrapper

    return decorator


def personal_only() -> None:
    """Endpoints about "me" have no meaning for an organisation's service token."""
    token = current_token()
    if token is not None and token.org_id is not None:
        abort(403, "A service token acts for its organisation, not for a person; use a personal token.")


def confine_to_token_org(org_id: int) -> None:
    """A service token sees its own organisation only: any other is 404, as if it did not exist."""
    token = current_token()
    if token is not None and token.org_id is not None and token.org_id != org_id:
        abort(404)


def rate_limit_key() -> str:
    """Per token (by a hash of the secret, known before the token is loaded), else per address."""
    secret = bearer_secret()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "api-ip:" + (get_remote_address() or "")
