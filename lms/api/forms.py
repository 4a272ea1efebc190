from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from lms.api import tokens
from lms.forms import choices, strip


class TokenForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=120)],
                       description="What uses it, e.g. \"Credentialing office export\".")
    scopes = SelectMultipleField("Scopes", validators=[DataRequired(message="Choose at least one scope.")],
                                 option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    days = IntegerField("Expires after (days)", default=tokens.DEFAULT_DAYS,
                        validators=[DataRequired(), NumberRange(1, tokens.MAX_DAYS)])
    submit = SubmitField("Create token")

    def __init__(self, *args, families=None, **kwargs):
        super().__init__(*args, **kwargs)
        families = families or tokens.FAMILIES.keys()
        self.scopes.choices = choices([(s, s) for s in tokens.SCOPES if s.split(":")[0] in families])
