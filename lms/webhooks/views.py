"""An organisation's webhooks: subscribe, see the delivery log, send again, switch on and off (managers)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from lms.forms import choices, strip
from lms.orgs.forms import ConfirmForm
from lms.permissions import get_in_org_or_404, get_org_or_404
from lms.types import utcnow
from lms.extensions import db
from lms.webhooks import services
from lms.webhooks.models import EVENTS, WebhookDelivery, WebhookEndpoint

bp = Blueprint("webhooks", __name__, url_prefix="/orgs/<int:org_id>/webhooks")


class EndpointForm(FlaskForm):
    url = StringField("Payload URL", filters=[strip], validators=[DataRequired(), Length(max=500)],
                      description="An https:// address on the public internet.")
    events = SelectMultipleField("Events", choices=choices(list(EVENTS.items())), option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False),
                                 validators=[DataRequired(message="Choose at least one event.")])
    submit = SubmitField("Add webhook")


@bp.route("", methods=["GET", "POST"])
@login_required
def index(org_id: int):
    org = get_org_or_404(org_id, "manager")
    form = EndpointForm()
    secret = None
    if form.validate_on_submit():
        try:
            endpoint = services.create_endpoint(current_user, org, url=form.url.data, events=form.events.data,
                                                now=utcnow())
            secret = endpoint.secret
            form = EndpointForm(formdata=None)
        except services.WebhookError as exc:
            form.url.errors.append(str(exc))
    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.org_id == org.id)
                                   .order_by(WebhookEndpoint.id)).all()
    status = 422 if form.errors else 200
    return render_template("webhooks/index.html", org=org, form=form, endpoints=endpoints, secret=secret,
                           events=EVENTS), status, {"Cache-Control": "no-store"}


@bp.route("/<int:endpoint_id>")
@login_required
def show(org_id: int, endpoint_id: int):
    org = get_org_or_404(org_id, "manager")
    endpoint = get_in_org_or_404(WebhookEndpoint, endpoint_id, org)
    deliveries = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                    .options(selectinload(WebhookDelivery.attempt_log))
                                    .order_by(WebhookDelivery.id.desc()).limit(100)).all()
    return render_template("webhooks/show.html", org=org, endpoint=endpoint, deliveries=deliveries,
                           form=ConfirmForm(), events=EVENTS)


@bp.route("/<int:endpoint_id>/<any(enable, disable):action>", methods=["POST"])
@login_required
def set_active(org_id: int, endpoint_id: int, action: str):
    org = get_org_or_404(org_id, "manager")
    endpoint = get_in_org_or_404(WebhookEndpoint, endpoint_id, org)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_active(endpoint, action == "enable", now=utcnow())
    flash("Webhook switched on." if action == "enable" else "Webhook switched off.", "success")
    return redirect(url_for("webhooks.show", org_id=org.id, endpoint_id=endpoint.id))


@bp.route("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
@login_required
def redeliver(org_id: int, endpoint_id: int, delivery_id: int):
    org = get_org_or_404(org_id, "manager")
    endpoint = get_in_org_or_404(WebhookEndpoint, endpoint_id, org)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not endpoint.is_active:
        flash("Switch the webhook on first.", "warning")
    else:
        services.redeliver(delivery, now=utcnow())
        flash("Sent again.", "success")
    return redirect(url_for("webhooks.show", org_id=org.id, endpoint_id=endpoint.id))
