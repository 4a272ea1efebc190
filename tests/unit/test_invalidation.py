"""The stamp listener sees rows deleted as orphans (dropped from a parent's collection), which the
unit of work deletes without listing them in ``session.deleted``."""

from __future__ import annotations

from sqlalchemy import select

from lms.orgs.models import Organisation, Team, TeamMember
from meetings.models import Meeting
from tests.factories import make_meeting, make_member, make_org


def _stamp(db, model, column, row_id):
    return db.session.scalar(select(getattr(model, column)).where(model.id == row_id))


def test_a_member_dropped_from_a_team_restamps_the_organisation(db):
    org = make_org()
    member = make_member(org)
    team = Team(org_id=org.id, name="Front desk")
    db.session.add(team)
    db.session.flush()
    team.members.append(TeamMember(membership_id=member.id))
    db.session.commit()
    before = _stamp(db, Organisation, "training_version", org.id)
    team.members.clear()  # an orphan: deleted by the flush, never in session.deleted
    db.session.commit()
    assert db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id)) is None
    assert _stamp(db, Organisation, "training_version", org.id) != before


def test_a_cohost_dropped_from_the_collection_restamps_the_meeting(db):
    org = make_org()
    host, cohost = make_member(org, role="manager").user, make_member(org).user
    meeting = make_meeting(org, host, cohosts=[cohost])
    db.session.commit()
    before = _stamp(db, Meeting, "page_version", meeting.id)
    meeting.cohosts = []
    db.session.commit()
    assert _stamp(db, Meeting, "page_version", meeting.id) != before


def test_an_unrelated_flush_leaves_the_stamps_alone(db):
    org = make_org()
    host = make_member(org, role="manager").user
    meeting = make_meeting(org, host)
    db.session.commit()
    before = (_stamp(db, Meeting, "page_version", meeting.id), _stamp(db, Organisation, "training_version", org.id))
    meeting.agenda = "1. Budget"
    db.session.commit()
    assert (_stamp(db, Meeting, "page_version", meeting.id),
            _stamp(db, Organisation, "training_version", org.id)) == before
