"""Second-factor pages: the sign-in step, set-up from the profile (or forced at sign-in), recovery
codes, and an organisation's policy. Views parse forms and call services; the unit of work commits."""

from __future__ import annotations

import time

import segno
from flask import current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from lms.extensions import limiter
from lms.mfa import bp, passkeys, services, signin
from lms.mfa.forms import ActionForm, CodeForm, ConfirmTotpForm, PolicyForm
from lms.permissions import get_org_or_404
from lms.types import utcnow


def _per_account_limit() -> str:
    return current_app.config.get("MFA_LIMIT_PER_ACCOUNT", "5 per 5 minutes")


def _per_ip_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _failed(response) -> bool:
    # Only wrong codes count: a success redirects, or shows the recovery codes.
    return response.status_code >= 400


def _enrolling_user():
    """The signed-in user, or the one who passed the password step and must set up a factor.

    Someone who has a factor already must use it: the password alone never adds another.
    """
    if current_user.is_authenticated:
        return current_user._get_current_object(), False
    user = signin.pending_user()
    if user is not None and services.has_second_factor(user):
        return None, True
    return user, True


def _setup_key() -> str:
    user, _ = _enrolling_user()
    return f"mfa-setup:{user.id if user else 'none'}"


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_per_ip_limit, methods=["POST"])
@limiter.limit(_per_account_limit, key_func=signin.pending_key, methods=["POST"], deduct_when=_failed)
def verify():
    user = signin.pending_user()
    if user is None:
        flash("Please log in again.", "info")
        return redirect(url_for("auth.login"))
    if not services.has_second_factor(user):
        return redirect(url_for("mfa.setup"))
    form = CodeForm()
    if form.validate_on_submit():
        now = utcnow()
        code = form.code.data
        if services.verify_totp(user, code, now=now) or services.use_recovery_code(user, code, now=now):
            left = services.recovery_codes_left(user)
            target = signin.finish(user)
            if left <= 3 and services.confirmed_totp(user):
                flash(f"You have {left} recovery code{'s' if left != 1 else ''} left. Make new ones "
                      "from Sign-in security.", "warning")
            return redirect(target)
        form.code.errors.append("That code is not correct, or it was used already. Check the time on your "
                                "device and try again.")
    return render_template("lms/mfa/verify.html", form=form, has_totp=services.confirmed_totp(user) is not None,
                           has_passkey=bool(services.passkeys(user))), 401 if form.errors else 200


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit(_per_ip_limit, methods=["POST"])
@limiter.limit(_per_account_limit, key_func=lambda: _setup_key(), methods=["POST"], deduct_when=_failed)
def setup():
    user, signing_in = _enrolling_user()
    if user is None:
        return redirect(url_for("mfa.verify") if signing_in and signin.pending_user() else url_for("auth.login"))
    if services.confirmed_totp(user):
        return redirect(url_for("mfa.security"))
    secret = services.pending_totp_secret(user)
    form = ConfirmTotpForm()
    if secret and form.validate_on_submit():
        try:
            codes = services.confirm_totp(user, form.code.data, now=utcnow(), ip=request.remote_addr)
        except services.MfaError as exc:
            form.code.errors.append(str(exc))
        else:
            target = signin.finish(user) if signing_in else url_for("mfa.security")
            return render_template("lms/mfa/recovery_codes.html", codes=codes, next_url=target)
    qr = None
    if secret:
        qr = segno.make(services.provisioning_uri(user, secret), error="m").svg_data_uri(scale=5, border=2)
    return render_template("lms/mfa/setup.html", form=form, start_form=ActionForm(), secret=secret, qr=qr,
                           signing_in=signing_in, required=services.requires_second_factor(user),
                           ), 401 if form.errors else 200


@bp.route("/totp/start", methods=["POST"])
def start_totp():
    user, _ = _enrolling_user()
    if user is None:
        return redirect(url_for("auth.login"))
    if ActionForm().validate_on_submit():
        try:
            services.start_totp(user, now=utcnow())
        except services.MfaError as exc:
            flash(str(exc), "danger")
            return redirect(url_for("mfa.security"))
    return redirect(url_for("mfa.setup"))


@bp.route("/")
@login_required
def security():
    user = current_user._get_current_object()
    return render_template("lms/mfa/security.html", totp=services.confirmed_totp(user),
                           passkeys=services.passkeys(user), codes_left=services.recovery_codes_left(user),
                           required=services.requires_second_factor(user), form=ActionForm())


@bp.route("/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes():
    user = current_user._get_current_object()
    if not ActionForm().validate_on_submit() or not services.has_second_factor(user):
        return redirect(url_for("mfa.security"))
    codes = services.new_recovery_codes(user, now=utcnow())
    return render_template("lms/mfa/recovery_codes.html", codes=codes, next_url=url_for("mfa.security"))


@bp.route("/totp/remove", methods=["POST"])
@login_required
def remove_totp():
    if ActionForm().validate_on_submit():
        try:
            services.remove_totp(current_user._get_current_object(), now=utcnow(), ip=request.remote_addr)
        except services.MfaError as exc:
            flash(str(exc), "danger")
        else:
            flash("The authenticator app is removed.", "info")
    return redirect(url_for("mfa.security"))


@bp.route("/orgs/<int:org_id>", methods=["GET", "POST"])
@login_required
def policy(org_id: int):
    org = get_org_or_404(org_id, "manager")
    form = PolicyForm(require_for_staff=services.policy_for(org.id))
    if form.validate_on_submit():
        services.set_policy(current_user._get_current_object(), org, require_for_staff=form.require_for_staff.data,
                            now=utcnow(), ip=request.remote_addr)
        flash("Sign-in policy saved.", "success")
        return redirect(url_for("mfa.policy", org_id=org.id))
    return render_template("lms/mfa/policy.html", org=org, form=form)


# --- passkeys (WebAuthn): the browser side is static/js/passkeys.js ----------------------------------

CHALLENGE_MAX_AGE = 300


def _keep_challenge(purpose: str, challenge: bytes) -> None:
    session[f"webauthn_{purpose}"] = {"c": passkeys.encode_challenge(challenge), "at": int(time.time())}


def _take_challenge(purpose: str) -> bytes | None:
    """The challenge issued for ``purpose``, once: a replayed assertion finds none."""
    data = session.pop(f"webauthn_{purpose}", None)
    if not isinstance(data, dict) or time.time() - int(data.get("at") or 0) > CHALLENGE_MAX_AGE:
        return None
    return passkeys.decode_challenge(data.get("c"))


def _json_error(message: str, status: int = 400):
    return jsonify({"error": message}), status


def _credential() -> dict | None:
    body = request.get_json(silent=True)
    credential = body.get("credential") if isinstance(body, dict) else None
    return credential if isinstance(credential, dict) else None


@bp.route("/passkeys/register/options", methods=["POST"])
def passkey_register_options():
    user, _ = _enrolling_user()
    if user is None:
        return _json_error("Please log in again.", 401)
    options, challenge = passkeys.registration_options(user)
    _keep_challenge("register", challenge)
    return current_app.response_class(options, mimetype="application/json")


@bp.route("/passkeys/register", methods=["POST"])
@limiter.limit(_per_ip_limit)
def passkey_register():
    user, signing_in = _enrolling_user()
    if user is None:
        return _json_error("Please log in again.", 401)
    challenge, credential = _take_challenge("register"), _credential()
    if challenge is None or credential is None:
        return _json_error("The request expired. Try again.")
    body = request.get_json(silent=True) or {}
    try:
        passkeys.register(user, credential, challenge, name=str(body.get("name") or ""), now=utcnow(),
                          ip=request.remote_addr)
    except services.MfaError as exc:
        return _json_error(str(exc))
    if signing_in:
        return jsonify({"redirect": signin.finish(user)})
    flash("Passkey added.", "success")
    return jsonify({"redirect": url_for("mfa.security")})


@bp.route("/passkey")
def passkey_page():
    """Sign in with a passkey alone (no password): the passkey is both factors."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("lms/mfa/passkey_signin.html")


@bp.route("/passkeys/signin/options", methods=["POST"])
def passkey_signin_options():
    options, challenge = passkeys.authentication_options(signin.pending_user())
    _keep_challenge("signin", challenge)
    return current_app.response_class(options, mimetype="application/json")


@bp.route("/passkeys/signin", methods=["POST"])
@limiter.limit(_per_ip_limit)
def passkey_signin():
    pending = signin.pending_user()
    challenge, credential = _take_challenge("signin"), _credential()
    if challenge is None or credential is None:
        return _json_error("The request expired. Try again.")
    try:
        user = passkeys.authenticate(credential, challenge, user=pending, now=utcnow())
    except services.MfaError as exc:
        return _json_error(str(exc), 401)
    if pending is None:  # passwordless: nothing pending, so start and finish at once
        signin.begin_passwordless(user)
    return jsonify({"redirect": signin.finish(user)})


@bp.route("/passkeys/<int:passkey_id>/remove", methods=["POST"])
@login_required
def passkey_remove(passkey_id: int):
    if ActionForm().validate_on_submit():
        try:
            passkeys.remove(current_user._get_current_object(), passkey_id, now=utcnow(), ip=request.remote_addr)
        except services.MfaError as exc:
            flash(str(exc), "danger")
        else:
            flash("Passkey removed.", "info")
    return redirect(url_for("mfa.security") + "#passkeys")
