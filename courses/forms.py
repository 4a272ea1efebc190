"""Course forms. Every educator-written text field passes the PHI guard before it is saved."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, DecimalField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField, URLField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from courses.models import LESSON_KINDS, PERSON_ROLES, QUESTION_KINDS, RELATIONSHIP_NATURES
from lms.activities import FORMATS
from lms.forms import choices, strip
from lms.phi import NoPHI
from lms.users.models import PROFESSIONS

MAX_OPTIONS = 5


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm")


class RetakeForm(FlaskForm):
    confirm = BooleanField("I want to take this course again. My earlier completions, credit and certificates are "
                           "kept; the retake earns no new credit.", validators=[DataRequired()])
    submit = SubmitField("Start the retake")


class CourseForm(FlaskForm):
    title = StringField("Title", filters=[strip], validators=[DataRequired(), Length(max=200), NoPHI()])
    summary = StringField("Summary", filters=[strip], validators=[Optional(), Length(max=500), NoPHI()],
                          description="One or two sentences shown in the catalog.")
    description = TextAreaField("Description", filters=[strip], validators=[Optional(), Length(max=20000), NoPHI()],
                                description="Markdown.")
    objectives = TextAreaField("Learning objectives", filters=[strip],
                               validators=[Optional(), Length(max=5000), NoPHI()],
                               description="One per line, e.g. “Apply the CDC 2022 opioid prescribing guideline”.")
    format = SelectField("Format", choices=choices(FORMATS.items()))
    estimated_minutes = IntegerField("Estimated time (minutes)", default=60,
                                     validators=[InputRequired(), NumberRange(min=1, max=6000)])
    release_on = DateField("Release date", validators=[Optional()])
    expires_on = DateField("Expiry date", validators=[Optional()],
                           description="Enduring material: at most three years after release.")
    specialties = StringField("Specialties", filters=[strip], validators=[Optional(), Length(max=500)],
                              description="Comma-separated, e.g. “family medicine, pain medicine”.")
    topics = StringField("Topics", filters=[strip], validators=[Optional(), Length(max=500)],
                         description="Comma-separated, e.g. “pain management/opioids, implicit bias, HIPAA”.")
    professions = MultiCheckboxField("Target audience", choices=choices(PROFESSIONS.items()))
    accreditation_statement = TextAreaField("Accreditation statement", filters=[strip],
                                            validators=[Optional(), Length(max=5000), NoPHI()])
    acpe_uan = StringField("ACPE Universal Activity Number", filters=[strip], validators=[Optional(), Length(max=40)],
                           description="Pharmacy credit only, e.g. 0000-0000-26-001-H01-P.")
    require_all_lessons = BooleanField("Learners must complete every lesson", default=True)
    video_threshold_pct = IntegerField("Videos count as watched at (%)", default=90,
                                       validators=[InputRequired(), NumberRange(min=0, max=100)])
    require_quiz_pass = BooleanField("Learners must pass every quiz", default=True)
    require_evaluation = BooleanField("Learners must submit the evaluation", default=True)
    submit = SubmitField("Save")

    def validate_acpe_uan(self, field):
        from lms.credits.cpe_monitor import uan_problem

        if field.data and (problem := uan_problem(field.data)):
            raise ValidationError(problem)


class NewCourseForm(FlaskForm):
    title = StringField("Title", filters=[strip], validators=[DataRequired(), Length(max=200), NoPHI()])
    format = SelectField("Format", choices=choices(FORMATS.items()))
    estimated_minutes = IntegerField("Estimated time (minutes)", default=60,
                                     validators=[InputRequired(), NumberRange(min=1, max=6000)])
    submit = SubmitField("Create course")


class DesignationForm(FlaskForm):
    credit_type = SelectField("Credit type")
    max_amount = DecimalField("Maximum", places=2, validators=[InputRequired(), NumberRange(min=0.25, max=500)])
    submit = SubmitField("Designate")


class PersonForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=160)])
    credentials = StringField("Credentials", filters=[strip], validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=choices(PERSON_ROLES.items()))
    attested_none = BooleanField("Has no financial relationships with ineligible companies in the past 24 months")
    submit = SubmitField("Add person")


class RelationshipForm(FlaskForm):
    company = StringField("Ineligible company", filters=[strip], validators=[DataRequired(), Length(max=200)])
    nature = SelectField("Nature of the relationship", choices=choices(RELATIONSHIP_NATURES.items()))
    ended_on = DateField("Ended on", validators=[Optional()], description="Leave empty if ongoing.")
    submit = SubmitField("Add relationship")


class AssessmentForm(FlaskForm):
    is_relevant = SelectField("Relevant to the content?", choices=choices(
        [("", "Not decided"), ("yes", "Relevant"), ("no", "Not relevant")]))
    mitigation = TextAreaField("How it was mitigated", filters=[strip], validators=[Optional(), Length(max=2000)],
                               description="e.g. “Content peer-reviewed by an independent reviewer”.")
    submit = SubmitField("Save decision")


class ModuleForm(FlaskForm):
    title = StringField("Module title", filters=[strip], validators=[DataRequired(), Length(max=200), NoPHI()])
    submit = SubmitField("Add module")


class NewLessonForm(FlaskForm):
    title = StringField("Lesson title", filters=[strip], validators=[DataRequired(), Length(max=200), NoPHI()])
    kind = SelectField("Kind", choices=choices(LESSON_KINDS.items()))
    submit = SubmitField("Add lesson")


class LessonForm(FlaskForm):
    title = StringField("Title", filters=[strip], validators=[DataRequired(), Length(max=200), NoPHI()])
    body = TextAreaField("Text (Markdown)", filters=[strip], validators=[Optional(), Length(max=100000), NoPHI()],
                         description="## Heading, **bold**, *italic*, - lists, [links](https://…); images from "
                                     "“Images” below.")
    embed_url = URLField("Video player link", filters=[strip], validators=[Optional(), Length(max=500)],
                         description="https://www.youtube-nocookie.com/embed/… or https://player.vimeo.com/video/…")
    submit = SubmitField("Save lesson")


class UploadForm(FlaskForm):
    file = FileField("File", validators=[FileRequired()])
    submit = SubmitField("Upload")


class ImageForm(FlaskForm):
    file = FileField("Image", validators=[FileRequired()],
                     description="PNG, JPEG, GIF or WebP. Never a picture of a patient.")
    alt = StringField("Describe the image (alt text)", filters=[strip],
                      validators=[DataRequired("Describe the image for people who cannot see it."), Length(max=300),
                                  NoPHI()],
                      description="What a screen reader says instead, e.g. “Opioid conversion chart”.")
    submit = SubmitField("Upload image")


class CaptionForm(FlaskForm):
    file = FileField("Captions file (WebVTT, .vtt)", validators=[FileRequired()])
    language = StringField("Language code", filters=[strip], default="en",
                           validators=[DataRequired(), Length(max=35)], description="e.g. en, es, fr-CA")
    label = StringField("Label", filters=[strip], default="English",
                        validators=[DataRequired(), Length(max=80)], description="Shown in the player’s captions menu.")
    submit = SubmitField("Upload captions")


class MarkdownPreviewForm(FlaskForm):
    text = TextAreaField("Text", validators=[Optional(), Length(max=100000)])


class QuizSettingsForm(FlaskForm):
    pass_mark_pct = IntegerField("Pass mark (%)", default=70, validators=[InputRequired(), NumberRange(0, 100)])
    max_attempts = IntegerField("Attempts allowed", default=3, validators=[InputRequired(), NumberRange(1, 20)])
    shuffle = BooleanField("Shuffle questions and options for each attempt", default=True)
    submit = SubmitField("Save quiz settings")


class QuestionForm(FlaskForm):
    kind = SelectField("Kind", choices=choices(QUESTION_KINDS.items()))
    text = TextAreaField("Question", filters=[strip], validators=[DataRequired(), Length(max=5000), NoPHI()])
    rationale = TextAreaField("Rationale (shown after answering)", filters=[strip],
                              validators=[Optional(), Length(max=5000), NoPHI()])
    # Shown (and sent) only for a true/false question: the page disables it for the other kinds.
    true_is_correct = SelectField("For true/false: the correct answer", choices=choices(
        [("true", "True"), ("false", "False")]), default="true", validators=[Optional()])
    submit = SubmitField("Add question")


for _n in range(1, MAX_OPTIONS + 1):
    setattr(QuestionForm, f"option_{_n}", StringField(f"Option {_n}", filters=[strip],
                                                      validators=[Optional(), Length(max=1000), NoPHI()]))
    setattr(QuestionForm, f"correct_{_n}", BooleanField(f"Option {_n} is correct"))


class EvaluationItemForm(FlaskForm):
    kind = SelectField("Kind", choices=choices([("likert", "Rating (strongly disagree – strongly agree)"),
                                                ("text", "Free text")]))
    text = StringField("Item", filters=[strip], validators=[DataRequired(), Length(max=500), NoPHI()])
    required = BooleanField("Required", default=True)
    submit = SubmitField("Add item")


LIKERT = [("1", "Strongly disagree"), ("2", "Disagree"), ("3", "Neutral"), ("4", "Agree"), ("5", "Strongly agree")]


def evaluation_form(items, formdata=None):
    """A form with a rating or a comment field per evaluation item."""

    class EvaluationForm(FlaskForm):
        submit = SubmitField("Submit evaluation")

    for item in items:
        if item.kind == "likert":
            validators = [InputRequired("Choose a rating.")] if item.required else [Optional()]
            setattr(EvaluationForm, f"item_{item.id}", RadioField(item.text, choices=choices(LIKERT), validators=validators))
        else:
            validators = [DataRequired("Please answer.")] if item.required else [Optional()]
            setattr(EvaluationForm, f"item_{item.id}", TextAreaField(
                item.text, filters=[strip], validators=[*validators, Length(max=5000), NoPHI()]))
    return EvaluationForm(formdata=formdata) if formdata is not None else EvaluationForm()


def attempt_form(attempt, questions_by_id, formdata=None):
    """A form with a radio group (or checkboxes) per question, in the attempt's stored order."""

    class AttemptForm(FlaskForm):
        submit = SubmitField("Submit answers")

    order = attempt.shown_order or {}
    for qid in order.get("questions", []):
        question = questions_by_id.get(qid)
        if question is None:
            continue
        options = {o.id: o for o in question.options}
        shown = [(oid, options[oid].text) for oid in order.get("options", {}).get(str(qid), []) if oid in options]
        if question.kind == "multiple":
            field = MultiCheckboxField(question.text, choices=choices(shown), coerce=int)
        else:
            field = RadioField(question.text, choices=choices(shown), coerce=int, validators=[Optional()])
        setattr(AttemptForm, f"q_{qid}", field)
    return AttemptForm(formdata=formdata) if formdata is not None else AttemptForm()
