from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from lms.forms import strip


class TokenForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=80)],
                       description="Which system uses it, e.g. “Entra ID provisioning”.")
    submit = SubmitField("Create token")


class RevokeForm(FlaskForm):
    pass
