"""The token owner's credit ledger, transcript and requirement progress; claiming credit."""

from __future__ import annotations

from flask import abort, current_app, request
from sqlalchemy import select

from lms.api.auth import personal_only, require
from lms.api.pagination import UpdatedSinceArgs, page_schema, paginate
from lms.api.schemas import (ClaimBody, LedgerEntrySchema, RequirementProgressSchema, TranscriptArgs,
                             TranscriptSchema)
from lms.api.views.common import IDEMPOTENCY_HEADER, blueprint, idempotent, me, now
from lms.credits import services as credits
from lms.credits.models import CreditEntry
from lms.credits.services import requirement_progress
from lms.credits.signals import credit_changed
from lms.extensions import db

blp = blueprint("credits", "Your credit ledger, transcript and requirements (credits:read; claiming: credits:write)",
                "/me")


@blp.route("/credit-ledger")
@require("credits:read")
@blp.arguments(UpdatedSinceArgs, location="query")
@blp.response(200, page_schema(LedgerEntrySchema, "LedgerPage"))
def ledger(args):
    """Every entry of your append-only ledger: claims, corrections and revocations, oldest first."""
    personal_only()
    query = select(CreditEntry).where(CreditEntry.learner_id == me().id)
    if args.get("updated_since"):
        query = query.where(CreditEntry.created_at >= args["updated_since"])
    return paginate(query, CreditEntry.id, args)


@blp.route("/transcript")
@require("credits:read")
@blp.arguments(TranscriptArgs, location="query")
@blp.response(200, TranscriptSchema)
def transcript(args):
    """Your transcript as the transcript page shows it: net amounts per claim and totals per credit type."""
    personal_only()
    rows = credits.transcript(me().id, args.get("start"), args.get("end"))
    totals = [{"credit_type": t.code, "name": t.name, "amount": amount} for t, amount in credits.totals_by_type(rows)]
    return {"rows": rows, "totals": totals}


@blp.route("/requirements")
@require("credits:read")
@blp.response(200, RequirementProgressSchema(many=True))
def requirements():
    """Progress towards each licence, board or custom requirement you track."""
    personal_only()
    out = []
    for r, p in requirement_progress(me().id, now().date()):
        out.append({"id": r.id, "name": r.name, "cycle_start": r.cycle_start, "cycle_end": r.cycle_end,
                    "required": p.required, "counted": p.counted, "gap": p.gap, "met": p.met, "percent": p.percent,
                    "days_left": p.days_left,
                    "topics": [{"topic": t.topic, "required": t.required, "counted": t.counted, "gap": t.gap}
                               for t in p.topics]})
    return out


@blp.route("/credit-claims", methods=["POST"])
@require("credits:write")
@idempotent
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
@blp.arguments(ClaimBody)
@blp.response(201, LedgerEntrySchema)
@blp.alt_response(409, description="Not claimable: not complete, evaluation missing, not eligible, already claimed")
def claim(body):
    """Claim credit for a completed activity, under the claim page's rules (one claim per activity and type)."""
    personal_only()
    learner = me()
    try:
        amount = credits.parse_amount(str(body["amount"]))
        entry = credits.claim_credit(learner, body["activity_kind"], body["activity_id"], body["credit_type"], amount,
                                     attested=body["attest"], description=body.get("description") or "",
                                     now=now(), ip=request.remote_addr)
    except credits.InvalidAmount as exc:
        abort(409, str(exc))
    except credits.CreditError as exc:
        abort(409, str(exc))
    db.session.flush()
    # As after a claim on the claim page: the certificates feature issues the certificate.
    credit_changed.send(current_app._get_current_object(), learner_id=learner.id, kind=body["activity_kind"],
                        activity_id=body["activity_id"])
    return entry
