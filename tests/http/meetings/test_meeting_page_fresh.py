"""The meeting page renders Markdown once per text and loads the meeting once, and shows every edit at once
(nothing of a meeting or of its reader is kept between requests)."""

from __future__ import annotations

from lms.markdown import render_markdown
from tests.conftest import count_queries
from tests.factories import make_meeting, make_member, make_org, make_user
from tests.http.meetings.test_meetings_views import schedule_form


def test_an_edited_agenda_and_minutes_show_at_once(client, db):
    org = make_org(timezone="America/New_York")
    manager = make_member(org, role="manager").user
    reader = make_member(org).user
    meeting = make_meeting(org, manager, agenda="1. Rota\n2. *Fire drill*", open_to_org=True)
    client.login(manager)
    other = client.__class__(client.app).login(reader)
    for _ in range(2):
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
        # The co-hosts come with the host's and organisation's names, once for the whole page.
        assert not [s for s in statements if s.lstrip().startswith("SELECT meeting_cohost.")], statements
        assert len([s for s in statements if "JOIN meeting_cohost" in s and "organisation.name" in s]) == 1, statements
        assert len([s for s in statements if "FROM meeting " in s or "FROM meeting\n" in s]) == 1, statements


# --- the learner's own part: read fresh, never stale ----------------------------------------------


def _ended_meeting(org, host, **fields):
    from datetime import timedelta

    from lms.types import utcnow

    start = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    return make_meeting(org, host, starts_at=start, open_to_org=True, **fields)


def test_a_poll_in_another_process_and_a_hosts_void_show_at_once(client, db):
    """Attendance is written by the RQ worker's poll (another process) and corrected by the host;
    the learner's part follows both on the very next request."""
    from datetime import timedelta

    from lms.types import utcnow
    from meetings import jitsi, tracking
    from meetings.models import AttendanceInterval

    org = make_org()
    host = make_member(org, role="manager").user
    learner = make_member(org).user
    meeting = _ended_meeting(org, host)
    meeting.minutes = "Agreed the **rota**."
    db.session.commit()
    client.login(learner)
    url = f"/meetings/{meeting.id}"
    sign = "I have read these minutes"
    for _ in range(2):  # not attended: the sign-off button
        assert sign in client.get(url).text

    seen = meeting.starts_at + timedelta(minutes=5)
    occupant = jitsi.Occupant(participant_key="abc123", jid="abc123@muc", email=learner.email,
                              display_name=learner.full_name)
    tracking.record_poll(meeting, [occupant], now=seen)
    tracking.record_poll(meeting, [occupant], now=seen + timedelta(minutes=40))
    tracking.record_poll(meeting, [], now=seen + timedelta(minutes=41))
    db.session.commit()
    assert sign not in client.get(url).text  # attended: nothing to sign

    interval = db.session.query(AttendanceInterval).filter_by(meeting_id=meeting.id, user_id=learner.id).one()
    tracking.void_interval(host, interval, note="Was someone else on this login", now=utcnow())
    db.session.commit()
    assert sign in client.get(url).text


def test_signing_the_minutes_and_the_evaluation_show_at_once(client, db):
    org = make_org()
    host = make_member(org, role="manager").user
    learner = make_member(org).user
    meeting = _ended_meeting(org, host, category="education", designations={"ama_pra_1": "1"})
    meeting.minutes = "Case review notes."
    db.session.commit()
    client.login(learner)
    url = f"/meetings/{meeting.id}"
    for _ in range(2):
        page = client.get(url).text
        assert "Complete the short evaluation" in page and "You read and signed" not in page

    assert client.post(f"/meetings/{meeting.id}/acknowledge", {}).status_code == 302
    assert "You read and signed these minutes" in client.get(url).text

    from lms.types import utcnow
    from meetings import services

    services.submit_evaluation(learner, meeting, services.EvaluationData(change_practice=4, met_objectives=5,
                                                                         free_of_bias=5), now=utcnow())
    db.session.commit()
    assert "You have submitted the evaluation." in client.get(url).text


def test_action_items_show_their_owners_and_the_learner_part_is_read_in_one_statement(client, db):
    from meetings.models import ActionItem

    org = make_org()
    host = make_member(org, role="manager").user
    learner = make_member(org).user
    learner.first_name = learner.last_name = ""  # no name: shown by email
    named = make_member(org, make_user(first_name="Ada", last_name="Lovelace")).user
    meeting = _ended_meeting(org, host)
    db.session.add_all([ActionItem(meeting_id=meeting.id, text="Order gloves", owner_id=named.id),
                        ActionItem(meeting_id=meeting.id, text="Fix the rota", owner_id=learner.id),
                        ActionItem(meeting_id=meeting.id, text="Unowned task")])
    db.session.commit()
    client.login(learner)
    url = f"/meetings/{meeting.id}"
    page = client.get(url).text
    assert "Ada Lovelace" in page and learner.email in page and "—" in page
    with count_queries(db.engine) as statements:
        assert client.get(url).status_code == 200
    tables = ("minutes_acknowledgement", "attendance_interval", "meeting_evaluation")
    learner_part = [s for s in statements if any(table in s for table in tables)]
    assert len(learner_part) == 1 and all(table in learner_part[0] for table in tables), statements
    assert len([s for s in statements if "FROM action_item" in s]) == 1, statements


def test_action_items_follow_adds_toggles_and_renamed_owners(client, db):
    org = make_org()
    host = make_member(org, role="manager").user
    owner = make_member(org, make_user(first_name="Grace", last_name="Hopper")).user
    meeting = _ended_meeting(org, host)
    db.session.commit()
    make = client.__class__
    reader, owners = make(client.app).login(make_member(org).user), make(client.app).login(owner)
    url = f"/meetings/{meeting.id}"
    for _ in range(2):
        assert "No action items." in reader.get(url).text

    client.login(host)
    added = client.post(f"/meetings/{meeting.id}/actions",
                        {"text": "Restock the crash cart", "owner_id": str(owner.id)})
    assert added.status_code == 302, added.text
    page = reader.get(url).text
    assert "Restock the crash cart" in page and "Grace Hopper" in page and ">Open<" in page

    from meetings.models import ActionItem

    item = db.session.query(ActionItem).filter_by(meeting_id=meeting.id).one()
    assert owners.post(f"/meetings/{meeting.id}/actions/{item.id}/toggle", {}).status_code == 302
    assert ">Done<" in reader.get(url).text

    owner.last_name = "Murray Hopper"  # a profile edit elsewhere
    db.session.commit()
    assert "Grace Murray Hopper" in reader.get(url).text


def test_a_new_or_removed_cohost_and_renamed_host_and_organisation_show_at_once(client, db):
    """Co-host ids and the host's and organisation's names: each change (here through the host's edit
    form, as another worker would take it) shows on the next request."""
    org = make_org(name="Harbour Clinic")
    host = make_member(org, role="manager").user
    deputy = make_member(org).user
    meeting = make_meeting(org, host, open_to_org=True)
    db.session.commit()
    deputy_browser = client.__class__(client.app).login(deputy)
    url = f"/meetings/{meeting.id}"
    for _ in range(2):
        page = deputy_browser.get(url).text
        assert "Attendance report" not in page and "Harbour Clinic" in page
    assert deputy_browser.get(f"{url}/attendance").status_code == 403

    client.login(host)
    form = schedule_form(open_to_org="y", cohost_ids=str(deputy.id))
    assert client.post(f"{url}/edit", form).status_code == 302
    assert "Attendance report" in deputy_browser.get(url).text
    assert deputy_browser.get(f"{url}/attendance").status_code == 200

    assert client.post(f"{url}/edit", schedule_form(open_to_org="y")).status_code == 302
    assert "Attendance report" not in deputy_browser.get(url).text
    assert deputy_browser.get(f"{url}/attendance").status_code == 403

    host.first_name, host.last_name = "Rosalind", "Franklin"
    org.name = "Harbour Health Centre"
    db.session.commit()
    page = deputy_browser.get(url).text
    assert "hosted by Rosalind Franklin" in page and "Harbour Health Centre" in page and "Harbour Clinic" not in page


def test_the_host_sees_how_many_are_invited_counted_as_the_invitations_resolve(client, db):
    from meetings import services
    from tests.factories import make_team

    org = make_org()
    host = make_member(org, role="manager").user
    named, in_team, absent = make_member(org).user, make_member(org), make_member(org).user
    gone = make_member(org)
    gone.user.disabled_at = gone.user.created_at  # disabled: never counted
    team = make_team(org, members=[in_team, gone])
    meeting = make_meeting(org, host, invitees=[named, gone.user], teams=[team])
    whole_org = make_meeting(org, host, open_to_org=True)
    db.session.commit()
    client.login(host)
    for m in (meeting, whole_org):
        people = services.invited_users(m)
        assert services.invited_count(m) == len(people)
        assert f"{len(people)} people" in client.get(f"/meetings/{m.id}").text
    assert {u.id for u in services.invited_users(meeting)} == {host.id, named.id, in_team.user.id}
    assert absent.id in {u.id for u in services.invited_users(whole_org)}


def test_an_invitation_by_name_or_team_is_checked_in_one_statement(client, db):
    from tests.factories import make_team

    org = make_org()
    host = make_member(org, role="manager").user
    named, in_team, outsider = make_member(org).user, make_member(org), make_member(org).user
    crowd = [make_member(org).user for _ in range(5)]
    meeting = make_meeting(org, host, invitees=[named, *crowd], teams=[make_team(org, members=[in_team])])
    db.session.commit()
    url = f"/meetings/{meeting.id}"
    for user in (named, in_team.user):
        client.login(user)
        client.get(url)
        with count_queries(db.engine) as statements:
            assert client.get(url).status_code == 200
        invitation = [s for s in statements if "meeting_invitee" in s or "meeting_team" in s]
        assert len(invitation) == 1 and "team_member" in invitation[0], statements
    client.login(outsider)
    assert client.get(url).status_code == 403
