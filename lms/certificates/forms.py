from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

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
    html = TextAreaField("HTML (Jinja, sandboxed)", validators=[DataRequired(), Length(max=100_000)],
                         render_kw={"rows": 16, "class": "font-monospace", "spellcheck": "false"})
    css = TextAreaField("CSS", validators=[Optional(), Length(max=100_000)],
                        render_kw={"rows": 10, "class": "font-monospace", "spellcheck": "false"})
    submit = SubmitField("Save as a new version")


class AssetForm(FlaskForm):
    kind = SelectField("Image", choices=choices([("logo", "Logo"), ("signature", "Signature")]))
    image = FileField("PNG or JPEG, at most 2 MB", validators=[DataRequired()])
    submit = SubmitField("Upload")
