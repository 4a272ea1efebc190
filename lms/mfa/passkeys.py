"""Passkeys and security keys (WebAuthn, on py_webauthn): registration and sign-in checks.

The relying party is ``WEBAUTHN_RP_ID`` (default: the host of ``PUBLIC_URL``) and the only origin
accepted is ``WEBAUTHN_ORIGIN`` (default: ``PUBLIC_URL``): never the request's Host header.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse, InvalidJSONStructure
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from lms.audit.services import record
from lms.extensions import db
from lms.mfa.models import Passkey
from lms.mfa.services import MfaError
from lms.users.models import User


class PasskeyRefused(MfaError):
    def __init__(self, message: str = "That passkey could not be checked. Try again, or use another way in."):
        super().__init__(message)


def rp_id() -> str:
    return current_app.config.get("WEBAUTHN_RP_ID") or urlsplit(current_app.config["PUBLIC_URL"]).hostname


def origin() -> str:
    return current_app.config.get("WEBAUTHN_ORIGIN") or current_app.config["PUBLIC_URL"].rstrip("/")


def user_handle(user: User) -> bytes:
    """A stable, opaque handle for the authenticator: not the email, not the bare id."""
    key = (current_app.config.get("MFA_KEY_SECRET") or current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"webauthn-user:{user.id}".encode(), hashlib.sha256).digest()


def registration_options(user: User) -> tuple[str, bytes]:
    """Options for navigator.credentials.create() as JSON, and the challenge to keep in the session."""
    options = generate_registration_options(
        rp_id=rp_id(), rp_name="Continuum", user_name=user.email, user_id=user_handle(user),
        user_display_name=user.full_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id)
                             for p in db.session.scalars(select(Passkey).where(Passkey.user_id == user.id))],
    )
    return options_to_json(options), options.challenge


def register(user: User, credential: dict, challenge: bytes, *, name: str, now: datetime,
             ip: str | None = None) -> Passkey:
    try:
        verified = verify_registration_response(credential=credential, expected_challenge=challenge,
                                                expected_rp_id=rp_id(), expected_origin=origin())
    except (InvalidRegistrationResponse, InvalidJSONStructure, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRefused(f"That passkey could not be registered: {exc}") from None
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == verified.credential_id)):
        raise PasskeyRefused("That passkey is registered already.")
    transports = credential.get("response", {}).get("transports") or []
    passkey = Passkey(user_id=user.id, credential_id=verified.credential_id,
                      public_key=verified.credential_public_key, sign_count=verified.sign_count,
                      name=(name or "Passkey").strip()[:80] or "Passkey",
                      transports=",".join(str(t) for t in transports)[:120], created_at=now)
    db.session.add(passkey)
    db.session.flush()
    record(user, "mfa.passkey.add", user, now=now, after={"passkey": passkey.id, "name": passkey.name}, ip=ip)
    return passkey


def authentication_options(user: User | None) -> tuple[str, bytes]:
    """Options for navigator.credentials.get(): the user's credentials, or any passkey (passwordless)."""
    allow = None
    if user is not None:
        allow = [PublicKeyCredentialDescriptor(id=p.credential_id)
                 for p in db.session.scalars(select(Passkey).where(Passkey.user_id == user.id))]
    options = generate_authentication_options(
        rp_id=rp_id(), allow_credentials=allow,
        user_verification=UserVerificationRequirement.REQUIRED if user is None else UserVerificationRequirement.PREFERRED)
    return options_to_json(options), options.challenge


def authenticate(credential: dict, challenge: bytes, *, user: User | None, now: datetime) -> User:
    """Check a signed assertion. With ``user`` (the second step) the passkey must be theirs;
    without (passwordless) the authenticator must have verified the person (PIN or biometric)."""
    try:
        parsed = parse_authentication_credential_json(json.dumps(credential))
    except (InvalidJSONStructure, ValueError, TypeError):
        raise PasskeyRefused() from None
    passkey = db.session.scalar(select(Passkey).where(Passkey.credential_id == parsed.raw_id))
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise PasskeyRefused("That passkey is not registered for this account.")
    try:
        verified = verify_authentication_response(
            credential=parsed, expected_challenge=challenge, expected_rp_id=rp_id(), expected_origin=origin(),
            credential_public_key=passkey.public_key, credential_current_sign_count=passkey.sign_count,
            require_user_verification=user is None)
    except (InvalidAuthenticationResponse, InvalidJSONStructure, ValueError) as exc:
        raise PasskeyRefused(f"That passkey could not be checked: {exc}") from None
    owner = db.session.get(User, passkey.user_id)
    if owner is None or not owner.is_active or not owner.is_verified:
        raise PasskeyRefused("This account cannot sign in.")
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = now
    return owner


def remove(user: User, passkey_id: int, *, now: datetime, ip: str | None = None) -> None:
    from lms.mfa import services

    passkey = db.session.scalar(select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user.id))
    if passkey is None:
        raise PasskeyRefused("No such passkey.")
    others = db.session.scalar(select(Passkey.id).where(Passkey.user_id == user.id, Passkey.id != passkey.id).limit(1))
    if others is None and services.confirmed_totp(user) is None and services.requires_second_factor(user):
        raise MfaError("Your role requires a second factor: set up another before removing your last one.")
    db.session.delete(passkey)
    db.session.flush()
    record(user, "mfa.passkey.remove", user, now=now, after={"passkey": passkey_id}, ip=ip)


def encode_challenge(challenge: bytes) -> str:
    return bytes_to_base64url(challenge)


def decode_challenge(value) -> bytes | None:
    try:
        return base64url_to_bytes(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
