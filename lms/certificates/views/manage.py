"""Educator pages: an activity's certificates (ZIP, re-send, background issue with progress),
revocation, and the provider's templates with uploads and a live preview."""

from __future__ import annotations

import io
import zipfile

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.certificates import bp, designs, jobs, services, storage
from lms.certificates.forms import AssetForm, ConfirmForm, RevokeForm, TemplateForm
from lms.certificates.models import BulkRun, Certificate, CertificateAsset, CertificateTemplate
from lms.credits.services import NotReady, load_activity
from lms.extensions import db
from lms.unit_of_work import refuse
from lms.permissions import get_org_or_404
from lms.types import utcnow
from lms.users.models import User


def _activity(kind: str, activity_id: int):
    try:
        info = load_activity(kind, activity_id)
    except NotReady:
        abort(404)
    return info, get_org_or_404(info.provider_org_id, "educator")


@bp.route("/certificates/activities/<any(course, meeting):kind>/<int:activity_id>")
@login_required
def activity(kind: str, activity_id: int):
    info, org = _activity(kind, activity_id)
    certificates = jobs.current_certificates(kind, activity_id)
    names = {u.id: u.full_name for u in db.session.scalars(
        select(User).where(User.id.in_({c.learner_id for c in certificates})))} if certificates else {}
    runs = db.session.scalars(select(BulkRun).where(BulkRun.activity_kind == kind, BulkRun.activity_id == activity_id)
                              .order_by(BulkRun.id.desc()).limit(5)).all()
    return render_template("certificates/activity.html", info=info, org=org, certificates=certificates, names=names,
                           runs=runs, form=ConfirmForm(), revoke_form=RevokeForm())


@bp.route("/certificates/activities/<any(course, meeting):kind>/<int:activity_id>/certificates.zip")
@login_required
def activity_zip(kind: str, activity_id: int):
    _activity(kind, activity_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for c in jobs.current_certificates(kind, activity_id):
            archive.write(storage.path_for(c.sha256), f"{c.kind}-{c.learner_id}-{c.id}-v{c.version}.pdf")
    response = current_app.response_class(buffer.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="certificates-{kind}-{activity_id}.zip"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/certificates/activities/<any(course, meeting):kind>/<int:activity_id>/<any(issue, email):action>",
          methods=["POST"])
@login_required
def bulk(kind: str, activity_id: int, action: str):
    """Issue every missing certificate (or e-mail them all) in the background."""
    _, org = _activity(kind, activity_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    running = db.session.scalar(select(BulkRun).where(
        BulkRun.activity_kind == kind, BulkRun.activity_id == activity_id, BulkRun.action == action,
        BulkRun.status != "finished").limit(1))
    if running is None:
        running = BulkRun(org_id=org.id, activity_kind=kind, activity_id=activity_id, action=action,
                          created_by_id=current_user.id, created_at=utcnow())
        db.session.add(running)
        db.session.flush()
        jobs.start_bulk(running)
    return redirect(url_for("certificates.run", run_id=running.id))


@bp.route("/certificates/runs/<int:run_id>")
@login_required
def run(run_id: int):
    bulk_run = db.session.get(BulkRun, run_id)
    if bulk_run is None:
        abort(404)
    get_org_or_404(bulk_run.org_id, "educator")
    return render_template("certificates/run.html", run=bulk_run)


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@login_required
def revoke(certificate_id: int):
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.provider_org_id is None:
        abort(404)
    get_org_or_404(certificate.provider_org_id, "educator")
    form = RevokeForm()
    back = url_for("certificates.activity", kind=certificate.activity_kind, activity_id=certificate.activity_id)
    if form.validate_on_submit():
        try:
            services.revoke(certificate, reason=form.reason.data, actor=current_user._get_current_object(),
                            now=utcnow())
        except services.CertificateError as exc:
            return refuse(str(exc), back)
        flash("The certificate is revoked; its code now verifies as revoked.", "success")
    else:
        flash("Give the reason for the revocation.", "danger")
    return redirect(back)


# --- templates ---------------------------------------------------------------------------------

def _template_form(org, template=None) -> TemplateForm:
    version = template.latest if template else None
    form = TemplateForm(obj=None)
    if not form.is_submitted():
        form.html.data = version.html if version else designs.certificate_pdf.builtin("default.html")
        form.css.data = version.css if version else designs.certificate_pdf.builtin("default.css")
        if version:
            form.name.data, form.kind.data, form.page_size.data = template.name, template.kind, version.page_size
            form.signatory_name.data, form.signatory_title.data = version.signatory_name, version.signatory_title
            form.logo_asset_id.data = str(version.logo_asset_id or "")
            form.signature_asset_id.data = str(version.signature_asset_id or "")
            form.seal_asset_id.data = str(version.seal_asset_id or "")
    assets = db.session.scalars(select(CertificateAsset).where(CertificateAsset.org_id == org.id)
                                .order_by(CertificateAsset.id.desc())).all()
    for field, kind in ((form.logo_asset_id, "logo"), (form.signature_asset_id, "signature"),
                        (form.seal_asset_id, "seal")):
        field.choices = [("", "None")] + [(str(a.id), f"{kind} #{a.id}") for a in assets if a.kind == kind]
    return form


def _data(form: TemplateForm) -> designs.TemplateData:
    def asset(value):
        return int(value) if value and str(value).isdigit() else None

    return designs.TemplateData(html=form.html.data or "", css=form.css.data or "", page_size=form.page_size.data,
                                signatory_name=form.signatory_name.data or "",
                                signatory_title=form.signatory_title.data or "",
                                logo_asset_id=asset(form.logo_asset_id.data),
                                signature_asset_id=asset(form.signature_asset_id.data),
                                seal_asset_id=asset(form.seal_asset_id.data))


@bp.route("/certificates/templates/org/<int:org_id>", methods=["GET", "POST"])
@login_required
def templates(org_id: int):
    org = get_org_or_404(org_id, "educator")
    form = _template_form(org)
    status = 200
    if form.validate_on_submit():
        try:
            template = designs.create_template(current_user._get_current_object(), org, kind=form.kind.data,
                                               name=form.name.data or "", data=_data(form), now=utcnow())
        except services.CertificateError as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Template saved as version 1. Activate it to use it for new certificates.", "success")
            return redirect(url_for("certificates.edit_template", template_id=template.id))
    if form.is_submitted():
        status = 422
    rows = db.session.scalars(select(CertificateTemplate).where(CertificateTemplate.org_id == org.id)
                              .order_by(CertificateTemplate.kind, CertificateTemplate.name)).all()
    return _framing_self(render_template("certificates/templates.html", org=org, rows=rows, form=form,
                                         asset_form=AssetForm(), confirm=ConfirmForm()), status)


def _framing_self(page: str, status: int):
    """The app's CSP with 'self' added to frame-src, for the editor whose preview frame shows our own PDF."""
    from lms.security import DEFAULT_VIDEO_EMBED_HOSTS, content_security_policy

    config = current_app.config
    csp = content_security_policy(config.get("JITSI_DOMAIN"), config.get("VIDEO_EMBED_HOSTS", DEFAULT_VIDEO_EMBED_HOSTS))
    directives = [d.replace("frame-src 'none'", "frame-src 'self'") if d.startswith("frame-src 'none'")
                  else d.replace("frame-src ", "frame-src 'self' ", 1) for d in csp.split("; ")]
    response = current_app.make_response((page, status))
    response.headers["Content-Security-Policy"] = "; ".join(directives)
    return response


def _template_or_404(template_id: int):
    template = db.session.get(CertificateTemplate, template_id)
    if template is None:
        abort(404)
    return template, get_org_or_404(template.org_id, "educator")


@bp.route("/certificates/templates/<int:template_id>", methods=["GET", "POST"])
@login_required
def edit_template(template_id: int):
    template, org = _template_or_404(template_id)
    form = _template_form(org, template)
    form.kind.data = template.kind
    status = 200
    if form.validate_on_submit():
        try:
            version = designs.save_version(current_user._get_current_object(), template, _data(form), provider=org.name,
                                           now=utcnow())
        except services.CertificateError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(f"Saved as version {version.number}. Certificates issued earlier keep the version that made them.",
                  "success")
            return redirect(url_for("certificates.edit_template", template_id=template.id))
    if form.is_submitted():
        status = 422
    return _framing_self(render_template("certificates/edit_template.html", org=org, template=template, form=form,
                                         confirm=ConfirmForm()), status)


@bp.route("/certificates/templates/<int:template_id>/<any(activate, deactivate):action>", methods=["POST"])
@login_required
def activate_template(template_id: int, action: str):
    template, _ = _template_or_404(template_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    designs.activate(current_user._get_current_object(), template, active=action == "activate", now=utcnow())
    flash("New certificates use this template." if action == "activate" else "New certificates use the default design.",
          "success")
    latest = template.latest
    endpoint = "certificates.design" if latest is not None and latest.design else "certificates.edit_template"
    return redirect(url_for(endpoint, template_id=template.id))


@bp.route("/certificates/templates/org/<int:org_id>/preview", methods=["POST"])
@login_required
def preview(org_id: int):
    """The draft in the form rendered with sample data, shown inline in the editor's frame."""
    org = get_org_or_404(org_id, "educator")
    form = _template_form(org)
    if not form.validate_on_submit():
        return render_template("certificates/preview_error.html", message="The form is incomplete."), 422
    try:
        data = designs.preview(org.id, form.kind.data, _data(form), provider=org.name)
    except services.CertificateError as exc:
        return render_template("certificates/preview_error.html", message=str(exc)), 422
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="preview.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/certificates/templates/org/<int:org_id>/assets", methods=["POST"])
@login_required
def upload_asset(org_id: int):
    org = get_org_or_404(org_id, "educator")
    form = AssetForm()
    if form.validate_on_submit():
        try:
            asset = designs.upload_asset(org, form.kind.data, form.image.data.read(designs.MAX_ASSET_BYTES + 1),
                                         now=utcnow())
        except services.CertificateError as exc:
            return refuse(str(exc), url_for("certificates.templates", org_id=org.id))
        flash(f"Uploaded {asset.kind} #{asset.id}; choose it in a template.", "success")
    else:
        flash("Choose an image to upload.", "danger")
    return redirect(url_for("certificates.templates", org_id=org.id))
