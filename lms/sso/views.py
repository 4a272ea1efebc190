"""Sign in with your organisation, the identity provider callbacks, and the organisation's sign-in settings."""

from __future__ import annotations

import hmac
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from lms import unit_of_work
from lms.extensions import db, limiter
from lms.permissions import get_org_or_404
from lms.security import external_url, safe_next
from lms.sessions.login import sign_in
from lms.sso import bp, oidc, services
from lms.sso.forms import SettingsForm, StartForm
from lms.sso.models import SsoConnection
from lms.sso.responses import failure, leave_for_provider
from lms.sso.saml_views import begin_saml
from lms.secretbox import decrypt
from lms.types import utcnow

PENDING_KEY = "sso_pending"
PENDING_MAX_AGE = timedelta(minutes=10)


def _per_ip_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(_per_ip_limit, methods=["POST"])
def start():
    next_url = safe_next(request.args.get("next"))
    form = StartForm(email=request.args.get("email", "")[:254] or None)
    if form.validate_on_submit():
        conn = services.connection_for_email(form.email.data)
        if conn is None:
            form.email.errors.append(f"No organisation signs in {services.email_domain(form.email.data)} addresses "
                                     "through single sign-on here. Log in with your password instead.")
        elif conn.protocol == "oidc":
            return _begin_oidc(conn, form.email.data, next_url)
        else:
            return begin_saml(conn, form.email.data, next_url)
    return render_template("lms/sso/start.html", form=form, next=next_url), 422 if form.errors else 200


def _begin_oidc(conn: SsoConnection, email: str, next_url: str | None):
    try:
        url, pending = oidc.authorization_request(conn, redirect_uri=external_url("sso.oidc_callback"),
                                                  now=utcnow(), login_hint=email)
    except oidc.OidcError as exc:
        return failure(str(exc), exc.reason, method="oidc", status=502, email=email, org_id=conn.org_id)
    session[PENDING_KEY] = {**pending, "connection": conn.id, "next": next_url, "email": email,
                            "at": int(utcnow().timestamp())}
    return leave_for_provider(conn, url)


@bp.route("/oidc/callback")
@limiter.limit(_per_ip_limit)
@unit_of_work.writes  # the identity provider's redirect back signs the person in
def oidc_callback():
    pending = session.pop(PENDING_KEY, None)
    now = utcnow()
    if not isinstance(pending, dict) or "state" not in pending:
        return failure("This sign-in has expired or was already used. Start again.", "no-pending", method="oidc")
    email = pending.get("email", "")
    if not hmac.compare_digest(str(request.args.get("state", "")), pending["state"]):
        return failure("This sign-in does not match the one this browser started (state). Start again.",
                       "state", method="oidc", email=email)
    if now.timestamp() - pending.get("at", 0) > PENDING_MAX_AGE.total_seconds():
        return failure("This sign-in took too long and has expired. Start again.", "expired", method="oidc",
                       email=email)
    conn = db.session.get(SsoConnection, pending.get("connection"))
    if conn is None or not conn.enabled or conn.protocol != "oidc":
        return failure("Unknown identity provider: single sign-on is not set up for this organisation.",
                       "unknown-idp", method="oidc", status=404, email=email)
    if request.args.get("error"):
        detail = (request.args.get("error_description") or request.args["error"])[:200]
        return failure(f"Your organisation's identity provider refused the sign-in: {detail}",
                       f"idp-{request.args['error']}"[:60], method="oidc", email=email, org_id=conn.org_id)
    if not request.args.get("code"):
        return failure("The identity provider sent no authorization code. Start again.", "no-code", method="oidc",
                       email=email, org_id=conn.org_id)
    try:
        token = oidc.exchange_code(conn, code=request.args["code"], verifier=pending["verifier"],
                                   client_secret=decrypt(current_app.config["SECRET_KEY"],
                                                         conn.client_secret_encrypted),
                                   redirect_uri=external_url("sso.oidc_callback"), now=now)
        claims = oidc.validate_id_token(conn, token["id_token"], nonce=pending["nonce"], now=now,
                                        access_token=token.get("access_token"))
        user = services.sign_in_from_claims(conn, _claims(conn, claims), now=now)
    except (oidc.OidcError, services.SsoError) as exc:
        return failure(str(exc), exc.reason, method="oidc", email=email, org_id=conn.org_id)
    sign_in(user, method="oidc", org_id=conn.org_id)
    return redirect(safe_next(pending.get("next")) or url_for("main.dashboard"))


def _claims(conn: SsoConnection, claims: dict) -> services.Claims:
    verified = claims.get("email_verified")
    if verified is None:
        # Entra ID sends no email_verified for work accounts; its optional claim xms_edov says the
        # tenant (bound by the issuer we checked) owns the address's verified domain.
        verified = claims.get("xms_edov")
    title = claims.get(conn.job_title_claim) if conn.job_title_claim else ""
    return services.Claims(
        subject=str(claims.get("sub") or ""), email=str(claims.get("email") or ""),
        email_verified=verified is True or verified in ("true", "1", 1),
        first_name=str(claims.get("given_name") or ""), last_name=str(claims.get("family_name") or ""),
        job_title=title if isinstance(title, str) else "")


@bp.route("/orgs/<int:org_id>/settings", methods=["GET", "POST"])
@login_required
def settings(org_id: int):
    org = get_org_or_404(org_id, "manager")
    conn = services.connection_for_org(org)
    form = SettingsForm(obj=conn) if request.method == "GET" else SettingsForm()
    if request.method == "GET" and conn is not None:
        form.domains.data = ", ".join(conn.domain_names)
        form.idp_metadata_xml.data = ""
    if form.validate_on_submit():
        upload = form.idp_metadata.data
        metadata = (upload.read(200_001).decode("utf-8", "replace") if upload and getattr(upload, "filename", "")
                    else (form.idp_metadata_xml.data or "").strip() or None)
        try:
            if metadata is not None and len(metadata) > 200_000:
                raise services.SsoError("The metadata file is too large.", "too-large")
            if form.issuer.data:
                oidc.check_issuer_url(form.issuer.data,
                                      allow_loopback_http=current_app.config.get("SSO_ALLOW_LOOPBACK_HTTP", False))
            data = services.SsoSettings(
                protocol=form.protocol.data, enabled=form.enabled.data, require_sso=form.require_sso.data,
                domains=services.parse_domains(form.domains.data), default_role=form.default_role.data,
                job_title_claim=form.job_title_claim.data or "", issuer=form.issuer.data or "",
                client_id=form.client_id.data or "", client_secret=form.client_secret.data or None,
                idp_metadata_xml=metadata)
            services.save_settings(current_user._get_current_object(), org, data, now=utcnow(),
                                   secret_key=current_app.config["SECRET_KEY"], ip=request.remote_addr)
        except (services.SsoError, oidc.OidcError) as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Sign-in settings saved.", "success")
            return redirect(url_for("sso.settings", org_id=org.id))
    saml_urls = None
    if conn is not None and conn.id:
        saml_urls = {"entity_id": external_url("sso.saml_metadata", connection_id=conn.id),
                     "acs_url": external_url("sso.saml_acs", connection_id=conn.id)}
    return render_template("lms/sso/settings.html", org=org, conn=conn, form=form, saml_urls=saml_urls,
                           redirect_uri=external_url("sso.oidc_callback")), 422 if form.errors else 200
