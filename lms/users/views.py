"""The profile: personal details, identifiers for accreditor reporting, licences and boards."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.extensions import db
from lms.types import utcnow
from lms.users import bp
from lms.users import services
from lms.users.forms import BoardForm, DeleteAccountForm, DeleteForm, LicenceForm, ProfileForm
from lms.users.models import BoardCertification, Licence


def _render(form=None, licence_form=None, board_form=None, status=200):
    user = current_user._get_current_object()
    return render_template(
        "lms/users/profile.html",
        form=form or ProfileForm(obj=user),
        licence_form=licence_form or LicenceForm(),
        board_form=board_form or BoardForm(),
        delete_form=DeleteForm(),
        user=user,
    ), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        data = services.ProfileData(**{k: form.data[k] for k in services.ProfileData.__dataclass_fields__})
        try:
            services.update_profile(user, data, now=utcnow(), ip=request.remote_addr)
        except services.ProfileError as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Profile saved.", "success")
            return redirect(url_for("users.profile"))
    return _render(form=form, status=422 if form.errors or form.form_errors else 200)


@bp.route("/profile/licences", methods=["POST"])
@login_required
def add_licence():
    form = LicenceForm()
    if form.validate_on_submit():
        try:
            services.add_licence(current_user._get_current_object(), state=form.state.data,
                                 number=form.number.data, expires_on=form.expires_on.data)
        except services.ProfileError as exc:
            form.number.errors.append(str(exc))
        else:
            flash("Licence added.", "success")
            return redirect(url_for("users.profile") + "#licences")
    return _render(licence_form=form, status=422)


@bp.route("/profile/licences/<int:licence_id>/delete", methods=["POST"])
@login_required
def delete_licence(licence_id: int):
    licence = db.session.get(Licence, licence_id)
    if licence is None or licence.user_id != current_user.id or not DeleteForm().validate_on_submit():
        abort(404)
    db.session.delete(licence)
    flash("Licence removed.", "info")
    return redirect(url_for("users.profile") + "#licences")


@bp.route("/profile/boards", methods=["POST"])
@login_required
def add_board():
    form = BoardForm()
    if form.validate_on_submit():
        try:
            services.add_board(current_user._get_current_object(), board=form.board.data,
                               diplomate_id=form.diplomate_id.data)
        except services.ProfileError as exc:
            form.diplomate_id.errors.append(str(exc))
        else:
            flash("Board certification added.", "success")
            return redirect(url_for("users.profile") + "#boards")
    return _render(board_form=form, status=422)


@bp.route("/profile/boards/<int:board_id>/delete", methods=["POST"])
@login_required
def delete_board(board_id: int):
    cert = db.session.get(BoardCertification, board_id)
    if cert is None or cert.user_id != current_user.id or not DeleteForm().validate_on_submit():
        abort(404)
    db.session.delete(cert)
    flash("Board certification removed.", "info")
    return redirect(url_for("users.profile") + "#boards")


@bp.route("/profile/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    from flask import current_app
    from flask_login import logout_user

    from lms.auth.passwords import verify_password

    user = current_user._get_current_object()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if form.confirm.data != "DELETE":
            form.confirm.errors.append("Type DELETE in capital letters to confirm.")
        elif not verify_password(user.password_hash, form.password.data, current_app.config):
            form.password.errors.append("The password is not correct.")
        else:
            services.anonymise_account(user, now=utcnow(), ip=request.remote_addr)
            logout_user()
            flash("Your account is deleted. Your credit records are kept, anonymised, as accreditors require.",
                  "info")
            return redirect(url_for("main.index"))
    return render_template("lms/users/delete.html", form=form), 422 if form.errors else 200
