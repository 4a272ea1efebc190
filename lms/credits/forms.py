from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, SelectField, SelectMultipleField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from lms.forms import choices, strip
from lms.phi import NoPHI


class ClaimForm(FlaskForm):
    """Amount fields are added per credit type by the view (``amount_<code>``)."""

    description = TextAreaField("What did you do? (Category 2 only)", filters=[strip],
                                validators=[Optional(), Length(max=2000), NoPHI()])
    attest = BooleanField("I claim only the credit commensurate with the extent of my participation in the activity.",
                          validators=[DataRequired("Confirm the attestation to claim credit.")])
    submit = SubmitField("Claim credit")


class CorrectionForm(FlaskForm):
    amount = StringField("New amount", filters=[strip], validators=[DataRequired(), Length(max=12)])
    reason = TextAreaField("Reason", filters=[strip], validators=[DataRequired(), Length(max=1000), NoPHI()])
    submit = SubmitField("Correct")


class RevocationForm(FlaskForm):
    reason = TextAreaField("Reason", filters=[strip], validators=[DataRequired(), Length(max=1000), NoPHI()])
    submit = SubmitField("Revoke")


class ExternalCreditForm(FlaskForm):
    provider_name = StringField("Provider", filters=[strip], validators=[DataRequired(), Length(max=200)])
    activity_title = StringField("Activity", filters=[strip], validators=[DataRequired(), Length(max=300), NoPHI()])
    activity_date = DateField("Date completed", validators=[DataRequired()])
    credit_type_code = SelectField("Credit type")
    amount = StringField("Amount", filters=[strip], validators=[DataRequired(), Length(max=12)],
                         render_kw={"inputmode": "decimal"})
    topics = StringField("Topics", filters=[strip], validators=[Optional(), Length(max=300)],
                         description="Optional, separated by commas: for example pain management/opioids.")
    certificate = FileField("Certificate (PDF, PNG or JPEG, up to 10 MB)")
    submit = SubmitField("Record credit")


class TemplateRequirementForm(FlaskForm):
    template_code = SelectField("Requirement")
    cycle_end = DateField("Your cycle ends on", validators=[Optional()],
                          description="Your licence's renewal date. Leave empty for one-time requirements.")
    submit = SubmitField("Track this requirement")


class CustomRequirementForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=200)])
    cycle_start = DateField("Cycle starts", validators=[Optional()])
    cycle_end = DateField("Cycle ends", validators=[Optional()])
    total_required = StringField("Total credit required", filters=[strip], validators=[DataRequired(), Length(max=12)])
    credit_types = SelectField("Counting credit type", validators=[Optional()])
    topic = StringField("Topic minimum: topic", filters=[strip], validators=[Optional(), Length(max=100)])
    topic_hours = StringField("Topic minimum: hours", filters=[strip], validators=[Optional(), Length(max=12)])
    one_time = BooleanField("One-time requirement (not renewed each cycle)")
    submit = SubmitField("Add requirement")


class DateRangeForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])


def credit_type_choices(types) -> list:
    return choices((t.code, t.name) for t in types)


class ParsActivityForm(FlaskForm):
    """The activity's PARS registration and the facts PARS asks for to close it (see lms/credits/pars.py)."""

    pars_activity_id = StringField("PARS activity ID", filters=[strip],
                                   validators=[Optional(), Length(max=40), Regexp(r"^[A-Za-z0-9\-]*$",
                                               message="The PARS activity ID is letters, digits and hyphens.")])
    providership = SelectField("Providership", choices=choices([("direct", "Directly provided"),
                                                                ("joint", "Jointly provided")]))
    joint_providers = StringField("Joint provider names", filters=[strip], validators=[Optional(), Length(max=500)])
    commercial_support = BooleanField("Commercial support received")
    commercial_supporters = TextAreaField("Supporters (name, monetary amount or in-kind)", filters=[strip],
                                          validators=[Optional(), Length(max=2000)])
    changes_competence = BooleanField("Designed to change competence")
    changes_performance = BooleanField("Designed to change performance")
    changes_outcomes = BooleanField("Designed to change patient outcomes")
    location_city = StringField("City (live courses)", filters=[strip], validators=[Optional(), Length(max=120)])
    location_state = StringField("State (two letters)", filters=[strip],
                                 validators=[Optional(), Length(max=2), Regexp(r"^[A-Z]{0,2}$",
                                                                               message="Use the two-letter state.")])
    location_country = StringField("Country", filters=[strip], default="USA",
                                   validators=[Optional(), Length(max=3)])
    moc_boards = SelectMultipleField("Registered for MOC with", choices=choices([
        (b, b) for b in ("ABA", "ABIM", "ABOS", "ABOHNS", "ABPath", "ABP", "ABS", "ABTS")]), validate_choice=True)
    submit = SubmitField("Save PARS registration")
