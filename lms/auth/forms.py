from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from lms.forms import choices, strip
from wtforms.validators import DataRequired, Email, EqualTo, Length

from lms.auth.passwords import MAX_LENGTH, MIN_LENGTH
from lms.users.models import PROFESSIONS

PASSWORD_HELP = f"At least {MIN_LENGTH} characters. Passphrases and any characters are welcome."


class RegisterForm(FlaskForm):
    first_name = StringField("First name", filters=[strip], validators=[DataRequired(), Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField("Last name", filters=[strip], validators=[DataRequired(), Length(max=100)],
                            render_kw={"autocomplete": "family-name"})
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    profession = SelectField("Profession", choices=choices(list(PROFESSIONS.items())), validators=[DataRequired()])
    password = PasswordField("Password", description=PASSWORD_HELP,
                             validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Log in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    submit = SubmitField("Email me a reset link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", description=PASSWORD_HELP,
                             validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat new password",
                            validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Set new password")


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                            render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Change password")


class ResendVerificationForm(FlaskForm):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Send a new link")
