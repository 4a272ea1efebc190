"""Package lessons through the test client: a cmi5 AU's whole session against the LRS, the rules it is
held to, the lesson completing through the course's rules; SCORM commits and resume; educator imports."""

from __future__ import annotations

import base64
import io
import json
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from courses import services
from courses.models import LessonProgress
from courses.packages.models import ContentPackage, ScormAttempt, XapiStatement
from lms.types import utcnow
from tests.factories import make_member, make_org, make_user
from tests.packages.builders import cmi5_zip, scorm12_zip, scorm2004_zip
from tests.packages.factories import make_package_course

V = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture
def provider(db):
    org = make_org(kind="provider", is_accredited_provider=True)
    return org, make_member(org, role="educator").user


def _learner(client, course):
    user = make_user()
    client.login(user)
    assert client.post(f"/courses/{course.id}/enrol").status_code == 302
    return user


def _launch(client, course, au=0, mode=None):
    lesson = course.current_version.lessons[0]
    assert client.get(f"/packages/courses/{course.id}/lessons/{lesson.id}").status_code == 200
    response = client.post(f"/packages/courses/{course.id}/lessons/{lesson.id}/launch/{au}",
                           {"mode": mode} if mode else None)
    assert response.status_code == 303
    url = response.headers["Location"]
    return url, {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _stamp():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AU:
    """What an AU does over HTTP: fetch, read its launch data and preferences, send statements."""

    def __init__(self, client, params):
        self.http, self.p = client.http, params
        fetched = self.http.post(urlsplit(params["fetch"]).path)
        self.token = fetched.get_json()["auth-token"]
        self.auth = {"Authorization": f"Basic {self.token}", **V}
        self.actor = json.loads(params["actor"])
        self.launch_data = self.state("LMS.LaunchData").get_json()

    def _q(self, **extra):
        return {"agent": json.dumps(self.actor), "activityId": self.p["activityId"],
                "registration": self.p["registration"], **extra}

    def state(self, state_id, method="GET", body=None):
        return getattr(self.http, method.lower())("/xapi/activities/state", query_string=self._q(stateId=state_id),
                                                  headers=self.auth, data=body,
                                                  content_type="application/json" if body else None)

    def prefs(self):
        return self.http.get("/xapi/agents/profile", headers=self.auth,
                             query_string={"agent": json.dumps(self.actor), "profileId": "cmi5LearnerPreferences"})

    def statement(self, verb, *, result=None, moveon=False, **changes):
        ctx = json.loads(json.dumps(self.launch_data["contextTemplate"]))
        ctx["registration"] = self.p["registration"]
        cats = [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}]
        if moveon:
            cats.append({"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"})
        ctx.setdefault("contextActivities", {})["category"] = cats
        st = {"id": str(uuid.uuid4()), "timestamp": _stamp(), "actor": self.actor,
              "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"}, "object": {"id": self.p["activityId"]},
              "context": ctx}
        if result is not None:
            st["result"] = result
        st.update(changes)
        return st

    def send(self, st, headers=None):
        return self.http.put("/xapi/statements", query_string={"statementId": st["id"]}, json=st,
                             headers=self.auth if headers is None else headers)


def test_a_cmi5_session_completes_the_lesson_and_the_lms_says_satisfied(client, db, provider, tmp_path):
    org, educator = provider
    course, package = make_package_course(org, educator, cmi5_zip(), tmp_path)
    user = _learner(client, course)
    url, params = _launch(client, course)
    assert url.startswith("http://localhost/packages/content/") and params["endpoint"] == "http://localhost/xapi"
    assert params["activityId"] != package.aus[0]["id"] and json.loads(params["actor"])["account"]["name"] == \
        f"user-{user.id}"
    au = AU(client, params)
    # The fetch URL answers once.
    again = client.http.post(urlsplit(params["fetch"]).path).get_json()
    assert "auth-token" not in again and again["error-code"] == "1"
    assert au.launch_data["moveOn"] == "CompletedAndPassed" and au.launch_data["masteryScore"] == 0.8
    assert au.launch_data["returnURL"].endswith(f"/packages/courses/{course.id}/lessons/"
                                                f"{course.current_version.lessons[0].id}")
    # No version header: 400; no credential: 401; initialized before reading the preferences: 403.
    assert au.send(au.statement("initialized"), headers={"Authorization": au.auth["Authorization"]}).status_code == 400
    assert au.send(au.statement("initialized"), headers=V).status_code == 401
    assert au.send(au.statement("initialized")).status_code == 403
    assert au.prefs().status_code == 404
    assert au.send(au.statement("initialized")).status_code == 204
    assert au.state("LMS.LaunchData", "PUT", b"{}").status_code == 403
    mastery = {"https://w3id.org/xapi/cmi5/context/extensions/masteryscore": 0.8}
    low = au.statement("passed", moveon=True, result={"success": True, "duration": "PT5M", "score": {"scaled": 0.5}})
    assert au.send(low).status_code == 403  # below the mastery score
    assert au.send(au.statement("completed", moveon=True, result={"completion": True, "duration": "PT5M"})
                   ).status_code == 204
    lesson = course.current_version.lessons[0]
    enrolment = services.enrolment_for(user, course)
    assert lesson.id not in services.done_lesson_ids(enrolment)  # CompletedAndPassed: not yet
    passed = au.statement("passed", moveon=True, result={"success": True, "duration": "PT6M",
                                                         "score": {"scaled": 0.9}})
    passed["context"]["extensions"].update(mastery)
    assert au.send(passed).status_code == 204
    assert lesson.id in services.done_lesson_ids(enrolment)
    verbs = [s.verb_id.rsplit("/", 1)[-1] for s in db.session.query(XapiStatement).filter_by(
        registration=params["registration"]).order_by(XapiStatement.id)]
    assert verbs == ["launched", "initialized", "completed", "passed", "satisfied", "satisfied"]
    assert au.send(au.statement("terminated", result={"duration": "PT7M"})).status_code == 204
    assert au.send(au.statement("experienced")).status_code == 401  # the token died with the session
    assert enrolment.seconds_spent >= 7 * 60
    client.login(educator)
    report = client.get(f"/packages/courses/{course.id}/report")
    assert "completed, passed" in report.text and ">90<" in report.text and ">7.0<" in report.text


def test_a_second_launch_abandons_the_open_session(client, db, provider, tmp_path):
    org, educator = provider
    course, _ = make_package_course(org, educator, cmi5_zip(), tmp_path)
    _learner(client, course)
    _url, first = _launch(client, course)
    AU(client, first)
    _url, second = _launch(client, course)
    assert second["registration"] == first["registration"]
    verbs = [s.verb_id.rsplit("/", 1)[-1] for s in db.session.query(XapiStatement).filter_by(
        registration=first["registration"]).order_by(XapiStatement.id)]
    assert verbs == ["launched", "abandoned", "launched"]


def test_browse_mode_cannot_complete(client, db, provider, tmp_path):
    org, educator = provider
    course, _ = make_package_course(org, educator, cmi5_zip(move_on="Completed"), tmp_path)
    _learner(client, course)
    _url, params = _launch(client, course, mode="Browse")
    au = AU(client, params)
    au.prefs()
    assert au.send(au.statement("initialized")).status_code == 204
    assert au.send(au.statement("completed", moveon=True, result={"completion": True, "duration": "PT1M"})
                   ).status_code == 403


def test_the_content_path_is_sandboxed_and_typed(client, db, provider, tmp_path):
    org, educator = provider
    _course, package = make_package_course(org, educator, scorm12_zip(), tmp_path)
    page = client.get(f"/packages/content/{package.storage_key}/index_lms.html")
    policy = page.headers["Content-Security-Policy"]
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert policy.startswith("sandbox allow-scripts") and "allow-same-origin" not in policy
    assert b"cross-frame-api.min.js" in page.data.split(b"<title>")[0]  # the bridge comes before the SCO's scripts
    script = client.get(f"/packages/content/{package.storage_key}/lms/scormdriver.js")
    assert script.mimetype == "text/javascript"
    for path in ("../../../etc/passwd", "..%2f..%2fetc/passwd", "imsmanifest.xml/../../x"):
        assert client.get(f"/packages/content/{package.storage_key}/{path}").status_code == 404
    assert client.get(f"/packages/content/{'0' * 32}/index_lms.html").status_code == 404


@pytest.mark.parametrize("builder,standard", [(scorm12_zip, "scorm12"), (scorm2004_zip, "scorm2004")])
def test_scorm_commits_are_kept_and_resume_where_the_learner_left(client, db, provider, tmp_path, builder, standard):
    org, educator = provider
    course, package = make_package_course(org, educator, builder(), tmp_path)
    user = _learner(client, course)
    lesson = course.current_version.lessons[0]
    page = client.get(f"/packages/courses/{course.id}/lessons/{lesson.id}")
    assert page.status_code == 200
    attempt = db.session.query(ScormAttempt).filter_by(user_id=user.id).one()
    commit_url = f"/packages/courses/{course.id}/lessons/{lesson.id}/scorm/{attempt.id}"
    if standard == "scorm12":
        half = {"cmi": {"core": {"lesson_location": "2", "lesson_status": "incomplete", "exit": "suspend",
                                 "total_time": "0000:04:00"}, "suspend_data": "seen=2"}}
        done = {"cmi": {"core": {"lesson_location": "3", "lesson_status": "passed", "exit": "",
                                 "score": {"raw": "100", "min": "0", "max": "100"}, "total_time": "0000:09:00"},
                        "interactions": {"0": {"id": "phi-question-1", "result": "correct"}}}}
    else:
        half = {"cmi": {"location": "2", "completion_status": "incomplete", "exit": "suspend",
                        "suspend_data": "seen=2", "total_time": "PT4M"}}
        done = {"cmi": {"location": "3", "completion_status": "completed", "success_status": "passed",
                        "score": {"scaled": "1"}, "exit": "normal", "total_time": "PT9M",
                        "interactions": {"0": {"id": "phi-question-1", "result": "correct"}}}}
    token = client.csrf_token()
    # No CSRF token: refused. With it: kept.
    assert client._isolated(client.http.post, commit_url, json=half).status_code == 400
    assert client._isolated(client.http.post, commit_url, json=half, headers={"X-CSRFToken": token}).get_json()["result"] is True
    db.session.expire_all()
    enrolment = services.enrolment_for(user, course)
    assert lesson.id not in services.done_lesson_ids(enrolment)
    page = client.get(f"/packages/courses/{course.id}/lessons/{lesson.id}")
    config = json.loads(__import__("html").unescape(page.text.split('data-config="', 1)[1].split('"', 1)[0]))
    cmi = config["cmi"]
    if standard == "scorm12":
        assert cmi["core"]["entry"] == "resume" and cmi["core"]["lesson_location"] == "2"
    else:
        assert cmi["entry"] == "resume" and cmi["location"] == "2"
    assert cmi["suspend_data"] == "seen=2"
    assert client._isolated(client.http.post, commit_url, json=done, headers={"X-CSRFToken": token}).status_code == 200
    db.session.expire_all()
    attempt = db.session.get(ScormAttempt, attempt.id)
    assert attempt.total_seconds == 540 and attempt.interactions[0]["id"] == "phi-question-1"
    assert lesson.id in services.done_lesson_ids(services.enrolment_for(user, course))
    # Junk is refused and changes nothing.
    assert client._isolated(client.http.post, commit_url, json=["x"], headers={"X-CSRFToken": token}).status_code == 400
    # The educator sees the attempt, its score, time and interaction, and can export them.
    client.login(educator)
    report = client.get(f"/packages/courses/{course.id}/report")
    assert report.status_code == 200 and user.email in report.text and ">100<" in report.text and ">9.0<" in report.text
    csv_text = client.get(f"/packages/courses/{course.id}/report/interactions.csv").text
    assert "phi-question-1" in csv_text and "correct" in csv_text


def test_an_educator_imports_into_a_package_lesson_and_a_bad_package_stores_nothing(client, db, provider, tmp_path):
    org, educator = provider
    course, _ = make_package_course(org, educator, cmi5_zip(), tmp_path, publish=False)
    lesson = course.draft_version.lessons[0]
    client.login(educator)
    before = db.session.query(ContentPackage).count()
    url = f"/packages/courses/{course.id}/lessons/{lesson.id}/import"
    bad = client.post(url, {"file": (io.BytesIO(scorm12_zip(href="../escape.html")), "evil.zip")},
                      content_type="multipart/form-data")
    assert bad.status_code == 302
    page = client.get(f"/courses/{course.id}/lessons/{lesson.id}/edit")
    assert "Package refused" in page.text and "climbs out" in page.text
    assert db.session.query(ContentPackage).count() == before
    # The route is exempt from the global CSRF check (so the body is read under its own cap); the
    # form still requires the token.
    forged = client.post(url, {"file": (io.BytesIO(scorm2004_zip()), "osha.zip")}, csrf=False,
                         content_type="multipart/form-data")
    assert forged.status_code == 302 and db.session.query(ContentPackage).count() == before
    good = client.post(url, {"file": (io.BytesIO(scorm2004_zip()), "osha.zip")}, content_type="multipart/form-data")
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(lesson), lesson.id).package_id is not None
    assert db.session.query(ContentPackage).count() == before + 1


def test_a_package_of_two_scos_completes_its_lesson_only_when_both_are_done(db, provider, tmp_path):
    from courses.packages import scorm
    from tests.packages.builders import SCORM12_MANIFEST, _zip, DRIVER, PAGE

    manifest = SCORM12_MANIFEST.format(version="1.2", href="index_lms.html").replace(
        '</organization>', '<item identifier="ITEM-2" identifierref="RES-2"><title>Part two</title></item>'
                           '</organization>').replace(
        '</resources>', '<resource identifier="RES-2" type="webcontent" adlcp:scormtype="sco" href="two.html">'
                        '<file href="two.html"/></resource></resources>')
    data = _zip({"imsmanifest.xml": manifest, "index_lms.html": PAGE, "two.html": PAGE,
                 "lms/scormdriver.js": DRIVER % {"version": "1.2"}, "story_content/style.css": ""})
    org, educator = provider
    course, package = make_package_course(org, educator, data, tmp_path)
    assert len(package.structure["scos"]) == 2
    learner = make_user()
    enrolment = services.enrol(learner, course, now=utcnow())
    lesson = course.current_version.lessons[0]
    passed = {"cmi": {"core": {"lesson_status": "passed", "total_time": "0000:01:00"}}}
    first = scorm.attempt_for(package, learner, lesson_id=lesson.id, enrolment_id=enrolment.id, round=1,
                              sco_index=0, now=utcnow())
    scorm.commit(first, package, passed, now=utcnow())
    assert lesson.id not in services.done_lesson_ids(enrolment)
    second = scorm.attempt_for(package, learner, lesson_id=lesson.id, enrolment_id=enrolment.id, round=1,
                               sco_index=1, now=utcnow())
    scorm.commit(second, package, passed, now=utcnow())
    assert lesson.id in services.done_lesson_ids(enrolment)
    assert db.session.query(LessonProgress).filter_by(enrolment_id=enrolment.id).one().completed_at is not None


def test_the_package_report_is_paginated_by_learner_and_its_export_stays_complete(client, db, provider, tmp_path,
                                                                                 monkeypatch):
    from courses.packages import reports, scorm

    org, educator = provider
    course, package = make_package_course(org, educator, scorm2004_zip(), tmp_path)
    lesson = course.current_version.lessons[0]
    monkeypatch.setattr(reports, "LEARNERS_PER_PAGE", 2)
    learners = [make_user(last_name=f"Zeta{n}", email=f"paged{n}@example.org") for n in range(5)]
    for n, learner in enumerate(learners):
        enrolment = services.enrol(learner, course, now=utcnow())
        attempt = scorm.attempt_for(package, learner, lesson_id=lesson.id, enrolment_id=enrolment.id, round=1,
                                    sco_index=0, now=utcnow())
        scorm.commit(attempt, package, {"cmi": {"completion_status": "incomplete", "total_time": f"PT{n + 1}M",
                                                "interactions": {"0": {"id": f"q-{n}", "result": "correct"}}}},
                     now=utcnow())
    client.login(educator)
    first = client.get(f"/packages/courses/{course.id}/report")
    assert first.status_code == 200 and "Page 1 of 3" in first.text and "5 in all" in first.text
    assert [f"paged{n}@example.org" in first.text for n in range(5)] == [True, True, False, False, False]
    assert "Download 5 interactions (CSV)" in first.text
    second = client.get(f"/packages/courses/{course.id}/report?page=2")
    assert [f"paged{n}@example.org" in second.text for n in range(5)] == [False, False, True, True, False]
    third = client.get(f"/packages/courses/{course.id}/report?page=3")
    assert [f"paged{n}@example.org" in third.text for n in range(5)] == [False, False, False, False, True]
    # Past the end or junk: an empty page, not an error.
    beyond = client.get(f"/packages/courses/{course.id}/report?page=9")
    assert beyond.status_code == 200 and "paged" not in beyond.text and "No learners on this page" in beyond.text
    assert client.get(f"/packages/courses/{course.id}/report?page=x").status_code == 200
    export = client.get(f"/packages/courses/{course.id}/report/attempts.csv").text
    assert all(f"paged{n}@example.org" in export for n in range(5))
    interactions = client.get(f"/packages/courses/{course.id}/report/interactions.csv").text
    assert all(f"q-{n}" in interactions for n in range(5))
