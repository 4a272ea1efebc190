"""The meeting page renders Markdown once per text and loads the meeting once, yet shows every edit at once."""

from __future__ import annotations

from lms.markdown import render_markdown
from tests.conftest import count_queries
from tests.factories import make_meeting, make_member, make_org
from tests.http.meetings.test_meetings_views import schedule_form


def test_an_edited_agenda_and_minutes_show_at_once(client, db):
    org = make_org(timezone="America/New_York")
    manager = make_member(org, role="manager").user
    reader = make_member(org).user
    meeting = make_meeting(org, manager, agenda="1. Rota\n2. *Fire drill*", open_to_org=True)
    client.login(manager)
    other = client.__class__(client.app).login(reader)
    for _ in range(2):  # the second visit is served from the kept rendering
        assert "<em>Fire drill</em>" in other.get(f"/meetings/{meeting.id}").text
    edited = client.post(f"/meetings/{meeting.id}/edit", schedule_form(agenda="1. Rota\n2. **Budget**",
                                                                      open_to_org="y"))
    assert edited.status_code == 302, edited.text
    page = other.get(f"/meetings/{meeting.id}").text
    assert "<strong>Budget</strong>" in page and "Fire drill" not in page
    for minutes, shown in (("First **draft**", "First <strong>draft</strong>"), ("Final *text*", "Final <em>text</em>")):
        client.post(f"/meetings/{meeting.id}/minutes", {"minutes": minutes})
        page = other.get(f"/meetings/{meeting.id}").text
        assert shown in page and ("draft" not in page if minutes.startswith("Final") else True)


def test_kept_markdown_is_the_same_safe_html():
    text = "[x](javascript:alert(1)) **bold** <script>alert(1)</script>"
    first, again = render_markdown(text), render_markdown(text)
    assert first is again and "<strong>bold</strong>" in first and 'href="javascript' not in first and "<script" not in first
    long = "word " * 5_000  # beyond what is kept: rendered each time, the same way
    assert render_markdown(long) == render_markdown(long) and render_markdown(long) is not render_markdown(long)
    assert render_markdown(None) == ""


def test_the_meeting_and_its_cohosts_load_in_one_statement(client, db):
    org = make_org()
    manager, cohost, learner = make_member(org, role="manager").user, make_member(org).user, make_member(org).user
    url = f"/meetings/{make_meeting(org, manager, cohosts=[cohost], invitees=[learner]).id}"
    for user, hosting in ((learner, False), (cohost, True)):
        client.login(user)
        client.get(url)
        with count_queries(db.engine) as statements:
            page = client.get(url)
        assert page.status_code == 200 and ("Attendance report" in page.text) == hosting
        assert not [s for s in statements if s.lstrip().startswith("SELECT meeting_cohost.")], statements
        assert len([s for s in statements if "FROM meeting " in s or "FROM meeting\n" in s]) == 1, statements
