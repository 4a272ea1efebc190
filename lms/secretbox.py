"""Client secrets at rest: Fernet with a key derived from SECRET_KEY (HKDF-SHA256, own context).

``context`` separates the keys of different stores (SSO client secrets by default; the packages'
external LRS secrets use their own), so one store's ciphertext never opens in another."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


SSO_CONTEXT = b"continuum.sso.client-secret"


def _fernet(secret_key: str, context: bytes = SSO_CONTEXT) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=context).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, plaintext: str, *, context: bytes = SSO_CONTEXT) -> str:
    return _fernet(secret_key, context).encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(secret_key: str, token: str, *, context: bytes = SSO_CONTEXT) -> str:
    """The secret, or "" when there is none or SECRET_KEY changed since it was saved."""
    if not token:
        return ""
    try:
        return _fernet(secret_key, context).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
