"""Licence and board requirements: pick a template or define one, see progress and the gap."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms import activities
from lms.credits import bp
from lms.credits import services as credits
from lms.credits.forms import CustomRequirementForm, TemplateRequirementForm, credit_type_choices
from lms.credits.models import CreditType, Requirement
from lms.credits.requirement_templates import BY_CODE, TEMPLATES
from lms.credits.services import requirement_progress, rule_for
from lms.extensions import db
from lms.forms import choices
from lms.orgs.forms import ConfirmForm
from lms.types import utcnow


def _forms():
    types = db.session.scalars(select(CreditType).order_by(CreditType.sort_order)).all()
    template_form = TemplateRequirementForm()
    template_form.template_code.choices = choices((t.code, t.name) for t in TEMPLATES)
    custom_form = CustomRequirementForm()
    custom_form.credit_types.choices = choices([("", "Any credit type")]) + credit_type_choices(types)
    return template_form, custom_form


@bp.route("/requirements")
@login_required
def requirements():
    template_form, custom_form = _forms()
    return _render(template_form, custom_form)


def gap_suggestions(items) -> dict[int, list]:
    """For each unmet requirement, published activities that would count toward its gap."""
    found = {}
    for requirement, p in items:
        if p.met or (p.days_left is not None and p.days_left < 0):
            continue
        topic = next((t.topic for t in p.topics if t.gap > 0), None)
        found[requirement.id] = activities.suggestions(topic, tuple(requirement.credit_types or ()))
    return found


def _render(template_form, custom_form, status=200):
    today = utcnow().date()
    items = requirement_progress(current_user.id, today)
    return render_template("lms/credits/requirements.html", items=items, suggestions=gap_suggestions(items),
                           template_form=template_form, custom_form=custom_form, templates=TEMPLATES,
                           by_code=BY_CODE, confirm_form=ConfirmForm(), fmt=credits.fmt, today=today), status


@bp.route("/requirements/template", methods=["POST"])
@login_required
def add_template_requirement():
    template_form, custom_form = _forms()
    if template_form.validate_on_submit():
        template = BY_CODE[template_form.template_code.data]
        end = template_form.cycle_end.data
        if not template.one_time and end is None:
            template_form.cycle_end.errors.append("Give the date your current cycle ends (your renewal date).")
        else:
            start = end - relativedelta(years=template.cycle_years) + relativedelta(days=1) if end and template.cycle_years else None
            db.session.add(Requirement(
                learner_id=current_user.id, template_code=template.code, name=template.name, cycle_start=start,
                cycle_end=end, total_required=template.total, credit_types=list(template.credit_types),
                topic_minimums={k: str(v) for k, v in template.topic_minimums.items()}, one_time=template.one_time,
                source=template.source, created_at=utcnow()))
            flash(f"Tracking {template.name}.", "success")
            return redirect(url_for("credits.requirements"))
    return _render(template_form, custom_form, 422)


@bp.route("/requirements/custom", methods=["POST"])
@login_required
def add_custom_requirement():
    template_form, custom_form = _forms()
    if custom_form.validate_on_submit():
        f = custom_form
        try:
            total = credits.parse_amount(f.total_required.data)
            hours = credits.parse_amount(f.topic_hours.data) if f.topic.data else None
        except credits.InvalidAmount as exc:
            f.total_required.errors.append(str(exc))
        else:
            if f.cycle_start.data and f.cycle_end.data and f.cycle_start.data > f.cycle_end.data:
                f.cycle_end.errors.append("The cycle must end after it starts.")
            elif not f.one_time.data and not f.cycle_end.data:
                f.cycle_end.errors.append("Give the cycle's end, or mark the requirement one-time.")
            else:
                db.session.add(Requirement(
                    learner_id=current_user.id, name=f.name.data, cycle_start=f.cycle_start.data,
                    cycle_end=f.cycle_end.data, total_required=total,
                    credit_types=[f.credit_types.data] if f.credit_types.data else [],
                    topic_minimums={f.topic.data: str(hours)} if hours else {}, one_time=f.one_time.data,
                    source="Defined by you", created_at=utcnow()))
                flash("Requirement added.", "success")
                return redirect(url_for("credits.requirements"))
    return _render(template_form, custom_form, 422)


@bp.route("/requirements/<int:requirement_id>/delete", methods=["POST"])
@login_required
def delete_requirement(requirement_id: int):
    requirement = db.session.get(Requirement, requirement_id)
    if requirement is None or requirement.learner_id != current_user.id or not ConfirmForm().validate_on_submit():
        abort(404)
    db.session.delete(requirement)
    flash("Requirement removed. Your credit records are unchanged.", "info")
    return redirect(url_for("credits.requirements"))
