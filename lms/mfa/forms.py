from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from lms.forms import strip


class CodeForm(FlaskForm):
    code = StringField("Code", filters=[strip], validators=[DataRequired(), Length(max=32)],
                       description="The 6-digit code from your authenticator app, or one of your recovery codes.",
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off",
                                  "spellcheck": "false"})
    submit = SubmitField("Continue")


class ConfirmTotpForm(FlaskForm):
    code = StringField("Code from the app", filters=[strip], validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField("Confirm")


class ActionForm(FlaskForm):
    """A POST with nothing but its CSRF token (start, remove, new codes)."""


class PolicyForm(FlaskForm):
    require_for_staff = BooleanField(
        "Require a second factor for managers and educators",
        description="They set up an authenticator app or a passkey at their next sign-in. "
                    "Site administrators always need one.")
    submit = SubmitField("Save")
