from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, DecimalField, HiddenField, IntegerField,
                     RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lms.forms import choices, strip
from lms.phi import NoPHI
from lms.users.forms import TIMEZONES
from meetings.models import CATEGORIES, RECURRENCES

CREDIT_CODES = [("ama_pra_1", "AMA PRA Category 1 Credit™"), ("ama_pra_2", "AMA PRA Category 2 Credit"),
                ("ancc", "ANCC contact hours"), ("acpe", "ACPE contact hours"), ("aapa_1", "AAPA Category 1 CME"),
                ("abim_moc", "ABIM MOC points"), ("ipce", "IPCE credit"), ("participation", "Participation")]
LIKERT = choices([("5", "Strongly agree"), ("4", "Agree"), ("3", "Neutral"), ("2", "Disagree"), ("1", "Strongly disagree")])


class MeetingForm(FlaskForm):
    title = StringField("Title", filters=[strip], validators=[DataRequired(), Length(max=200), NoPHI()])
    category = SelectField("Kind of meeting", choices=choices(list(CATEGORIES.items())),
                           description="Rooms are for administration, training and education only, never for "
                                       "patient care or discussing identifiable patients.")
    agenda = TextAreaField("Agenda", validators=[Optional(), Length(max=20000), NoPHI()],
                           description="Markdown. No patient information.", render_kw={"rows": 6})
    timezone = SelectField("Time zone", choices=choices((tz, tz.replace("_", " ")) for tz in TIMEZONES))
    start = DateTimeLocalField("Starts", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    end = DateTimeLocalField("Ends", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    recurrence = SelectField("Repeats", choices=choices(list(RECURRENCES.items())))
    recurrence_count = IntegerField("Number of occurrences", default=1, validators=[NumberRange(1, 52)])
    cohost_ids = SelectMultipleField("Co-hosts", coerce=int, validate_choice=True)
    invitee_ids = SelectMultipleField("Invite people", coerce=int, validate_choice=True)
    team_ids = SelectMultipleField("Invite teams", coerce=int, validate_choice=True)
    open_to_org = BooleanField("Invite the whole organisation")
    lobby_enabled = BooleanField("Lobby: the host admits people", default=True)
    passcode = StringField("Passcode (digits, optional)", filters=[strip], validators=[Optional(), Length(max=10)])
    recording_enabled = BooleanField("Allow the host to record (participants are told)")
    ack_counts_as_attendance = BooleanField("Staff training: signing the minutes counts as attendance")
    is_accredited = BooleanField("Live activity with credit")
    accredited_start = DateTimeLocalField("Accredited part starts (optional)", format="%Y-%m-%dT%H:%M",
                                          validators=[Optional()])
    accredited_end = DateTimeLocalField("Accredited part ends (optional)", format="%Y-%m-%dT%H:%M",
                                        validators=[Optional()])
    min_credit_minutes = IntegerField("Minimum minutes for credit", default=15, validators=[NumberRange(15, 720)])
    accreditation_statement = TextAreaField("Accreditation statement", validators=[Optional(), Length(max=4000)],
                                            render_kw={"rows": 3})
    acpe_uan = StringField("ACPE UAN", filters=[strip], validators=[Optional(), Length(max=40)],
                           description="A meeting is live: e.g. 0000-0000-26-001-L01-P.")
    topics = StringField("Topics (comma-separated)", filters=[strip], validators=[Optional(), Length(max=300)])
    submit = SubmitField("Save meeting")

    def validate_acpe_uan(self, field):
        """ACPE's UAN format, with the L (live) or B (blended) letter a meeting needs."""
        from lms.credits.cpe_monitor import format_letter_problem, uan_problem

        if field.data:
            problem = uan_problem(field.data) or format_letter_problem(field.data.upper(), "meeting")
            if problem:
                raise ValidationError(problem)


def add_credit_fields(form_class):
    """One decimal field per credit type (``credit_<code>``)."""
    for code, label in CREDIT_CODES:
        setattr(form_class, f"credit_{code}", DecimalField(f"{label}: maximum", places=2,
                                                           validators=[Optional(), NumberRange(0, 12)]))
    return form_class


add_credit_fields(MeetingForm)


class MinutesForm(FlaskForm):
    minutes = TextAreaField("Minutes", validators=[Optional(), Length(max=50000), NoPHI()],
                            description="Markdown. No patient information.", render_kw={"rows": 10})
    submit = SubmitField("Save minutes")


class ActionItemForm(FlaskForm):
    text = StringField("Action", filters=[strip], validators=[DataRequired(), Length(max=500), NoPHI()])
    owner_id = SelectField("Owner", coerce=lambda v: int(v) if v not in (None, "", "None") else None)
    due_on = DateField("Due", validators=[Optional()])
    submit = SubmitField("Add action")


class AttendanceForm(FlaskForm):
    user_id = SelectField("Person", coerce=int)
    joined = DateTimeLocalField("From", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    left = DateTimeLocalField("Until", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    note = StringField("Reason", filters=[strip], validators=[DataRequired(), Length(max=300), NoPHI()])
    submit = SubmitField("Record attendance")


class VoidForm(FlaskForm):
    note = StringField("Reason", filters=[strip], validators=[DataRequired(), Length(max=300), NoPHI()])
    submit = SubmitField("Strike out")


class EvaluationForm(FlaskForm):
    change_practice = RadioField("This activity will change my practice", choices=LIKERT,
                                 validators=[DataRequired()])
    met_objectives = RadioField("The activity met its stated objectives", choices=LIKERT, validators=[DataRequired()])
    free_of_bias = RadioField("The content was free of commercial bias", choices=LIKERT, validators=[DataRequired()])
    comments = TextAreaField("What will you do differently? (optional)",
                             validators=[Optional(), Length(max=4000), NoPHI()], render_kw={"rows": 3})
    submit = SubmitField("Submit evaluation")


class PresenceForm(FlaskForm):
    event = HiddenField(validators=[DataRequired()])
    participant_id = HiddenField(validators=[Optional(), Length(max=200)])


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm")
