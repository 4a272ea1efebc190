"""An organisation's external LRS (managers): where its package lessons' statements are forwarded."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from courses.packages import bp, forwarding
from lms.forms import strip
from lms.permissions import get_org_or_404
from lms.types import utcnow


class ExternalLrsForm(FlaskForm):
    endpoint = StringField("xAPI endpoint", filters=[strip], validators=[DataRequired(), Length(max=500)],
                           description="The LRS's base URL, e.g. https://lrs.example.org/xAPI/")
    key = StringField("Key", filters=[strip], validators=[DataRequired(), Length(max=200)])
    secret = PasswordField("Secret", validators=[Length(max=500)],
                           description="Stored encrypted. Leave blank to keep the saved one.")
    active = BooleanField("Forward statements to this LRS", default=True)
    submit = SubmitField("Save")


@bp.route("/orgs/<int:org_id>/lrs", methods=["GET", "POST"])
@login_required
def external_lrs(org_id: int):
    org = get_org_or_404(org_id, "manager")
    lrs = forwarding.settings_for(org.id)
    form = ExternalLrsForm(obj=None if lrs is None else
                           type("Saved", (), {"endpoint": lrs.endpoint, "key": lrs.key, "active": lrs.is_active,
                                              "secret": ""})())
    if form.validate_on_submit():
        try:
            forwarding.save_settings(current_user, org, endpoint=form.endpoint.data, key=form.key.data,
                                     secret=form.secret.data or "", active=form.active.data, now=utcnow())
            return redirect(url_for("packages.external_lrs", org_id=org.id), code=303)
        except forwarding.LrsSettingsError as exc:
            form.endpoint.errors = [*form.endpoint.errors, str(exc)]
    forwards = forwarding.recent_forwards(lrs) if lrs is not None else []
    status = 422 if form.errors else 200
    return render_template("packages/external_lrs.html", org=org, form=form, lrs=lrs, forwards=forwards), status, \
        {"Cache-Control": "no-store"}
