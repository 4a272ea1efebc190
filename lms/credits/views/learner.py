"""Learner-facing credit pages: claim, transcript (HTML, PDF, CSV), external credit, requirements."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import Length, Optional

from lms import activities
from lms.credits import bp
from lms.credits import services as credits
from lms.credits.forms import ClaimForm, DateRangeForm, ExternalCreditForm, credit_type_choices
from lms.credits.models import CreditType, ExternalCredit
from lms.credits.signals import credit_changed
from lms.csvexport import csv_response
from lms.extensions import db
from lms.pdf import render_pdf
from lms.types import utcnow

CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024
CERTIFICATE_SIGNATURES = {b"%PDF-": ".pdf", b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}


def _claim_form(options):
    """A claim form with one amount field per claimable credit type."""

    class Form(ClaimForm):
        pass

    for option in options:
        if option.eligible and option.existing is None:
            setattr(Form, f"amount_{option.credit_type.code}", StringField(
                f"{option.credit_type.name} ({option.credit_type.unit}, up to {credits.fmt(option.maximum)})",
                validators=[Optional(), Length(max=12)], render_kw={"inputmode": "decimal"},
                description=f"In steps of {credits.fmt(option.credit_type.increment)}."))
    return Form()


@bp.route("/claim/<any(course, meeting):kind>/<int:activity_id>", methods=["GET", "POST"])
@login_required
def claim(kind: str, activity_id: int):
    learner = current_user._get_current_object()
    try:
        info = credits.load_activity(kind, activity_id, learner.id)
    except credits.NotReady:
        abort(404)
    part = activities.participation(kind, learner.id, activity_id)
    options = credits.claim_options(learner, info, part)
    form = _claim_form(options)
    if form.validate_on_submit():
        if _claim(form, learner, kind, activity_id, options):
            credit_changed.send(current_app._get_current_object(), learner_id=learner.id, kind=kind,
                                activity_id=activity_id)
            flash("Your credit is recorded. It appears on your transcript.", "success")
            return redirect(url_for("credits.transcript"))
    status = 422 if form.is_submitted() else 200
    return render_template("lms/credits/claim.html", info=info, part=part, options=options, form=form,
                           fmt=credits.fmt), status


def _claim(form, learner, kind: str, activity_id: int, options) -> bool:
    """Claim every amount entered, all or nothing; put each problem next to its field."""
    repeated = [o.credit_type.name for o in options
                if o.existing is not None and (request.form.get(f"amount_{o.credit_type.code}") or "").strip()]
    if repeated:
        # A retried or double-submitted form: the claim is already on the ledger.
        form.form_errors.append(f"You have already claimed {', '.join(repeated)} for this activity; "
                                "see your transcript.")
        return False
    requested = []
    for option in options:
        field = getattr(form, f"amount_{option.credit_type.code}", None)
        if field is None or not (field.data or "").strip():
            continue
        try:
            requested.append((field, option, credits.parse_amount(field.data)))
        except credits.InvalidAmount as exc:
            field.errors.append(str(exc))
    if any(field.errors for field, *_ in requested) or any(f.errors for f in form):
        return False
    if not requested:
        form.form_errors.append("Enter the credit you claim for at least one credit type.")
        return False
    for field, option, amount in requested:
        try:
            credits.claim_credit(learner, kind, activity_id, option.credit_type.code, amount,
                                 attested=form.attest.data, description=form.description.data or "",
                                 now=utcnow(), ip=request.remote_addr)
        except credits.InvalidAmount as exc:
            field.errors.append(str(exc))
            return False
        except credits.CreditError as exc:
            form.form_errors.append(str(exc))
            return False
    return True


def _date_range():
    form = DateRangeForm(request.args)
    form.validate()
    start = form.start.data if not form.start.errors else None
    end = form.end.data if not form.end.errors else None
    if start and end and start > end:
        form.end.errors = ["The end date is before the start date."]
        end = None
    return form, start, end


@bp.route("/transcript")
@login_required
def transcript():
    form, start, end = _date_range()
    ledger = _ledger_html(current_user.id, start, end)
    return render_template("lms/credits/transcript.html", ledger=ledger, form=form, args=request.args.to_dict())


def _ledger_html(learner_id: int, start: date | None, end: date | None) -> Markup:
    rows = credits.transcript(learner_id, start, end)
    return Markup(render_template("lms/credits/_transcript_ledger.html", rows=rows, totals=credits.totals_by_type(rows),
                                  start=start, end=end, fmt=credits.fmt))


@bp.route("/transcript.csv")
@login_required
def transcript_csv():
    _, start, end = _date_range()
    rows = credits.transcript(current_user.id, start, end)
    return csv_response(
        f"transcript-{date.today().isoformat()}.csv",
        ["Date", "Activity", "Provider", "Credit type", "Amount", "Unit", "Status", "Self-reported"],
        ([r.on.isoformat(), r.title, r.provider, r.credit_type.name, credits.fmt(r.amount), r.credit_type.unit, r.status,
          "yes" if r.self_reported else "no"] for r in rows),
    )


@bp.route("/transcript.pdf")
@login_required
def transcript_pdf():
    _, start, end = _date_range()
    rows = credits.transcript(current_user.id, start, end)
    html = render_template("lms/credits/transcript_pdf.html", rows=rows, totals=credits.totals_by_type(rows),
                           start=start, end=end, fmt=credits.fmt, learner=current_user, generated_at=utcnow())
    pdf = render_pdf(html)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="transcript-{date.today().isoformat()}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    return path / "external"


def _store_certificate(file) -> tuple[str, str] | None:
    if file is None or not getattr(file, "filename", ""):
        return None
    data = file.read(CERTIFICATE_MAX_BYTES + 1)
    if len(data) > CERTIFICATE_MAX_BYTES:
        raise credits.CreditError("The certificate file is larger than 10 MB.")
    suffix = next((ext for magic, ext in CERTIFICATE_SIGNATURES.items() if data.startswith(magic)), None)
    if suffix is None:
        raise credits.CreditError("Upload the certificate as a PDF, PNG or JPEG file.")
    name = secrets.token_hex(16) + suffix
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)
    original = Path(file.filename).name[:150] or f"certificate{suffix}"
    return name, original


@bp.route("/external", methods=["GET", "POST"])
@login_required
def external():
    types = db.session.scalars(select(CreditType).order_by(CreditType.sort_order)).all()
    form = ExternalCreditForm()
    form.credit_type_code.choices = credit_type_choices(types)
    status = 200
    if form.validate_on_submit():
        try:
            amount = credits.parse_amount(form.amount.data)
            certificate = _store_certificate(form.certificate.data)
            credits.add_external_credit(current_user._get_current_object(), credits.ExternalCreditData(
                provider_name=form.provider_name.data, activity_title=form.activity_title.data,
                activity_date=form.activity_date.data, credit_type_code=form.credit_type_code.data, amount=amount,
                topics=tuple(t.strip() for t in (form.topics.data or "").split(",") if t.strip())), now=utcnow(),
                certificate=certificate)
        except credits.InvalidAmount as exc:
            form.amount.errors.append(str(exc))
        except credits.CreditError as exc:
            form.form_errors.append(str(exc))
        else:
            flash("External credit recorded. It is marked self-reported on your transcript.", "success")
            return redirect(url_for("credits.external"))
        status = 422
    elif form.is_submitted():
        status = 422
    records = db.session.scalars(select(ExternalCredit).where(ExternalCredit.learner_id == current_user.id)
                                 .order_by(ExternalCredit.activity_date.desc())).all()
    type_names = {t.code: t.name for t in types}
    return render_template("lms/credits/external.html", form=form, records=records, type_names=type_names,
                           fmt=credits.fmt), status


@bp.route("/external/<int:external_id>/certificate")
@login_required
def external_certificate(external_id: int):
    record = db.session.get(ExternalCredit, external_id)
    if record is None or record.learner_id != current_user.id or not record.certificate_path:
        abort(404)
    return send_file(_upload_dir() / record.certificate_path, as_attachment=True,
                     download_name=record.certificate_filename or record.certificate_path)

