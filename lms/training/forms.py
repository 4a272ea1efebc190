from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from lms.forms import choices, strip
from lms.orgs.models import ROLES
from lms.phi import NoPHI
from lms.training.models import BASES, TARGET_KINDS
from lms.users.models import PROFESSIONS


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


class AssignmentForm(FlaskForm):
    # Choices are offered for the page; the submitted ids are checked by the service against the
    # organisation (another organisation's course, meeting, team or person is a 404, not a form error).
    item = SelectField("Course or minutes", validate_choice=False, validators=[DataRequired()],
                       description="Minutes can be opened and acknowledged only by people invited to the meeting "
                                   "(directly or through a team).")
    target_kind = RadioField("Who must do it", choices=choices(list(TARGET_KINDS.items())), default="org")
    team_id = SelectField("Team", coerce=_int_or_none, validate_choice=False)
    user_id = SelectField("Person", coerce=_int_or_none, validate_choice=False)
    job_title = StringField("Job title", filters=[strip], validators=[Length(max=120)])
    due_on = DateField("Due date", validators=[DataRequired(message="Choose a due date.")])
    recurrence_months = IntegerField("Repeat every … months (leave empty for once)",
                                     validators=[Optional(), NumberRange(min=1, max=120)])
    recurrence_basis = SelectField("Counted", choices=choices(list(BASES.items())), default="completion")
    grace_days = IntegerField("Grace period (days after the due date before it counts as overdue)", default=0,
                              validators=[Optional(), NumberRange(min=0, max=365)])
    is_mandatory = BooleanField("Mandatory (reminders are sent even to people who opted out of optional mail)",
                                default=True)
    # "Everyone" is confirmed on a second step that names the item and the head count.
    confirm_everyone = HiddenField(default="")
    submit = SubmitField("Assign")


class RosterUploadForm(FlaskForm):
    file = FileField("CSV file (UTF-8)", validators=[FileRequired("Choose a CSV file.")])
    submit = SubmitField("Upload and preview")


class AddPersonForm(FlaskForm):
    name = StringField("Full name", filters=[strip], validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=choices(list(ROLES.items())), default="member")
    team = StringField("Team (created if new)", filters=[strip], validators=[Length(max=120)])
    profession = SelectField("Profession", choices=choices(list(PROFESSIONS.items())), default="other")
    job_title = StringField("Job title", filters=[strip], validators=[Length(max=120)])
    submit = SubmitField("Add to staff")


class PreferenceForm(FlaskForm):
    non_mandatory_mail_opt_out = BooleanField("Do not email me about optional training or send me digests")
    submit = SubmitField("Save")


class RecordForm(FlaskForm):
    item = SelectField("Required item", validate_choice=False, validators=[DataRequired()])
    completed_on = DateField("Completed on", validators=[DataRequired(message="Enter the date it was completed.")])
    note = StringField("Evidence (e.g. \"In-person fire drill, signed register\")", filters=[strip],
                       validators=[Length(max=300), NoPHI()])
    submit = SubmitField("Record completion")


class LeaversForm(FlaskForm):
    # Checked against the organisation in the view: another organisation's membership is a 404.
    membership_ids = SelectMultipleField("Leavers", coerce=int, validate_choice=False)
    submit = SubmitField("Deactivate the selected leavers")


class AssignmentScheduleForm(FlaskForm):
    due_on = DateField("Due date", validators=[DataRequired(message="Choose a due date.")])
    recurrence_months = IntegerField("Repeat every … months (leave empty for once)",
                                     validators=[Optional(), NumberRange(min=1, max=120)])
    recurrence_basis = SelectField("Counted", choices=choices(list(BASES.items())))
    grace_days = IntegerField("Grace period (days after the due date before it counts as overdue)",
                              validators=[Optional(), NumberRange(min=0, max=365)])
    is_mandatory = BooleanField("Mandatory (reminders are sent even to people who opted out of optional mail)")
    submit = SubmitField("Save changes")


class RosterConfirmForm(FlaskForm):
    """Import the valid rows of a preview; ``plan`` is the digest of the plan the page showed."""

    plan = HiddenField(validators=[DataRequired(), Length(min=32, max=32)])
    submit = SubmitField("Import")
