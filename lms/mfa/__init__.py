"""Second factors for sign-in: TOTP with one-time recovery codes, passkeys (WebAuthn), and the policy
saying who must have one. Part of the core's sign-in: it imports no feature."""

from flask import Blueprint

bp = Blueprint("mfa", __name__, url_prefix="/mfa")
