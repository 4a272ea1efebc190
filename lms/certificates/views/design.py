"""The certificate design editor: an educator picks fonts and an accent colour, uploads a logo, a
seal and a signature, names the signatory, and sees the real certificate (the weasyprint PDF of a
sample, rasterised) update as they go. Saving adds a template version; nothing is edited in place."""

from __future__ import annotations

import base64

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.auth.throttle import per_user
from lms.certificates import bp, designs, services
from lms.certificates.forms import ConfirmForm, DesignForm
from lms.certificates.models import KINDS, CertificateTemplate
from lms.certificates.views.manage import _framing_self
from lms.extensions import db, limiter
from lms.permissions import get_org_or_404
from lms.types import utcnow

IMAGES = ("logo", "seal", "signature")


def _form(template: CertificateTemplate | None) -> DesignForm:
    form = DesignForm()
    version = template.latest if template else None
    if not form.is_submitted():
        design = designs.current_design(template)
        form.fonts.data, form.accent.data = design["fonts"], design["accent"]
        if template is not None:
            form.name.data, form.kind.data = template.name, template.kind
        else:
            form.kind.data = request.args.get("kind") if request.args.get("kind") in KINDS else "credit"
        if version is not None:
            form.page_size.data = version.page_size
            form.signatory_name.data, form.signatory_title.data = version.signatory_name, version.signatory_title
            for name in IMAGES:
                getattr(form, f"{name}_asset_id").data = str(getattr(version, f"{name}_asset_id") or "")
    if template is not None:
        form.kind.data = template.kind
    return form


def _data(form: DesignForm) -> designs.DesignData:
    images = {}
    for name in IMAGES:
        upload = getattr(form, name).data
        kept = getattr(form, f"{name}_asset_id").data or ""
        if getattr(form, f"remove_{name}").data:
            continue
        if upload is not None and getattr(upload, "filename", ""):
            images[name] = designs.Image(data=upload.read(designs.MAX_ASSET_BYTES + 1))
        elif kept.isdigit():
            images[name] = designs.Image(asset_id=int(kept))
    return designs.DesignData(page_size=form.page_size.data, fonts=form.fonts.data or "", accent=form.accent.data or "",
                              signatory_name=form.signatory_name.data or "",
                              signatory_title=form.signatory_title.data or "", images=images)


def _page(org, template, form, status=200):
    images = {}
    version = template.latest if template else None
    for name in IMAGES:
        asset = getattr(version, name) if version is not None else None
        if asset is not None:
            images[name] = f"data:{asset.content_type};base64," + base64.b64encode(asset.data).decode()
    return _framing_self(render_template("certificates/design.html", org=org, template=template, form=form,
                                         images=images, confirm=ConfirmForm()), status)


def _save(org, template, form):
    if form.validate_on_submit():
        try:
            version = designs.save_design(current_user._get_current_object(), org, template=template,
                                          kind=form.kind.data, name=form.name.data or "", data=_data(form),
                                          now=utcnow())
        except services.CertificateError as exc:
            form.form_errors.append(str(exc))
        else:
            if version.number == 1:
                flash("Design saved. Choose \"Use for new certificates\" when you are happy with it.", "success")
            else:
                flash(f"Saved as version {version.number}. Certificates issued earlier keep the design they were "
                      "issued with.", "success")
            return redirect(url_for("certificates.design", template_id=version.template_id))
    return _page(org, template, form, 422)


@bp.route("/certificates/design/org/<int:org_id>", methods=["GET", "POST"])
@login_required
def new_design(org_id: int):
    org = get_org_or_404(org_id, "educator")
    form = _form(None)
    if request.method == "POST":
        return _save(org, None, form)
    return _page(org, None, form)


@bp.route("/certificates/design/<int:template_id>", methods=["GET", "POST"])
@login_required
def design(template_id: int):
    template = db.session.get(CertificateTemplate, template_id)
    if template is None:
        abort(404)
    org = get_org_or_404(template.org_id, "educator")
    form = _form(template)
    if request.method == "POST":
        return _save(org, template, form)
    return _page(org, template, form)


@bp.route("/certificates/design/org/<int:org_id>/preview", methods=["POST"])
@limiter.limit(lambda: current_app.config.get("CERTIFICATE_PREVIEW_LIMIT", "120 per 10 minutes"), key_func=per_user)
@login_required
def design_preview(org_id: int):
    """The draft design on a sample certificate, as an image page for the editor's preview frame.

    Each preview renders a PDF, so they are rate-limited per person (``CERTIFICATE_PREVIEW_LIMIT``),
    generously: the editor asks for one after each change."""
    org = get_org_or_404(org_id, "educator")
    form = DesignForm()
    if not form.validate_on_submit():
        message = " ".join(e for errors in form.errors.values() for e in errors) or "The form is incomplete."
        return render_template("certificates/design_preview.html", message=message), 422
    try:
        png = designs.preview_design(org.id, form.kind.data, _data(form), provider=org.name)
    except services.CertificateError as exc:
        return render_template("certificates/design_preview.html", message=str(exc)), 422
    response = _framing_self(render_template("certificates/design_preview.html",
                                             image="data:image/png;base64," + base64.b64encode(png).decode()), 200)
    response.headers["Cache-Control"] = "no-store"
    return response
