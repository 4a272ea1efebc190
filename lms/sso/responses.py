"""The two answers every sign-in route may give besides success: off to the provider, or a clear failure."""

from __future__ import annotations

from flask import render_template, request

from lms import unit_of_work
from lms.sessions.services import record_sign_in
from lms.sso.models import SsoConnection
from lms.types import utcnow


def failure(message: str, reason: str, *, method: str, status: int = 400, email: str = "",
            org_id: int | None = None):
    """Undo everything this request wrote, keep only the failed attempt in the sign-in history."""
    unit_of_work.rollback()
    record_sign_in(None, email=email, method=method, success=False, now=utcnow(), ip=request.remote_addr,
                   reason=reason, org_id=org_id)
    unit_of_work.keep_on_error()
    return render_template("lms/sso/error.html", message=message), status


def leave_for_provider(conn: SsoConnection, url: str):
    """Send the browser to the identity provider from a page, not a redirect: the start form's
    Content-Security-Policy (form-action 'self') would block a form submission redirected off-site."""
    return render_template("lms/sso/redirect.html", url=url, org_name=conn.org.name)
