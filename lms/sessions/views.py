"""The sessions page (sign out one session, or everywhere) and an administrator's "end sessions"."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from lms.extensions import db
from lms.orgs.forms import ConfirmForm
from lms.permissions import is_admin
from lms.sessions import bp
from lms.sessions import services
from lms.sessions.devices import device_label, place_label
from lms.sessions.login import current_session
from lms.sessions.models import UserSession
from lms.types import utcnow
from lms.users.models import User


@bp.route("/account/sessions")
@login_required
def index():
    rows = services.active_sessions(current_user)
    this = current_session()
    return render_template("lms/sessions/index.html", rows=rows, this_id=this.id if this else None,
                           device_label=device_label, place_label=place_label, form=ConfirmForm())


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end(session_id: int):
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    this = current_session()
    services.end_session(current_user._get_current_object(), row, now=utcnow(),
                         reason="sign-out" if this and this.id == row.id else "signed-out-elsewhere",
                         ip=request.remote_addr)
    if this is not None and this.id == row.id:
        logout_user()
        flash("You are logged out.", "info")
        return redirect(url_for("auth.login"))
    flash(f"{device_label(row.user_agent)} is signed out.", "success")
    return redirect(url_for("sessions.index"))


@bp.route("/account/sessions/end-all", methods=["POST"])
@login_required
def end_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    services.end_all_sessions(user, now=utcnow(), reason="everywhere", actor=user, ip=request.remote_addr)
    logout_user()
    flash("You are signed out on every device, this one included.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/admin/users/<int:user_id>/sessions", methods=["GET", "POST"])
@login_required
def admin_user_sessions(user_id: int):
    if not is_admin(current_user):
        abort(403)
    user = db.session.get(User, user_id) or abort(404)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        count = services.end_all_sessions(user, now=utcnow(), reason="administrator",
                                          actor=current_user._get_current_object(), ip=request.remote_addr)
        flash(f"{count} session{'s' if count != 1 else ''} of {user.email} ended.", "success")
        if user.id == current_user.id:
            logout_user()
            return redirect(url_for("auth.login"))
        return redirect(url_for("sessions.admin_user_sessions", user_id=user.id))
    return render_template("lms/sessions/admin.html", user=user, rows=services.active_sessions(user),
                           device_label=device_label, place_label=place_label, form=form)
