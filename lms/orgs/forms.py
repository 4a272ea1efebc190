from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from lms.forms import choices, strip
from wtforms.validators import DataRequired, Email, Length

from lms.orgs.models import ORG_KINDS, ROLES
from lms.users.forms import TIMEZONES


class OrganisationForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=choices(list(ORG_KINDS.items())))
    timezone = SelectField("Time zone", choices=choices((tz, tz.replace("_", " ")) for tz in TIMEZONES))
    submit = SubmitField("Create organisation")


class InviteForm(FlaskForm):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=choices(list(ROLES.items())))
    team_id = SelectField("Team", coerce=lambda v: int(v) if v not in (None, "", "None") else None)
    submit = SubmitField("Send invitation")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=choices(list(ROLES.items())))
    submit = SubmitField("Change role")


class TeamForm(FlaskForm):
    name = StringField("Team name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    submit = SubmitField("Create team")


class TeamMemberForm(FlaskForm):
    membership_id = SelectField("Member", coerce=int)
    submit = SubmitField("Add to team")


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected button for an action that needs no input."""

    submit = SubmitField("Confirm")
