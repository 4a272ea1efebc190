"""Encryption of the TOTP secrets at rest, and keyed hashes of one-time codes and tokens.

The key is derived from ``MFA_KEY_SECRET`` (default: ``SECRET_KEY``), so a database dump alone
yields no working authenticator secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _secret() -> bytes:
    return (current_app.config.get("MFA_KEY_SECRET") or current_app.config["SECRET_KEY"]).encode()


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"continuum-mfa", info=b"totp-secret").derive(_secret())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def code_hash(purpose: str, code: str) -> str:
    """A keyed SHA-256 of a high-entropy one-time code: unique-indexable, useless if leaked alone."""
    key = hashlib.sha256(b"continuum-" + purpose.encode() + b"|" + _secret()).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
