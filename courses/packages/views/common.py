"""What the machine-facing package views share: xAPI errors as JSON, CORS, credentials, the clock."""

from __future__ import annotations

import base64
import hmac
import os
import tempfile
from pathlib import Path

from flask import current_app, jsonify, request

from courses.packages.archive import Limits, PackageRefused
from courses.packages.xapi import XapiError
from lms.types import utcnow

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, PUT, POST, DELETE, OPTIONS, HEAD",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Experience-API-Version, If-Match, "
                                    "If-None-Match, X-Requested-With",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, X-Experience-API-Version, "
                                     "X-Experience-API-Consistent-Through, Location",
    "Access-Control-Max-Age": "600",
}


def now():
    return utcnow()


def public_url() -> str:
    return current_app.config["PUBLIC_URL"]


def base_url() -> str:
    """This app's origin as the client reached it (trusted hosts only): AUs call back where they came from."""
    return request.host_url.rstrip("/")


def limits() -> Limits:
    return Limits.from_config(current_app.config)


def upload_dir() -> str:
    return current_app.config["UPLOAD_DIR"]


def admin_credentials() -> tuple[str, str] | None:
    key = current_app.config.get("XAPI_ADMIN_KEY") or os.environ.get("XAPI_ADMIN_KEY")
    secret = current_app.config.get("XAPI_ADMIN_SECRET") or os.environ.get("XAPI_ADMIN_SECRET")
    if not key or not secret or len(secret) < 16:
        return None
    return key, secret


def is_admin(header: str) -> bool:
    """True for ``Basic`` with the configured LRS/automation key and secret (none configured: never)."""
    expected = admin_credentials()
    scheme, _, value = (header or "").partition(" ")
    if expected is None or scheme.lower() != "basic":
        return False
    try:
        key, _, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(key.encode(), expected[0].encode()) and \
        hmac.compare_digest(secret.encode(), expected[1].encode())


def error_response(exc: XapiError):
    response = jsonify(error=str(exc))
    response.status_code = exc.status
    return response


def refused_response(exc: PackageRefused):
    response = jsonify(message=str(exc), violatedReqId=exc.requirement)
    response.status_code = 400
    return response


def spool_body(stream, cap: int) -> Path:
    """Copy a request body to a temporary file, refusing it past ``cap`` bytes."""
    directory = Path(upload_dir()) / "incoming"
    directory.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".upload")
    total = 0
    try:
        with handle:
            while chunk := stream.read(1024 * 1024):
                total += len(chunk)
                if total > cap:
                    raise PackageRefused(f"The package is larger than {cap // (1024 * 1024)} MB.")
                handle.write(chunk)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return Path(handle.name)
