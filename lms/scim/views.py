"""The SCIM endpoints (``/scim/v2/...``), served by scim2-server over ``OrgStorage``, and the page where an
organisation's managers issue and revoke the identity provider's bearer tokens.

The protocol endpoints take no cookie and no CSRF token: only ``Authorization: Bearer``. They answer
``application/scim+json`` with RFC 7644 error bodies; the unit of work commits below 400.
"""

from __future__ import annotations

import json

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from scim2_models import UnauthorizedException
from scim2_server.applications.wsgi import WSGIApplication
from scim2_server.requests import ScimRequest

from lms.extensions import csrf, db, limiter
from lms.orgs.models import Organisation
from lms.permissions import get_org_or_404
from lms.scim import bp, tokens
from lms.scim.forms import RevokeForm, TokenForm
from lms.scim.provider import provider, service
from lms.scim.storage import OrgStorage
from lms.security import external_url
from lms.types import utcnow

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class _Application(WSGIApplication):
    """scim2-server's application with Continuum's per-organisation bearer tokens."""

    def check_auth(self, scim_request: ScimRequest) -> None:
        token = tokens.authenticate(scim_request.header("Authorization"), now=self.storage.now)
        if token is None:
            raise UnauthorizedException(detail="A valid bearer token for this organisation is required")
        self.storage.org = db.session.get(Organisation, token.org_id)


def _scim_limit() -> str:
    return current_app.config.get("SCIM_LIMIT", "600 per minute")


@bp.route("/scim/v2", defaults={"path": ""}, methods=METHODS)
@bp.route("/scim/v2/<path:path>", methods=METHODS)
@csrf.exempt
@limiter.limit(_scim_limit)
def endpoint(path: str):
    application = _Application(OrgStorage(now=utcnow()), provider(), service())
    headers = dict(request.headers.items())
    scim_request = ScimRequest(
        method=request.method,
        # Links are built on PUBLIC_URL, never on the request's Host header.
        base_url=current_app.config["PUBLIC_URL"].rstrip("/") + "/scim/v2",
        path=application.split_path("/" + path if path else ""),
        query=request.args.to_dict(),
        headers=headers,
        body=request.get_data(cache=False),
    )
    result = application.serve(scim_request)
    body = b"" if result.body is None else json.dumps(result.body).encode()
    return Response(body, status=result.status.value, headers=result.headers)


@bp.route("/orgs/<int:org_id>/scim", methods=["GET", "POST"])
@login_required
def manage_tokens(org_id: int):
    org = get_org_or_404(org_id, "manager")
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _, new_token = tokens.issue(current_user._get_current_object(), org, name=form.name.data, now=utcnow(),
                                    ip=request.remote_addr)
        form = TokenForm(formdata=None)
    response = render_template("lms/scim/tokens.html", org=org, form=form, revoke_form=RevokeForm(),
                               tokens=tokens.tokens_of(org), new_token=new_token,
                               scim_url=external_url("scim.endpoint", path=""))
    # A page showing a fresh token must not be kept by the browser or a proxy.
    return response, 200 if not form.errors else 422, {"Cache-Control": "no-store"}


@bp.route("/orgs/<int:org_id>/scim/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(org_id: int, token_id: int):
    org = get_org_or_404(org_id, "manager")
    if RevokeForm().validate_on_submit():
        tokens.revoke(current_user._get_current_object(), org, token_id, now=utcnow(), ip=request.remote_addr)
        flash("The token is revoked: the identity provider can no longer use it.", "info")
    return redirect(url_for("scim.manage_tokens", org_id=org.id))
