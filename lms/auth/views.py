"""Account views: parse the form, call a service, commit once, then send mail."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from lms import jobs
from lms.auth import bp
from lms.auth import services as auth
from lms.auth.signals import password_sign_in_requested
from lms.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResendVerificationForm,
    ResetPasswordForm,
)
from lms.auth.jobs import send_password_reset_email, send_verification_email
from lms.auth.throttle import allow, progressive_delay
from lms.extensions import db, limiter
from lms.mfa import signin as mfa_signin
from lms.security import safe_next
from lms.sessions import services as sessions
from lms.sessions.login import current_session, sign_in
from lms.unit_of_work import keep_on_error
from lms.types import utcnow
from lms.unit_of_work import refuse


def _account() -> str:
    return auth.normalise_email(request.form.get("email", ""))[:254]


def _login_account_key() -> str:
    # Per account *and* client: the hard limit stops the client guessing, never the account's owner elsewhere.
    return f"login-account:{_account()}:{request.remote_addr}"


def _per_ip_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _per_account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _failed(response) -> bool:
    # Only failed attempts count against an account, so its owner is not locked out by successes.
    return response.status_code != 302


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_per_ip_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = auth.register(
                email=form.email.data, password=form.password.data, first_name=form.first_name.data,
                last_name=form.last_name.data, profession=form.profession.data, now=utcnow(),
                timezone=form.timezone.data,
            )
        except auth.WeakPassword as exc:
            form.password.errors.extend(exc.problems)
        except auth.EmailTaken as exc:
            form.email.errors.append(str(exc))
        except auth.AuthError as exc:
            form.profession.errors.append(str(exc))
        else:
            jobs.enqueue(send_verification_email, user.id)
            return redirect(url_for("auth.check_email", email=user.email))
    return render_template("lms/auth/register.html", form=form), 200 if not form.errors else 422


@bp.route("/check-email")
def check_email():
    return render_template("lms/auth/check_email.html", email=request.args.get("email", "")[:254],
                           form=ResendVerificationForm(email=request.args.get("email", "")[:254]))


@bp.route("/verify/<token>")
def verify_email(token: str):
    try:
        user = auth.verify_email(token, now=utcnow())
    except auth.InvalidToken as exc:
        return refuse(str(exc), url_for("auth.resend_verification"))
    flash("Your email address is confirmed. You can log in now.", "success")
    return redirect(url_for("auth.login", email=user.email))


@bp.route("/verify/resend", methods=["GET", "POST"])
@limiter.limit(_per_ip_limit, methods=["POST"])
def resend_verification():
    form = ResendVerificationForm()
    if form.validate_on_submit():
        user = auth.get_user_by_email(form.email.data)
        if user is not None and not user.is_verified and user.is_active:
            jobs.enqueue(send_verification_email, user.id)
        # The same answer whether or not the account exists.
        return redirect(url_for("auth.check_email", email=auth.normalise_email(form.email.data)))
    return render_template("lms/auth/resend.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_per_ip_limit, methods=["POST"])
@limiter.limit(_per_account_limit, key_func=_login_account_key, methods=["POST"], deduct_when=_failed)
@progressive_delay(_account, _failed)
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.dashboard"))
    form = LoginForm(email=request.args.get("email", "")[:254] or None)
    if form.validate_on_submit():
        refusals = [message for _, message in password_sign_in_requested.send(
            current_app._get_current_object(), email=form.email.data) if message]
        try:
            if refusals:
                raise auth.AuthError(refusals[0])
            user = auth.authenticate(form.email.data, form.password.data)
        except auth.NotVerified as exc:
            user = auth.get_user_by_email(form.email.data)
            jobs.enqueue(send_verification_email, user.id)
            form.form_errors.append(str(exc))
            _record_failure(form.email.data, "not verified", user)
        except auth.AuthError as exc:
            form.form_errors.append(str(exc))
            _record_failure(form.email.data, "sso required" if refusals else "invalid credentials")
        else:
            # The second factor, where one is set up or required, before the session starts.
            return mfa_signin.begin(user, method="password", remember=form.remember.data, next_url=next_url)
    return render_template("lms/auth/login.html", form=form, next=next_url), 200 if not form.errors else 401


def _record_failure(email: str, reason: str, user=None) -> None:
    # Sign-in history keeps failures too, although the 401 rolls the request back.
    sessions.record_sign_in(user, email=auth.normalise_email(email), method="password", success=False,
                            now=utcnow(), ip=request.remote_addr, reason=reason)
    keep_on_error()


@bp.route("/logout", methods=["POST"])
def logout():
    row = current_session() if current_user.is_authenticated else None
    if row is not None:
        # Only this browser's session ends; the sessions page signs out everywhere.
        sessions.end_session(current_user._get_current_object(), row, now=utcnow(), reason="sign-out",
                             ip=request.remote_addr)
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_per_ip_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = auth.get_user_by_email(form.email.data)
        # Per address, quietly: the page reads the same whether the mail went, was held back, or no account exists.
        if user is not None and user.is_active and allow(current_app.config["RESET_EMAIL_LIMIT_PER_ADDRESS"],
                                                         "reset-email:" + user.email):
            jobs.enqueue(send_password_reset_email, user.id)
        flash("If an account exists for that address, we have emailed a link to reset the password. "
              "It works once, within an hour.", "info")
        return redirect(url_for("auth.login"))
    return render_template("lms/auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_per_ip_limit, methods=["POST"])
def reset_password(token: str):
    try:
        user = auth.user_for_reset_token(token)
    except auth.InvalidToken as exc:
        return refuse(str(exc), url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            auth.reset_password(token, form.password.data, now=utcnow())
        except auth.WeakPassword as exc:
            form.password.errors.extend(exc.problems)
        except auth.InvalidToken as exc:
            return refuse(str(exc), url_for("auth.forgot_password"))
        else:
            logout_user()
            flash("Your password is changed and every other session is signed out. Log in with the new one.",
                  "success")
            return redirect(url_for("auth.login", email=user.email))
    return render_template("lms/auth/reset.html", form=form), 200 if not form.errors else 422


@bp.route("/password/change", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            auth.change_password(user, form.current.data, form.password.data, now=utcnow())
        except auth.InvalidCredentials:
            form.current.errors.append("The current password is not correct.")
        except auth.WeakPassword as exc:
            form.password.errors.extend(exc.problems)
        else:
            # Every earlier cookie is now void; give this browser a fresh session.
            sign_in(user, method="password")
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("users.profile"))
    return render_template("lms/auth/change_password.html", form=form), 200 if not form.errors else 422
