from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from lms.forms import choices, strip
from lms.sso.models import JIT_ROLES, PROTOCOLS


class StartForm(FlaskForm):
    email = EmailField("Work email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Continue")


class SettingsForm(FlaskForm):
    protocol = SelectField("Protocol", choices=choices(list(PROTOCOLS.items())))
    enabled = BooleanField("Single sign-on is on")
    require_sso = BooleanField("Require single sign-on: refuse passwords for addresses in these domains")
    domains = TextAreaField("Email domains", filters=[strip], validators=[Length(max=2000)],
                            description="One or more, separated by commas or lines, e.g. hospital.org")
    default_role = SelectField("Role of people who join by single sign-on", choices=choices(list(JIT_ROLES.items())))
    job_title_claim = StringField("Job title claim or attribute", default="job_title", filters=[strip],
                                  validators=[Length(max=120)],
                                  description="e.g. job_title, jobTitle, or a SAML attribute name")
    issuer = StringField("Issuer URL", filters=[strip], validators=[Optional(), Length(max=500)],
                         description="e.g. https://login.microsoftonline.com/<tenant-id>/v2.0")
    client_id = StringField("Client ID", filters=[strip], validators=[Optional(), Length(max=255)])
    client_secret = PasswordField("Client secret", validators=[Optional(), Length(max=500)],
                                  description="Leave empty to keep the one saved.")
    idp_metadata = FileField("Identity provider metadata (XML file)")
    idp_metadata_xml = TextAreaField("…or paste the metadata XML", validators=[Optional(), Length(max=200_000)])
    submit = SubmitField("Save sign-in settings")
