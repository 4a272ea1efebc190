"""The compliance page and the dashboard's "My required training" are cached, and a change shows at once."""

from __future__ import annotations

import re
from datetime import timedelta

from lms.types import utcnow
from tests.factories import complete_course, make_assignment, make_course, make_member, make_org, make_user


def cell_status(html: str, name: str, title: str) -> str:
    match = re.search(rf'data-status="([a-z_]+)" aria-label="{re.escape(name)}, {re.escape(title)}:', html)
    assert match, f"no cell for {name} / {title}"
    return match.group(1)


def _tokenless(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*>', "", html)


def test_compliance_page_and_learner_dashboard_follow_a_completion(db, client):
    org = make_org(name="Harbour")
    manager = make_member(org, role="manager").user
    nurse = make_member(org, make_user(first_name="Nia", last_name="Nurse")).user
    course = make_course(make_org(kind="provider"), title="HIPAA privacy")
    make_assignment(org, manager, course=course, due_on=utcnow().date() + timedelta(days=90), recurrence_months=12)
    db.session.commit()

    page = client.login(manager).get(f"/training/orgs/{org.id}/compliance")
    assert cell_status(page.text, "Nia Nurse", "HIPAA privacy") == "not_started"
    assert "<strong>0%</strong> compliant overall" in page.text
    # The kept render (only the CSRF tokens, signed with the time, may differ).
    assert _tokenless(client.get(f"/training/orgs/{org.id}/compliance").text) == _tokenless(page.text)

    mine = client.login(nurse).get("/dashboard").text
    assert 'data-item="course:%d"' % course.id in mine and ">Start<" in mine

    complete_course(nurse, course)
    db.session.commit()
    mine = client.get("/dashboard").text
    assert ">Start<" not in mine

    page = client.login(manager).get(f"/training/orgs/{org.id}/compliance")
    assert cell_status(page.text, "Nia Nurse", "HIPAA privacy") == "complete"
    assert "<strong>50%</strong> compliant overall" in page.text  # the nurse, not yet the manager
