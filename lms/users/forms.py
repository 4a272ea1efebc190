from __future__ import annotations

import calendar
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, PasswordField, SelectField, StringField, SubmitField
from lms.forms import choices, strip
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from lms.users.identifiers import CERTIFYING_BOARDS, US_STATES, birth_day_problem, nabp_problem, npi_problem
from lms.users.models import PROFESSIONS

TIMEZONES = sorted(tz for tz in available_timezones() if "/" in tz and not tz.startswith(("Etc/", "SystemV/")))
TIMEZONES.insert(0, "UTC")


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class ProfileForm(FlaskForm):
    first_name = StringField("First name", filters=[strip], validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", filters=[strip], validators=[DataRequired(), Length(max=100)])
    credentials = StringField("Credentials", filters=[strip], validators=[Optional(), Length(max=120)],
                              description="Degrees and certifications as they should appear on certificates, "
                                          "for example MD, FACP.")
    profession = SelectField("Profession", choices=choices(list(PROFESSIONS.items())),
                             description="Decides which credit types you can claim.")
    npi = StringField("NPI", filters=[strip], validators=[Optional(), Length(max=10)],
                      description="National Provider Identifier, 10 digits (used for accreditor reporting).",
                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    nabp_eprofile_id = StringField("NABP e-Profile ID", filters=[strip], validators=[Optional(), Length(max=16)],
                                   description="Pharmacists and technicians: needed for CPE Monitor.",
                                   render_kw={"inputmode": "numeric"})
    birth_month = SelectField("Birth month", coerce=_int_or_none,
                              choices=choices([(None, "—")] + [(m, calendar.month_name[m]) for m in range(1, 13)]),
                              validators=[Optional()])
    birth_day = SelectField("Birth day", coerce=_int_or_none,
                            choices=choices([(None, "—")] + [(d, str(d)) for d in range(1, 32)]), validators=[Optional()],
                            description="Month and day only: accreditors never need the year, so we never ask.")
    timezone = SelectField("Time zone", choices=choices((tz, tz.replace("_", " ")) for tz in TIMEZONES))
    consent_to_report = BooleanField("I consent to Continuum reporting my completed activities and credit "
                                     "to accreditors and licensing boards (ACCME PARS, CPE Monitor).")
    submit = SubmitField("Save profile")

    def validate_npi(self, field):
        if field.data and (problem := npi_problem(field.data.strip())):
            raise ValidationError(problem)

    def validate_nabp_eprofile_id(self, field):
        if field.data and (problem := nabp_problem(field.data.strip())):
            raise ValidationError(problem)

    def validate_birth_day(self, field):
        if problem := birth_day_problem(self.birth_month.data, field.data):
            raise ValidationError(problem)


class LicenceForm(FlaskForm):
    state = SelectField("State", choices=choices([("", "Choose…")] + list(US_STATES.items())),
                        validators=[DataRequired("Choose the licensing state.")])
    number = StringField("Licence number", filters=[strip], validators=[DataRequired(), Length(max=40)])
    expires_on = DateField("Expires on", validators=[Optional()])
    submit = SubmitField("Add licence")


class BoardForm(FlaskForm):
    board = SelectField("Certifying board", choices=choices([("", "Choose…")] + [(b, b) for b in CERTIFYING_BOARDS]),
                        validators=[DataRequired("Choose the board.")])
    diplomate_id = StringField("Diplomate ID", filters=[strip], validators=[DataRequired(), Length(max=40)])
    submit = SubmitField("Add board certification")


class DeleteForm(FlaskForm):
    submit = SubmitField("Remove")


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    confirm = StringField("Type DELETE to confirm", filters=[strip], validators=[DataRequired()])
    submit = SubmitField("Delete my account")
