"""Token management pages: personal tokens on the profile, service tokens in an organisation's settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.api import tokens
from lms.api.forms import TokenForm
from lms.api.models import ApiToken
from lms.extensions import db
from lms.orgs.forms import ConfirmForm
from lms.permissions import get_org_or_404
from lms.types import utcnow

bp = Blueprint("api_tokens", __name__)


@bp.route("/profile/tokens", methods=["GET", "POST"])
@login_required
def personal():
    form = TokenForm(families=tokens.FAMILIES.keys())
    secret = None
    if form.validate_on_submit():
        try:
            made = tokens.create_personal_token(current_user._get_current_object(), name=form.name.data,
                                                scopes=form.scopes.data, now=utcnow(), days=form.days.data)
            secret = made.secret
            form = TokenForm(formdata=None, families=tokens.FAMILIES.keys())
        except tokens.TokenError as exc:
            form.form_errors.append(str(exc))
    status = 422 if form.errors or form.form_errors else 200
    response = render_template("api/tokens.html", form=form, secret=secret, rows=tokens.personal_tokens(current_user),
                               confirm_form=ConfirmForm(), org=None, now=utcnow(), families=tokens.FAMILIES)
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_personal(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id or token.org_id is not None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    tokens.revoke(token, actor=current_user, now=utcnow())
    flash(f"Token “{token.name}” revoked: it stops working at once.", "success")
    return redirect(url_for("api_tokens.personal"))


@bp.route("/orgs/<int:org_id>/api-tokens", methods=["GET", "POST"])
@login_required
def service(org_id: int):
    org = get_org_or_404(org_id, "manager")
    form = TokenForm(families=tokens.ORG_FAMILIES)
    secret = None
    if form.validate_on_submit():
        try:
            made = tokens.create_service_token(current_user._get_current_object(), org, name=form.name.data,
                                               scopes=form.scopes.data, now=utcnow(), days=form.days.data)
            secret = made.secret
            form = TokenForm(formdata=None, families=tokens.ORG_FAMILIES)
        except tokens.TokenError as exc:
            form.form_errors.append(str(exc))
    status = 422 if form.errors or form.form_errors else 200
    response = render_template("api/tokens.html", form=form, secret=secret, rows=tokens.service_tokens(org),
                               confirm_form=ConfirmForm(), org=org, now=utcnow(), families=tokens.FAMILIES)
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/orgs/<int:org_id>/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_service(org_id: int, token_id: int):
    org = get_org_or_404(org_id, "manager")
    token = db.session.get(ApiToken, token_id)
    if token is None or token.org_id != org.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    tokens.revoke(token, actor=current_user, now=utcnow())
    flash(f"Token “{token.name}” revoked: it stops working at once.", "success")
    return redirect(url_for("api_tokens.service", org_id=org.id))
