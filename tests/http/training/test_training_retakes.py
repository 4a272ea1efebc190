"""An annual assignment over two years, on a fixed clock: complete, lapse, retake, complete again."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import time_machine

from courses.models import CourseCompletion, Enrolment
from tests.factories import make_assignment, make_course, make_member, make_org, make_user
from tests.http.courses.test_courses_retakes_http import _finish
from tests.http.training.test_training_http import _cell

START = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)


def _completed_on(client, org, name) -> str:
    rows = list(csv.reader(io.StringIO(client.get(f"/training/orgs/{org.id}/compliance.csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    return {r[0]: r for r in rows[1:]}[name][9]


def test_an_annual_refresher_lapses_and_a_retake_renews_it(db, make_client):
    with time_machine.travel(START, tick=False):
        org = make_org(name="Riverside")
        manager = make_member(org, role="manager").user
        nurse = make_member(org, make_user(first_name="Nia", last_name="Nurse"), job_title="Nurse").user
        course = make_course(make_org(kind="provider"), title="HIPAA privacy and security",
                             expires_on=date(2029, 6, 1))
        a = make_assignment(org, manager, course=course, target="person", target_id=nurse.id,
                            due_on=START.date() + timedelta(days=30), recurrence_months=12)
        boss, learner = make_client().login(manager), make_client().login(nurse)
        matrix = f"/training/orgs/{org.id}/compliance"
        assert _cell(boss.get(matrix).text, "Nia Nurse") == "due_soon"
        assert learner.post(f"/training/assignments/{a.id}/start").status_code == 302
        _finish(learner, course)
        assert _cell(boss.get(matrix).text, "Nia Nurse") == "complete"
        assert _completed_on(boss, org, "Nia Nurse") == "2026-11-27"
        assert "done 27 Nov 2026, valid to 27 Nov 2027" in learner.get("/training/mine").text

    with time_machine.travel(datetime(2027, 11, 10, 9, 0, tzinfo=timezone.utc), tick=False):
        boss, learner = boss.login(manager), learner.login(nurse)  # sessions do not last a year
        assert _cell(boss.get(matrix).text, "Nia Nurse") == "due_soon"
        assert "renew by 27 Nov 2027" in learner.get("/training/mine").text

    with time_machine.travel(datetime(2027, 12, 2, 9, 0, tzinfo=timezone.utc), tick=False):
        boss, learner = boss.login(manager), learner.login(nurse)
        assert _cell(boss.get(matrix).text, "Nia Nurse") == "expired"
        mine = learner.get("/training/mine").text
        assert "Expired" in mine and "lapsed 27 Nov 2027" in mine
        # "Start" on the lapsed item starts the retake: a fresh round of the same enrolment.
        response = learner.post(f"/training/assignments/{a.id}/start")
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{course.id}/learn")
        enrolment = db.session.query(Enrolment).filter_by(user_id=nurse.id, course_id=course.id).one()
        assert (enrolment.round, enrolment.completed_at) == (2, None)
        assert _cell(boss.get(matrix).text, "Nia Nurse") == "expired"  # starting is not completing
        _finish(learner, course)
        assert _cell(boss.get(matrix).text, "Nia Nurse") == "complete"
        assert _completed_on(boss, org, "Nia Nurse") == "2027-12-02"
        assert "done 02 Dec 2027, valid to 02 Dec 2028" in learner.get("/training/mine").text
        history = db.session.query(CourseCompletion).filter_by(enrolment_id=enrolment.id).order_by(
            CourseCompletion.round).all()
        assert [(c.round, c.completed_at.date()) for c in history] == [(1, date(2026, 11, 27)),
                                                                       (2, date(2027, 12, 2))]
