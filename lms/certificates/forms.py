from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.certificates.designs import ASSET_KINDS, FONT_PAIRS
from lms.certificates.models import KINDS, PAGE_SIZES
from lms.forms import choices, strip
from lms.phi import NoPHI


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm")


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField("Verification code", filters=[strip], validators=[DataRequired(), Length(max=64)])


class RevokeForm(FlaskForm):
    reason = TextAreaField("Reason", filters=[strip], validators=[DataRequired(), Length(max=1000), NoPHI()])
    submit = SubmitField("Revoke certificate")


class TemplateForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[Optional(), Length(max=120)])
    kind = SelectField("Certificate", choices=choices(KINDS.items()))
    page_size = SelectField("Page size", choices=choices(PAGE_SIZES.items()))
    signatory_name = StringField("Signatory name", filters=[strip], validators=[Optional(), Length(max=200)])
    signatory_title = StringField("Signatory title", filters=[strip], validators=[Optional(), Length(max=200)])
    logo_asset_id = SelectField("Logo", coerce=str, validate_choice=False)
    signature_asset_id = SelectField("Signature image", coerce=str, validate_choice=False)
    seal_asset_id = SelectField("Seal", coerce=str, validate_choice=False)
    html = TextAreaField("HTML (Jinja, sandboxed)", validators=[DataRequired(), Length(max=100_000)],
                         render_kw={"rows": 16, "class": "font-monospace", "spellcheck": "false"})
    css = TextAreaField("CSS", validators=[Optional(), Length(max=100_000)],
                        render_kw={"rows": 10, "class": "font-monospace", "spellcheck": "false"})
    submit = SubmitField("Save as a new version")


class AssetForm(FlaskForm):
    kind = SelectField("Image", choices=choices(ASSET_KINDS.items()))
    image = FileField("PNG or JPEG, at most 2 MB", validators=[DataRequired()])
    submit = SubmitField("Upload")


class DesignForm(FlaskForm):
    """The certificate design editor: choices and images, no template code."""

    name = StringField("Name", filters=[strip], validators=[Optional(), Length(max=120)],
                       description="For your list of designs, e.g. \"CME credit 2027\".")
    kind = SelectField("Certificate", choices=choices(KINDS.items()))
    page_size = SelectField("Page size", choices=choices(PAGE_SIZES.items()))
    fonts = RadioField("Fonts", choices=[(key, label) for key, (label, _, _) in FONT_PAIRS.items()],
                       default="garamond")
    accent = StringField("Accent colour", filters=[strip], default="#1f4e79",
                         validators=[DataRequired(), Length(max=7)], render_kw={"type": "color"},
                         description="Colours the border, the title and the credit amounts. "
                                     "It must be dark enough to read on white paper (contrast at least 4.5:1).")
    signatory_name = StringField("Signatory name", filters=[strip], validators=[Optional(), Length(max=200)],
                                 render_kw={"autocomplete": "off"})
    signatory_title = StringField("Signatory title", filters=[strip], validators=[Optional(), Length(max=200)],
                                  description="e.g. Director of Continuing Medical Education")
    logo = FileField("Logo", render_kw={"accept": "image/png,image/jpeg"},
                     description="PNG or JPEG, at most 2 MB; a wide image with a transparent background looks best.")
    seal = FileField("Seal", render_kw={"accept": "image/png,image/jpeg"},
                     description="PNG or JPEG, at most 2 MB; printed at the foot, about 27 mm across.")
    signature = FileField("Signature image", render_kw={"accept": "image/png,image/jpeg"},
                          description="PNG or JPEG, at most 2 MB; a scan of the signature on white or transparent.")
    logo_asset_id = HiddenField()
    seal_asset_id = HiddenField()
    signature_asset_id = HiddenField()
    remove_logo = BooleanField("Remove the logo")
    remove_seal = BooleanField("Remove the seal")
    remove_signature = BooleanField("Remove the signature image")
    submit = SubmitField("Save as a new version")
