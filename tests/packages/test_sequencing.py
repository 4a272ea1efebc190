"""SCORM 2004 sequencing: the evaluator over parsed multi-SCO packages (no database), then the player's
navigation through the test client: flow order, choice allowed and forbidden, a pre-test that skips
the content it covers (or leads through it), and the package outcome completing the lesson."""

from __future__ import annotations

import html
import io
import json
import zipfile

import pytest

from courses import services
from courses.packages.archive import PackageRefused
from courses.packages.manifest import parse_scorm
from courses.packages.sequencing import Run, Sequencer
from tests.factories import make_member, make_org, make_user
from tests.packages.builders import scorm2004_flow_zip, scorm2004_pretest_zip, scorm2004_zip
from tests.packages.factories import make_package_course


def _structure(data: bytes) -> dict:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return parse_scorm(archive.read("imsmanifest.xml"), members=set(archive.namelist()))


def _ids(activities) -> list:
    return [a.id if a is not None else None for a in activities]


DONE = Run(completion="completed", success="passed")


# --- the evaluator ---------------------------------------------------------------------------------


def test_flow_walks_the_tree_in_order_across_clusters_and_back():
    seq = Sequencer(_structure(scorm2004_flow_zip()), {})
    assert [leaf.id for leaf in seq.leaves] == ["SCO-1", "SCO-2", "SCO-3"]
    assert seq.start().id == "SCO-1"
    one = seq.by_id["SCO-1"]
    two, _ = seq.next(one)
    three, _ = seq.next(two)
    assert _ids([two, three]) == ["SCO-2", "SCO-3"]
    assert seq.next(three) == (None, "end")
    assert seq.previous(three)[0].id == "SCO-2" and seq.previous(one) == (None, "end")
    # The cluster is a heading in the contents; its SCOs are choosable.
    toc = seq.toc(two)
    assert [(e["id"], e["depth"], e["choosable"]) for e in toc] == [
        ("MODULE-A", 0, False), ("SCO-1", 1, True), ("SCO-2", 1, True), ("SCO-3", 0, True)]
    assert [e["current"] for e in toc] == [False, False, True, False]


def test_choice_false_hides_the_contents_and_refuses_choices():
    seq = Sequencer(_structure(scorm2004_flow_zip(choice=False)), {})
    assert not seq.shows_toc() and not any(seq.can_choose(leaf) for leaf in seq.leaves)
    assert seq.next(seq.by_id["SCO-2"])[0].id == "SCO-3"  # flow still works


def test_flow_needs_flow_on_the_parent_and_forward_only_refuses_previous():
    structure = _structure(scorm2004_flow_zip())
    structure["tree"]["children"][0]["seq"]["control"]["flow"] = False
    seq = Sequencer(structure, {})
    assert not seq.can_continue(seq.by_id["SCO-1"])
    assert seq.next(seq.by_id["SCO-1"]) == (None, "no-flow")
    assert seq.start().id == "SCO-1"  # no flow into the cluster: the first choosable SCO
    structure = _structure(scorm2004_flow_zip())
    structure["tree"]["children"][0]["seq"]["control"]["forward_only"] = True
    seq = Sequencer(structure, {})
    assert seq.previous(seq.by_id["SCO-2"]) == (None, "forward-only")
    assert seq.previous(seq.by_id["SCO-3"])[0].id == "SCO-2"  # the organization itself is not forward-only


def test_disabled_and_hidden_rules():
    structure = _structure(scorm2004_flow_zip())
    sco3 = structure["tree"]["children"][1]
    sco3["seq"]["pre_rules"] = [{"action": "disabled", "combination": "all",
                                 "conditions": [{"condition": "completed", "not": True}]}]
    module = structure["tree"]["children"][0]
    module["children"][0]["seq"]["pre_rules"] = [{"action": "hiddenFromChoice", "combination": "any",
                                                  "conditions": [{"condition": "always"}]}]
    seq = Sequencer(structure, {})
    assert seq.next(seq.by_id["SCO-2"]) == (None, "disabled")
    assert not seq.can_choose(seq.by_id["SCO-3"]) and not seq.can_choose(seq.by_id["SCO-1"])
    assert [e["id"] for e in seq.toc(None)] == ["MODULE-A", "SCO-2", "SCO-3"]
    assert seq.next(seq.by_id["SCO-1"])[0].id == "SCO-2"  # hidden from choice, still on the flow path
    # Completed, SCO-3 is no longer disabled.
    seq = Sequencer(structure, {2: Run(completion="completed")})
    assert seq.next(seq.by_id["SCO-2"])[0].id == "SCO-3" and seq.can_choose(seq.by_id["SCO-3"])


def test_rollup_completes_the_course_only_when_every_sco_is_done():
    structure = _structure(scorm2004_flow_zip())
    assert Sequencer(structure, {}).outcome() == (None, None)
    partial = Sequencer(structure, {0: DONE, 1: DONE})
    assert partial.outcome() == (False, None) and not partial.is_done()
    assert partial.completed(partial.by_id["MODULE-A"]) is True
    failed = Sequencer(structure, {0: DONE, 1: DONE, 2: Run(completion="completed", success="failed")})
    assert failed.outcome() == (True, False) and not failed.is_done()
    done = Sequencer(structure, {0: DONE, 1: DONE, 2: DONE})
    assert done.outcome() == (True, True) and done.is_done()


def _pretest_run(exposure: str, ppe: str) -> Run:
    score = [exposure, ppe].count("passed") / 2
    return Run(completion="completed", success="passed" if score == 1 else "failed", score=score,
               objectives={"exposure_mastered": exposure, "ppe_mastered": ppe})


def test_a_passed_pretest_skips_the_content_and_satisfies_the_course():
    structure = _structure(scorm2004_pretest_zip())
    seq = Sequencer(structure, {0: _pretest_run("passed", "passed")})
    pretest = seq.by_id["PRETEST"]
    assert seq.globals == {"urn:example:bbp:exposure": True, "urn:example:bbp:ppe": True}
    assert seq.has_action(seq.by_id["EXPOSURE"], "skip") and seq.has_action(seq.by_id["PPE"], "skip")
    assert seq.next(pretest) == (None, "end")
    assert seq.outcome() == (True, True) and seq.is_done()
    # Skipped SCOs are still choosable (skip applies to flow only).
    assert seq.can_choose(seq.by_id["PPE"])


def test_a_partly_passed_pretest_skips_only_what_it_covered():
    seq = Sequencer(_structure(scorm2004_pretest_zip()), {0: _pretest_run("passed", "failed")})
    assert seq.next(seq.by_id["PRETEST"])[0].id == "PPE"
    assert seq.outcome() == (False, False) and not seq.is_done()
    seq = Sequencer(_structure(scorm2004_pretest_zip()), {0: _pretest_run("passed", "failed"), 2: DONE})
    assert seq.outcome() == (True, True) and seq.is_done()


def test_a_failed_pretest_leads_through_the_content_and_its_failure_does_not_fail_the_course():
    structure = _structure(scorm2004_pretest_zip())
    seq = Sequencer(structure, {0: _pretest_run("failed", "failed")})
    pretest = seq.by_id["PRETEST"]
    exposure, _ = seq.next(pretest)
    assert exposure.id == "EXPOSURE" and seq.next(exposure)[0].id == "PPE"
    assert not seq.is_done()
    seq = Sequencer(structure, {0: _pretest_run("failed", "failed"), 1: DONE})
    assert not seq.is_done()  # PPE still to do
    seq = Sequencer(structure, {0: _pretest_run("failed", "failed"), 1: DONE, 2: DONE})
    assert seq.outcome() == (True, True) and seq.is_done()
    # A content SCO left incomplete (its objective still reads the failed global) keeps the course open.
    seq = Sequencer(structure, {0: _pretest_run("failed", "failed"), 1: DONE, 2: Run(completion="incomplete")})
    assert seq.outcome() == (False, False) and not seq.is_done()


def test_sequencing_collections_and_unsupported_elements_are_recorded():
    manifest = _manifest_with("""<imsss:sequencing IDRef="common">
          <imsss:limitConditions attemptLimit="1"/>
          <imsss:randomizationControls reorderChildren="true"/>
        </imsss:sequencing>""", collection="""<imsss:sequencingCollection>
    <imsss:sequencing ID="common"><imsss:controlMode choice="false" flow="true" forwardOnly="true"/></imsss:sequencing>
  </imsss:sequencingCollection>""")
    structure = parse_scorm(manifest, members={"a.html"})
    seq = structure["tree"]["children"][0]["seq"]
    assert seq["control"] == {"choice": False, "flow": True, "forward_only": True, "choice_exit": True}
    assert seq["ignored"] == ["limitConditions", "randomizationControls"]


def test_a_bad_measure_and_an_empty_cluster_are_refused():
    with pytest.raises(PackageRefused, match="minNormalizedMeasure"):
        parse_scorm(_manifest_with("""<imsss:sequencing><imsss:objectives>
          <imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true">
            <imsss:minNormalizedMeasure>most</imsss:minNormalizedMeasure></imsss:primaryObjective>
          </imsss:objectives></imsss:sequencing>"""), members={"a.html"})
    empty = _manifest_with("").replace(b"</organization>",
                                       b'<item identifier="EMPTY"><title>Nothing</title></item></organization>')
    with pytest.raises(PackageRefused, match="launches nothing and holds no item"):
        parse_scorm(empty, members={"a.html"})


def _manifest_with(sequencing: str, collection: str = "") -> bytes:
    return f"""<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>T</title>
    <item identifier="A" identifierref="R"><title>A</title>{sequencing}</item>
  </organization></organizations>
  <resources><resource identifier="R" type="webcontent" adlcp:scormType="sco" href="a.html"/></resources>
  {collection}
</manifest>""".encode()


# --- the player, through the test client ------------------------------------------------------------


@pytest.fixture
def provider(db):
    org = make_org(kind="provider", is_accredited_provider=True)
    return org, make_member(org, role="educator").user


class Learner:
    def __init__(self, client, course):
        self.client, self.course = client, course
        self.user = make_user()
        client.login(self.user)
        assert client.post(f"/courses/{course.id}/enrol").status_code == 302
        self.lesson = course.current_version.lessons[0]
        self.url = f"/packages/courses/{course.id}/lessons/{self.lesson.id}"
        self.token = client.csrf_token()

    def open(self, query: str = ""):
        """The player page: (response, its config, its text)."""
        page = self.client.get(self.url + query)
        if page.status_code != 200:
            return page, None
        raw = page.text.split('data-config="', 1)[1].split('"', 1)[0]
        return page, json.loads(html.unescape(raw))

    def unit(self, query: str = "") -> str | None:
        """The title of the SCO a request lands on, or None when it sends the learner back to the lesson."""
        page, config = self.open(query)
        if config is None:
            assert page.status_code == 303, page.status_code
            return None
        return page.text.split("(SCORM 2004): ", 1)[1].split(".", 1)[0].strip()

    def commit(self, query: str, cmi: dict):
        _page, config = self.open(query)
        response = self.client._isolated(self.client.http.post, config["commitUrl"] + "?terminate=1",
                                         json={"cmi": cmi}, headers={"X-CSRFToken": self.token})
        assert response.status_code == 200, response.text
        return config["current"]

    def done(self) -> bool:
        return self.lesson.id in services.done_lesson_ids(services.enrolment_for(self.user, self.course))


PASSED = {"completion_status": "completed", "success_status": "passed", "exit": "normal", "total_time": "PT3M"}


def test_next_and_previous_follow_the_tree_and_the_lesson_completes_at_the_end(client, db, provider, tmp_path):
    org, educator = provider
    course, _package = make_package_course(org, educator, scorm2004_flow_zip(), tmp_path)
    learner = Learner(client, course)
    page, config = learner.open()
    assert config["current"] == 0 and config["navValid"] == {"continue": True, "previous": False}
    assert 'aria-label="Contents of this module"' in page.text and ">Next</a>" in page.text
    assert ">Previous</a>" not in page.text
    assert learner.unit("?nav=continue&from=0") == "Exposure determination"
    assert learner.unit("?nav=continue&from=1") == "Recordkeeping"
    assert learner.unit("?nav=previous&from=2") == "Exposure determination"
    page, _ = learner.open("?nav=continue&from=1")
    assert ">Finish</a>" in page.text and ">Previous</a>" in page.text
    # Continue past the last SCO returns to the lesson; the lesson completes only when all three are done.
    assert learner.unit("?nav=continue&from=2") is None
    for index in (0, 1):
        learner.commit(f"?sco={index}", PASSED)
    assert not learner.done()
    learner.commit("?nav=choice&target=SCO-3", PASSED)
    assert learner.done()
    # Bad requests.
    assert learner.open("?nav=teleport")[0].status_code == 400
    assert learner.open("?nav=continue&from=99")[0].status_code == 400
    assert learner.open("?nav=choice&target=NOPE")[0].status_code == 404


def test_a_learner_who_comes_back_resumes_the_unit_they_left(client, db, provider, tmp_path):
    org, educator = provider
    course, _package = make_package_course(org, educator, scorm2004_flow_zip(), tmp_path)
    learner = Learner(client, course)
    learner.unit("?nav=choice&target=SCO-2")
    assert learner.unit() == "Exposure determination"
    learner.commit("?nav=choice&target=SCO-2", {**PASSED, "exit": "suspend"})  # suspended: resumed
    assert learner.unit() == "Exposure determination"
    learner.commit("?nav=choice&target=SCO-2", PASSED)  # finished: the next visit moves on
    assert learner.unit() == "Recordkeeping"


def test_choice_is_offered_only_when_the_package_allows_it(client, db, provider, tmp_path):
    org, educator = provider
    course, _ = make_package_course(org, educator, scorm2004_flow_zip(choice=True), tmp_path, title="Choice")
    learner = Learner(client, course)
    page, _ = learner.open()
    assert "?nav=choice&amp;target=SCO-3" in page.text
    assert learner.unit("?nav=choice&target=SCO-3") == "Recordkeeping"

    course, _ = make_package_course(org, educator, scorm2004_flow_zip(choice=False), tmp_path, title="No choice",
                                    name="nochoice.zip")
    learner = Learner(client, course)
    page, config = learner.open()
    assert config["current"] == 0 and "Contents of this module" not in page.text and "nav=choice" not in page.text
    assert learner.open("?nav=choice&target=SCO-3")[0].status_code == 403
    assert learner.open("?sco=2")[0].status_code == 403
    assert learner.unit("?nav=continue&from=0") == "Exposure determination"


def test_a_passed_pretest_skips_the_content_and_completes_the_course(client, db, provider, tmp_path):
    org, educator = provider
    course, _ = make_package_course(org, educator, scorm2004_pretest_zip(), tmp_path, require_evaluation=False)
    learner = Learner(client, course)
    assert learner.unit() == "Pre-test"
    assert services.enrolment_for(learner.user, course).completed_at is None
    learner.commit("", {**PASSED, "score": {"scaled": "1"}, "objectives": {
        "0": {"id": "exposure_mastered", "success_status": "passed"},
        "1": {"id": "ppe_mastered", "success_status": "passed"}}})
    assert learner.done()
    assert learner.unit("?nav=continue&from=0") is None  # nothing left: back to the lesson
    page = client.get(learner.url + "?nav=choice&target=PPE")
    assert page.status_code == 200 and "skipped" in page.text  # the skipped units can still be reviewed
    assert services.enrolment_for(learner.user, course).completed_at is not None


def test_a_failed_pretest_leads_through_the_content(client, db, provider, tmp_path):
    org, educator = provider
    course, _ = make_package_course(org, educator, scorm2004_pretest_zip(), tmp_path)
    learner = Learner(client, course)
    learner.commit("", {"completion_status": "completed", "success_status": "failed", "score": {"scaled": "0.5"},
                        "exit": "normal", "objectives": {
                            "0": {"id": "exposure_mastered", "success_status": "passed"},
                            "1": {"id": "ppe_mastered", "success_status": "failed"}}})
    assert not learner.done()
    assert learner.unit("?nav=continue&from=0") == "Personal protective equipment"  # exposure was tested out
    learner.commit("?nav=continue&from=0", {"completion_status": "incomplete", "exit": "suspend"})
    assert not learner.done()
    learner.commit("?nav=continue&from=0", PASSED)
    assert learner.done()
    assert learner.unit("?nav=continue&from=2") is None


def test_a_single_sco_2004_package_without_sequencing_still_plays_and_completes(client, db, provider, tmp_path):
    org, educator = provider
    course, _ = make_package_course(org, educator, scorm2004_zip(), tmp_path)
    learner = Learner(client, course)
    page, config = learner.open()
    assert config["current"] == 0 and "Contents of this module" not in page.text and ">Next</a>" not in page.text
    learner.commit("", PASSED)
    assert learner.done()
