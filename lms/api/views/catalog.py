"""Catalogue and activities: what the catalog page and a course page show, as JSON."""

from __future__ import annotations

from flask import abort, url_for
from marshmallow import fields as f
from marshmallow import validate as v
from sqlalchemy.orm import selectinload

from courses import services as learning
from courses.access import can_author, get_course_or_404
from courses.catalog import CatalogFilters, catalog_query
from courses.models import CoursePerson, CourseVersion
from lms.api.auth import personal_only, require
from lms.api.pagination import UpdatedSinceArgs, page_schema, paginate
from lms.api.schemas import ActivitySchema, EnrolmentSchema
from lms.api.views.common import IDEMPOTENCY_HEADER, blueprint, idempotent, me, now
from lms.api.views.learning import enrolment_json
from lms.credits.models import CreditType
from lms.extensions import db
from lms.orgs.models import Organisation

blp = blueprint("catalog", "Catalogue and activities (scope catalog:read; enrolling: learning:write)")


class CatalogArgs(UpdatedSinceArgs):
    q = f.String(validate=v.Length(max=100), metadata={"description": "Words in the title, summary or objectives."})
    credit_type = f.String(validate=v.Length(max=32))
    format = f.String(validate=v.OneOf(["enduring", "internet", "rss", "live"]))


_VERSION_PARTS = (selectinload(CourseVersion.designations), selectinload(CourseVersion.course),
                  selectinload(CourseVersion.people).selectinload(CoursePerson.relationships))


def activity_json(version: CourseVersion, org_name: str, credit_types: dict) -> dict:
    course = version.course
    return {
        "id": course.id, "kind": "course", "version": version.number, "title": version.title,
        "summary": version.summary, "format": version.format, "provider": {"id": course.org_id, "name": org_name},
        "estimated_minutes": version.estimated_minutes, "release_on": version.release_on,
        "expires_on": version.expires_on,
        "objectives": [line.strip() for line in (version.objectives or "").splitlines() if line.strip()],
        "accreditation_statement": version.accreditation_statement, "acpe_uan": version.acpe_uan,
        "credit_designations": [
            {"credit_type": d.credit_type_code, "name": credit_types[d.credit_type_code].name,
             "unit": credit_types[d.credit_type_code].unit, "max_amount": d.max_amount}
            for d in version.designations],
        "disclosures": [
            {"name": p.name, "credentials": p.credentials, "role": p.role, "attested_none": p.attested_none,
             "disclosed_on": p.disclosed_on,
             "relationships": [{"company": r.company, "nature": r.nature, "ended_on": r.ended_on,
                                "is_relevant": r.is_relevant, "mitigation": r.mitigation} for r in p.relationships]}
            for p in version.people],
        "published_at": version.published_at,
        "url": url_for("courses.show", course_id=course.id, _external=True),
    }


def _credit_types() -> dict:
    return {t.code: t for t in db.session.scalars(db.select(CreditType))}


@blp.route("/activities")
@require("catalog:read")
@blp.arguments(CatalogArgs, location="query")
@blp.response(200, page_schema(ActivitySchema, "ActivityPage"))
def list_activities(args):
    """The catalog: published, released and unexpired activities, by id."""
    filters = CatalogFilters(q=(args.get("q") or "").strip(), credit_type=args.get("credit_type", ""),
                             format=args.get("format", ""))
    query = catalog_query(filters, now().date()).order_by(None).options(*_VERSION_PARTS)
    if args.get("updated_since"):
        query = query.where(CourseVersion.published_at >= args["updated_since"])
    types = _credit_types()
    page = paginate(query, CourseVersion.course_id, args, key=lambda version: version.course_id)
    names = dict(db.session.execute(db.select(Organisation.id, Organisation.name).where(
        Organisation.id.in_({version.course.org_id for version in page["data"]}))).all()) if page["data"] else {}
    page["data"] = [activity_json(version, names[version.course.org_id], types) for version in page["data"]]
    return page


@blp.route("/activities/<int:activity_id>")
@require("catalog:read")
@blp.response(200, ActivitySchema)
def get_activity(activity_id: int):
    """One activity as its course page shows it (authors also see an unpublished draft)."""
    course = get_course_or_404(activity_id)
    version = course.current_version
    if version is None and can_author(me(), course):
        version = course.draft_version
    if version is None:
        abort(404)
    return activity_json(version, course.org.name, _credit_types())


@blp.route("/activities/<int:activity_id>/enrolment", methods=["POST"])
@require("learning:write")
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
@blp.response(201, EnrolmentSchema)
@blp.alt_response(200, schema=EnrolmentSchema, description="Already enrolled: the existing enrolment")
@blp.alt_response(409, description="The activity takes no one now (expired, archived or unpublished)")
def enrol(activity_id: int):
    """Enrol the token's owner (as the course page's Enrol button does); disclosures count as seen."""
    personal_only()
    course = get_course_or_404(activity_id)
    existing = learning.enrolment_for(me(), course)
    try:
        enrolment = learning.enrol(me(), course, now=now())
    except learning.LearningError as exc:
        abort(409, str(exc))
    db.session.flush()
    return enrolment_json(enrolment), 200 if existing is not None else 201
