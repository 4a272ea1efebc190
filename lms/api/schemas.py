"""Marshmallow schemas of the API's answers and request bodies (and so of the OpenAPI document)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
           "description": "An exact decimal amount, as a string (never a float)."}


class Schema(ma.Schema):
    class Meta:
        ordered = True


def Dec(**kw):
    return f.Decimal(as_string=True, metadata=DECIMAL, **kw)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = f.String(required=True)
    title = f.String(required=True)
    status = f.Integer(required=True)
    detail = f.String(required=True)
    errors = f.Dict(metadata={"description": "Per-field validation messages (422)."})


class OrgRefSchema(Schema):
    id = f.Integer(required=True)
    name = f.String(required=True)


# --- catalog --------------------------------------------------------------------------------

class DesignationSchema(Schema):
    credit_type = f.String(required=True)
    name = f.String(required=True)
    unit = f.String(required=True)
    max_amount = Dec(required=True)


class RelationshipSchema(Schema):
    company = f.String(required=True)
    nature = f.String(required=True)
    ended_on = f.Date(required=True, allow_none=True)
    is_relevant = f.Boolean(required=True, allow_none=True)
    mitigation = f.String(required=True)


class DisclosureSchema(Schema):
    name = f.String(required=True)
    credentials = f.String(required=True)
    role = f.String(required=True)
    attested_none = f.Boolean(required=True)
    disclosed_on = f.Date(required=True, allow_none=True)
    relationships = f.List(f.Nested(RelationshipSchema), required=True)


class ActivitySchema(Schema):
    id = f.Integer(required=True)
    kind = f.String(required=True, metadata={"enum": ["course"]})
    version = f.Integer(required=True)
    title = f.String(required=True)
    summary = f.String(required=True)
    format = f.String(required=True)
    provider = f.Nested(OrgRefSchema, required=True)
    estimated_minutes = f.Integer(required=True)
    release_on = f.Date(required=True, allow_none=True)
    expires_on = f.Date(required=True, allow_none=True)
    objectives = f.List(f.String(), required=True)
    accreditation_statement = f.String(required=True)
    acpe_uan = f.String(required=True, allow_none=True)
    credit_designations = f.List(f.Nested(DesignationSchema), required=True)
    disclosures = f.List(f.Nested(DisclosureSchema), required=True)
    published_at = f.DateTime(required=True, allow_none=True)
    url = f.String(required=True)


# --- learning -------------------------------------------------------------------------------

class EnrolmentSchema(Schema):
    id = f.Integer(required=True)
    activity_id = f.Integer(required=True)
    title = f.String(required=True)
    round = f.Integer(required=True)
    enrolled_at = f.DateTime(required=True)
    last_activity_at = f.DateTime(required=True, allow_none=True)
    completed_at = f.DateTime(required=True, allow_none=True)
    evaluation_submitted_at = f.DateTime(required=True, allow_none=True)
    due_on = f.Date(required=True, allow_none=True)
    lessons_done = f.Integer(required=True)
    lessons_total = f.Integer(required=True)
    percent = f.Integer(required=True)


class CompletionSchema(Schema):
    id = f.Integer(required=True)
    enrolment_id = f.Integer(required=True)
    activity_id = f.Integer(required=True)
    version_id = f.Integer(required=True)
    round = f.Integer(required=True)
    completed_at = f.DateTime(required=True)
    score_pct = f.Integer(required=True, allow_none=True)
    seconds_spent = f.Integer(required=True)


# --- credits --------------------------------------------------------------------------------

class LedgerEntrySchema(Schema):
    id = f.Integer(required=True)
    kind = f.String(required=True, metadata={"enum": ["claim", "correction", "revocation"]})
    claim_id = f.Integer(required=True, allow_none=True)
    activity_kind = f.String(required=True)
    activity_id = f.Integer(required=True)
    activity_title = f.String(required=True)
    activity_date = f.Date(required=True)
    provider_name = f.String(required=True)
    credit_type = f.String(attribute="credit_type_code", required=True)
    amount = Dec(required=True)
    self_reported = f.Boolean(required=True)
    reason = f.String(required=True)
    created_at = f.DateTime(required=True)


class TranscriptRowSchema(Schema):
    claim_id = f.Integer(required=True)
    activity_kind = f.String(required=True)
    activity_id = f.Integer(required=True)
    title = f.String(required=True)
    provider = f.String(required=True)
    date = f.Date(attribute="on", required=True)
    credit_type = f.Function(lambda r: r.credit_type.code, required=True, metadata={"type": "string"})
    amount = Dec(required=True)
    claimed = Dec(required=True)
    self_reported = f.Boolean(required=True)
    status = f.String(required=True, metadata={"enum": ["claimed", "corrected", "revoked"]})
    topics = f.List(f.String(), required=True)


class TotalSchema(Schema):
    credit_type = f.String(required=True)
    name = f.String(required=True)
    amount = Dec(required=True)


class TranscriptSchema(Schema):
    rows = f.List(f.Nested(TranscriptRowSchema), required=True)
    totals = f.List(f.Nested(TotalSchema), required=True)


class TranscriptArgs(Schema):
    start = f.Date(metadata={"description": "Activities on or after this date."})
    end = f.Date(metadata={"description": "Activities on or before this date."})


class ClaimBody(Schema):
    activity_kind = f.String(required=True, validate=v.OneOf(["course", "meeting"]))
    activity_id = f.Integer(required=True, validate=v.Range(1, 2**31 - 1))
    credit_type = f.String(required=True, validate=v.Length(1, 32))
    amount = f.String(required=True, validate=v.Regexp(r"^[0-9]{1,4}(\.[0-9]{1,2})?$"),
                      metadata={"description": "The credit claimed, as a decimal string (\"1.25\"); the type's "
                                               "increment and the designated maximum apply."})
    attest = f.Boolean(required=True, metadata={"description": "The learner attests the credit is commensurate "
                                                              "with the extent of their participation."})
    description = f.String(load_default="", validate=v.Length(max=2000),
                           metadata={"description": "What you did (required for self-claimed Category 2 credit)."})


class TopicProgressSchema(Schema):
    topic = f.String(required=True)
    required = Dec(required=True)
    counted = Dec(required=True)
    gap = Dec(required=True)


class RequirementProgressSchema(Schema):
    id = f.Integer(required=True)
    name = f.String(required=True)
    cycle_start = f.Date(required=True, allow_none=True)
    cycle_end = f.Date(required=True, allow_none=True)
    required = Dec(required=True)
    counted = Dec(required=True)
    gap = Dec(required=True)
    met = f.Boolean(required=True)
    percent = f.Integer(required=True)
    days_left = f.Integer(required=True, allow_none=True)
    topics = f.List(f.Nested(TopicProgressSchema), required=True)


# --- certificates ---------------------------------------------------------------------------

class CertificateSchema(Schema):
    id = f.Integer(required=True)
    kind = f.String(required=True)
    activity_kind = f.String(required=True)
    activity_id = f.Integer(required=True)
    title = f.String(required=True)
    version = f.Integer(required=True)
    status = f.String(required=True)
    issued_at = f.DateTime(required=True)
    superseded_at = f.DateTime(required=True, allow_none=True)
    revoked_at = f.DateTime(required=True, allow_none=True)
    sha256 = f.String(required=True)
    verify_url = f.String(required=True)


class CreditLineSchema(Schema):
    type = f.String(required=True)
    amount = f.String(required=True)
    unit = f.String(required=True)


class VerificationSchema(Schema):
    status = f.String(required=True)
    holder = f.String(required=True, allow_none=True)
    activity = f.String(required=True, allow_none=True)
    credits = f.List(f.Nested(CreditLineSchema), required=True, allow_none=True)
    date = f.String(required=True, allow_none=True)
    provider = f.String(required=True, allow_none=True)
    certificate = f.String(required=True, allow_none=True)


# --- organisations --------------------------------------------------------------------------

class MemberSchema(Schema):
    id = f.Integer(required=True, metadata={"description": "The membership's id."})
    user_id = f.Integer(required=True)
    name = f.String(required=True)
    email = f.String(required=True)
    role = f.String(required=True, metadata={"enum": ["member", "educator", "manager"]})
    job_title = f.String(required=True)
    active = f.Boolean(required=True)
    created_at = f.DateTime(required=True)
    deactivated_at = f.DateTime(required=True, allow_none=True)
    team_ids = f.List(f.Integer(), required=True)


class TeamSchema(Schema):
    id = f.Integer(required=True)
    name = f.String(required=True)
    created_at = f.DateTime(required=True)
    member_ids = f.List(f.Integer(), required=True, metadata={"description": "Membership ids."})


class OrgInvitationSchema(Schema):
    id = f.Integer(required=True)
    email = f.String(required=True)
    role = f.String(required=True)
    team_id = f.Integer(required=True, allow_none=True)
    created_at = f.DateTime(required=True)
    expires_at = f.DateTime(required=True)
    status = f.String(required=True, metadata={"enum": ["open", "accepted", "revoked", "expired"]})


class InviteBody(Schema):
    email = f.Email(required=True, validate=v.Length(3, 254))
    role = f.String(load_default="member", validate=v.OneOf(["member", "educator", "manager"]))
    team_id = f.Integer(load_default=None, allow_none=True, validate=v.Range(1, 2**31 - 1))


# --- training -------------------------------------------------------------------------------

class AssignmentSchema(Schema):
    id = f.Integer(required=True)
    item_kind = f.String(required=True, metadata={"enum": ["course", "minutes"]})
    course_id = f.Integer(required=True, allow_none=True)
    meeting_id = f.Integer(required=True, allow_none=True)
    title = f.String(required=True)
    target_kind = f.String(required=True, metadata={"enum": ["org", "team", "job_title", "person"]})
    target_label = f.String(required=True)
    due_on = f.Date(required=True)
    recurrence_months = f.Integer(required=True, allow_none=True)
    grace_days = f.Integer(required=True)
    is_mandatory = f.Boolean(required=True)
    created_at = f.DateTime(required=True)


class ComplianceItemSchema(Schema):
    assignment_id = f.Integer(required=True)
    item = f.String(required=True)
    title = f.String(required=True)
    status = f.String(required=True, metadata={"enum": ["complete", "due_soon", "overdue", "expired", "not_started"]})
    due_on = f.Date(required=True, allow_none=True)
    expires_on = f.Date(required=True, allow_none=True)
    completed_on = f.Date(required=True, allow_none=True)
    compliant = f.Boolean(required=True)


class CompliancePersonSchema(Schema):
    membership_id = f.Integer(required=True)
    user_id = f.Integer(required=True)
    name = f.String(required=True)
    job_title = f.String(required=True)
    items = f.List(f.Nested(ComplianceItemSchema), required=True)


class ComplianceArgs(Schema):
    team_id = f.Integer(validate=v.Range(1, 2**31 - 1))
    status = f.String(validate=v.OneOf(["complete", "due_soon", "overdue", "expired", "not_started"]))


# --- meetings -------------------------------------------------------------------------------

class MeetingSchema(Schema):
    id = f.Integer(required=True)
    org_id = f.Integer(required=True)
    title = f.String(required=True)
    category = f.String(required=True)
    starts_at = f.DateTime(required=True)
    ends_at = f.DateTime(required=True)
    timezone = f.String(required=True)
    recurrence = f.String(required=True)
    recurrence_count = f.Integer(required=True)
    host_id = f.Integer(required=True, allow_none=True)
    open_to_org = f.Boolean(required=True)
    is_accredited = f.Boolean(required=True)
    cancelled_at = f.DateTime(required=True, allow_none=True)
    ended_at = f.DateTime(required=True, allow_none=True)
    updated_at = f.DateTime(required=True)
    can_host = f.Boolean(required=True)


class MeetingInviteeSchema(Schema):
    user_id = f.Integer(required=True)
    name = f.String(required=True)
    email = f.String(required=True)


class AttendanceRowSchema(Schema):
    user_id = f.Integer(required=True, allow_none=True)
    name = f.String(required=True)
    invited = f.Boolean(required=True)
    first_join = f.DateTime(required=True, allow_none=True)
    last_leave = f.DateTime(required=True, allow_none=True)
    minutes = f.Integer(required=True)
    credible_minutes = f.Integer(required=True)
    evidence = f.String(required=True)
    acknowledged_at = f.DateTime(required=True, allow_none=True)


class AttendanceSchema(Schema):
    meeting_id = f.Integer(required=True)
    rows = f.List(f.Nested(AttendanceRowSchema), required=True)


class IdArgs(Schema):
    pass
