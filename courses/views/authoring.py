"""Authoring pages for educators and managers of the providing organisation."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses import authoring, bp, workflow
from courses.access import get_course_or_404
from courses.authoring import CourseDetails, split_tags
from courses.forms import (AssessmentForm, CourseForm, DesignationForm, EvaluationItemForm, NewCourseForm, PersonForm,
                           RelationshipForm)
from courses.models import Course
from courses.views.common import actor, confirm, editor_context, flash_errors, now, page_number, per_page, run
from lms.credits.models import CreditType
from lms.extensions import db
from lms.unit_of_work import refuse
from lms.forms import choices
from lms.permissions import get_org_or_404

# Enduring material is re-reviewed before it expires; the course list flags reviews due this soon.
REVIEW_WARNING_DAYS = 60


@bp.route("/manage/<int:org_id>")
@login_required
def manage(org_id: int):
    org = get_org_or_404(org_id, "educator")
    courses = db.paginate(select(Course).where(Course.org_id == org.id).options(
        selectinload(Course.current_version), selectinload(Course.draft_version)).order_by(Course.id.desc()),
        page=page_number(), per_page=per_page(), error_out=False)
    return render_template("courses/manage.html", org=org, courses=courses, form=NewCourseForm(),
                           today=now().date(), review_warning=now().date() + timedelta(days=REVIEW_WARNING_DAYS))


def _details(form: CourseForm) -> CourseDetails:
    return CourseDetails(
        title=form.title.data, summary=form.summary.data or "", description=form.description.data or "",
        objectives=form.objectives.data or "", format=form.format.data,
        estimated_minutes=form.estimated_minutes.data, release_on=form.release_on.data,
        expires_on=form.expires_on.data, accreditation_statement=form.accreditation_statement.data or "",
        acpe_uan=form.acpe_uan.data, specialties=split_tags(form.specialties.data), topics=split_tags(form.topics.data),
        professions=tuple(form.professions.data or ()), require_all_lessons=form.require_all_lessons.data,
        video_threshold_pct=form.video_threshold_pct.data, require_quiz_pass=form.require_quiz_pass.data,
        require_evaluation=form.require_evaluation.data)


@bp.route("/manage/<int:org_id>/new", methods=["POST"])
@login_required
def create(org_id: int):
    org = get_org_or_404(org_id, "educator")
    form = NewCourseForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("courses.manage", org_id=org.id))
    details = CourseDetails(title=form.title.data, format=form.format.data,
                            estimated_minutes=form.estimated_minutes.data)
    try:
        course = authoring.create_course(actor(), org, details, now=now())
    except authoring.CourseError as exc:
        return refuse(str(exc), url_for("courses.manage", org_id=org.id))
    flash("Course created. Add its content, disclosures and credit, then submit it for review.", "success")
    return redirect(url_for("courses.edit", course_id=course.id))


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@login_required
def edit(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    version = course.draft_version or course.current_version
    form = CourseForm(obj=version) if request.method == "GET" else CourseForm()
    if request.method == "GET" and version is not None:
        form.specialties.data = ", ".join(version.tag_values("specialty"))
        form.topics.data = ", ".join(version.tag_values("topic"))
        form.professions.data = version.tag_values("profession")
    if form.validate_on_submit():
        try:
            authoring.update_details(actor(), course, _details(form), now=now())
        except authoring.CourseError as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Details saved.", "success")
            return redirect(url_for("courses.edit", course_id=course.id))
    designation = DesignationForm()
    designation.credit_type.choices = choices(
        (t.code, t.name) for t in db.session.scalars(select(CreditType).order_by(CreditType.sort_order)))
    return render_template("courses/edit/details.html", form=form, designation_form=designation,
                           **editor_context(course, "details")), 422 if form.errors or form.form_errors else 200


@bp.route("/<int:course_id>/designations", methods=["POST"])
@login_required
def designate(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    form = DesignationForm()
    form.credit_type.choices = choices((t.code, t.name) for t in db.session.scalars(select(CreditType)))
    back = url_for("courses.edit", course_id=course.id) + "#credit"
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    return run(lambda: authoring.set_designation(actor(), course, form.credit_type.data, form.max_amount.data,
                                                 now=now()) and None, back=back, done="Credit designated.")


@bp.route("/<int:course_id>/designations/<int:designation_id>/delete", methods=["POST"])
@login_required
def remove_designation(course_id: int, designation_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: authoring.remove_designation(actor(), course, designation_id, now=now()),
               back=url_for("courses.edit", course_id=course.id) + "#credit", done="Designation removed.")


# --- people and disclosures -------------------------------------------------------------------


@bp.route("/<int:course_id>/edit/people")
@login_required
def people(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    return render_template("courses/edit/people.html", person_form=PersonForm(), relationship_form=RelationshipForm(),
                           assessment_form=AssessmentForm, **editor_context(course, "people"))


@bp.route("/<int:course_id>/people", methods=["POST"])
@login_required
def add_person(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    form = PersonForm()
    back = url_for("courses.people", course_id=course.id)
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    return run(lambda: authoring.add_person(actor(), course, name=form.name.data, credentials=form.credentials.data,
                                            role=form.role.data, attested_none=form.attested_none.data,
                                            now=now()) and None, back=back, done=f"{form.name.data} added.")


@bp.route("/<int:course_id>/people/<int:person_id>/delete", methods=["POST"])
@login_required
def remove_person(course_id: int, person_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: authoring.remove_person(actor(), course, person_id, now=now()),
               back=url_for("courses.people", course_id=course.id), done="Removed.")


@bp.route("/<int:course_id>/people/<int:person_id>/relationships", methods=["POST"])
@login_required
def add_relationship(course_id: int, person_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    form = RelationshipForm()
    back = url_for("courses.people", course_id=course.id) + f"#person-{person_id}"
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    return run(lambda: authoring.add_relationship(actor(), course, person_id, company=form.company.data,
                                                  nature=form.nature.data, ended_on=form.ended_on.data,
                                                  now=now()) and None, back=back, done="Relationship recorded.")


@bp.route("/<int:course_id>/relationships/<int:relationship_id>", methods=["POST"])
@login_required
def assess_relationship(course_id: int, relationship_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    form = AssessmentForm()
    back = url_for("courses.people", course_id=course.id) + f"#relationship-{relationship_id}"
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    relevant = {"yes": True, "no": False}.get(form.is_relevant.data)
    return run(lambda: authoring.assess_relationship(actor(), course, relationship_id, is_relevant=relevant,
                                                     mitigation=form.mitigation.data or "", now=now()) and None,
               back=back, done="Decision saved.")


@bp.route("/<int:course_id>/relationships/<int:relationship_id>/delete", methods=["POST"])
@login_required
def remove_relationship(course_id: int, relationship_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: authoring.remove_relationship(actor(), course, relationship_id, now=now()),
               back=url_for("courses.people", course_id=course.id), done="Relationship removed.")


# --- the evaluation -----------------------------------------------------------------------------


@bp.route("/<int:course_id>/edit/evaluation")
@login_required
def evaluation_items(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    return render_template("courses/edit/evaluation.html", item_form=EvaluationItemForm(),
                           **editor_context(course, "evaluation"))


@bp.route("/<int:course_id>/evaluation/items", methods=["POST"])
@login_required
def add_evaluation_item(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    form = EvaluationItemForm()
    back = url_for("courses.evaluation_items", course_id=course.id)
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    return run(lambda: authoring.add_evaluation_item(actor(), course, kind=form.kind.data, text=form.text.data,
                                                     required=form.required.data, now=now()) and None,
               back=back, done="Item added.")


@bp.route("/<int:course_id>/evaluation/items/<int:item_id>/delete", methods=["POST"])
@login_required
def remove_evaluation_item(course_id: int, item_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: authoring.remove_evaluation_item(actor(), course, item_id, now=now()),
               back=url_for("courses.evaluation_items", course_id=course.id), done="Item removed.")


@bp.route("/<int:course_id>/evaluation/reset", methods=["POST"])
@login_required
def reset_evaluation(course_id: int):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: authoring.reset_evaluation(authoring.draft_of(course)),
               back=url_for("courses.evaluation_items", course_id=course.id), done="Default evaluation restored.")


# --- workflow -----------------------------------------------------------------------------------


def _workflow(course_id: int, action, done: str):
    course = get_course_or_404(course_id, for_edit=True)
    confirm()
    return run(lambda: action(actor(), course, now=now()) and None,
               back=url_for("courses.edit", course_id=course.id), done=done)


@bp.route("/<int:course_id>/submit", methods=["POST"])
@login_required
def submit_review(course_id: int):
    return _workflow(course_id, workflow.submit_for_review, "Submitted for review: content is locked until it is "
                                                            "published or returned to draft.")


@bp.route("/<int:course_id>/return", methods=["POST"])
@login_required
def return_to_draft(course_id: int):
    return _workflow(course_id, workflow.return_to_draft, "Returned to draft.")


@bp.route("/<int:course_id>/publish", methods=["POST"])
@login_required
def publish(course_id: int):
    return _workflow(course_id, workflow.publish, "Published: the course is in the catalog.")


@bp.route("/<int:course_id>/archive", methods=["POST"])
@login_required
def archive(course_id: int):
    return _workflow(course_id, workflow.archive, "Archived: it is no longer in the catalog; learners keep "
                                                  "their records.")


@bp.route("/<int:course_id>/new-version", methods=["POST"])
@login_required
def new_version(course_id: int):
    return _workflow(course_id, workflow.new_version, "A new draft version was created from the published one. "
                                                      "Learners keep the version they started.")
