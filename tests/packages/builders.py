"""Packages as authoring tools export them, built in memory for the tests.

``scorm12_zip`` and ``scorm2004_zip`` look like a small Storyline/Captivate export: a manifest
with metadata and an organization, a launch page, a separate run-time wrapper script that finds
the API the ADL way (this window, then parents), three pages of content with a resume point and
suspend data, and a graded question recorded as an interaction. ``cmi5_zip`` is a one-AU cmi5
course that sends its statements through the launch parameters.
"""

from __future__ import annotations

import io
import zipfile

SCORM12_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.hipaa.basics" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1">
      <title>HIPAA privacy basics</title>
      <item identifier="ITEM-1" identifierref="RES-1" isvisible="true">
        <title>HIPAA privacy basics</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" adlcp:scormtype="sco" href="{href}">
      <file href="index_lms.html"/><file href="lms/scormdriver.js"/><file href="story_content/style.css"/>
    </resource>
  </resources>
</manifest>
"""

SCORM2004_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.osha.bbp" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1" adlseq:objectivesGlobalToSystem="false">
      <title>Bloodborne pathogens refresher</title>
      <item identifier="ITEM-1" identifierref="RES-1">
        <title>Bloodborne pathogens refresher</title>
        <imsss:sequencing><imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/></imsss:sequencing>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" adlcp:scormType="sco" href="{href}">
      <file href="index_lms.html"/><file href="lms/scormdriver.js"/><file href="story_content/style.css"/>
    </resource>
  </resources>
</manifest>
"""

DRIVER = """// Run-time wrapper, as authoring tools ship one: find the API (this window first, then parents).
var SCORM = (function () {
  var version = "%(version)s";
  function find(win) {
    var name = version === "1.2" ? "API" : "API_1484_11", tries = 0;
    while (win[name] == null && win.parent != null && win.parent != win && tries < 7) { tries++; win = win.parent; }
    return win[name];
  }
  var api = find(window);
  var v12 = version === "1.2";
  return {
    api: api,
    init: function () { return api && String(v12 ? api.LMSInitialize("") : api.Initialize("")) === "true"; },
    get: function (k) { return v12 ? api.LMSGetValue(k) : api.GetValue(k); },
    set: function (k, v) { return v12 ? api.LMSSetValue(k, String(v)) : api.SetValue(k, String(v)); },
    commit: function () { return v12 ? api.LMSCommit("") : api.Commit(""); },
    finish: function () { return v12 ? api.LMSFinish("") : api.Terminate(""); },
    v12: v12
  };
}());
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Course</title>
<link rel="stylesheet" href="story_content/style.css">
<script src="lms/scormdriver.js"></script></head>
<body>
<main>
  <h1 id="title">Module</h1>
  <p id="page" data-testid="page"></p>
  <p id="api-state"></p>
  <button id="next" type="button">Next</button>
  <section id="quiz" hidden>
    <p>Which of these is protected health information?</p>
    <label><input type="radio" name="q" value="a" id="answer-a"> A patient's name with a diagnosis</label>
    <label><input type="radio" name="q" value="b" id="answer-b"> A published clinical guideline</label>
    <button id="submit" type="button">Submit</button>
  </section>
  <p id="result"></p>
</main>
<script>
(function () {
  var ok = SCORM.init();
  document.getElementById("api-state").textContent = ok ? "connected" : "no LMS";
  var v12 = SCORM.v12;
  var LOC = v12 ? "cmi.core.lesson_location" : "cmi.location";
  var page = parseInt(SCORM.get(LOC) || "1", 10) || 1;
  var data = SCORM.get("cmi.suspend_data") || "";
  function show() {
    document.getElementById("page").textContent = "Page " + page + " of 3" + (data ? " (" + data + ")" : "");
    document.getElementById("quiz").hidden = page < 3;
    document.getElementById("next").hidden = page >= 3;
  }
  if (v12) { SCORM.set("cmi.core.lesson_status", "incomplete"); SCORM.set("cmi.core.exit", "suspend"); }
  else { SCORM.set("cmi.completion_status", "incomplete"); SCORM.set("cmi.exit", "suspend"); }
  show();
  document.getElementById("next").addEventListener("click", function () {
    page += 1; data = "seen=" + page;
    SCORM.set(LOC, page); SCORM.set("cmi.suspend_data", data); SCORM.commit(); show();
  });
  document.getElementById("submit").addEventListener("click", function () {
    var right = document.getElementById("answer-a").checked;
    var n = v12 ? "cmi.interactions.0." : "cmi.interactions.0.";
    SCORM.set(n + "id", "phi-question-1");
    SCORM.set(n + "type", "choice");
    SCORM.set(n + (v12 ? "student_response" : "learner_response"), right ? "a" : "b");
    SCORM.set(n + "result", right ? "correct" : (v12 ? "wrong" : "incorrect"));
    if (v12) {
      SCORM.set("cmi.core.score.raw", right ? 100 : 0); SCORM.set("cmi.core.score.min", 0); SCORM.set("cmi.core.score.max", 100);
      SCORM.set("cmi.core.lesson_status", right ? "passed" : "failed"); SCORM.set("cmi.core.exit", "");
    } else {
      SCORM.set("cmi.score.scaled", right ? 1 : 0); SCORM.set("cmi.score.raw", right ? 100 : 0);
      SCORM.set("cmi.score.min", 0); SCORM.set("cmi.score.max", 100);
      SCORM.set("cmi.completion_status", "completed"); SCORM.set("cmi.success_status", right ? "passed" : "failed");
      SCORM.set("cmi.exit", "normal");
    }
    SCORM.commit(); SCORM.finish();
    document.getElementById("result").textContent = right ? "Passed" : "Not passed";
  });
}());
</script>
</body></html>
"""


def _zip(files: dict[str, bytes | str], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return out.getvalue()


def scorm12_zip(*, version="1.2", href="index_lms.html", extra: dict | None = None,
                drop: tuple = ()) -> bytes:
    files = {"imsmanifest.xml": SCORM12_MANIFEST.format(version=version, href=href),
             "index_lms.html": PAGE, "lms/scormdriver.js": DRIVER % {"version": "1.2"},
             "story_content/style.css": "body { font-family: sans-serif; }"}
    files.update(extra or {})
    return _zip({k: v for k, v in files.items() if k not in drop})


def scorm2004_zip(*, version="2004 4th Edition", href="index_lms.html", extra: dict | None = None) -> bytes:
    files = {"imsmanifest.xml": SCORM2004_MANIFEST.format(version=version, href=href),
             "index_lms.html": PAGE, "lms/scormdriver.js": DRIVER % {"version": "2004"},
             "story_content/style.css": "body { font-family: sans-serif; }"}
    files.update(extra or {})
    return _zip(files)


CMI5_XML = """<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://example.org/courses/fire-safety"><title><langstring lang="en-US">Fire safety</langstring></title>
    <description><langstring lang="en-US">Annual fire safety</langstring></description></course>
  <block id="https://example.org/courses/fire-safety/block/1"><title><langstring lang="en-US">Block</langstring></title>
    <description><langstring lang="en-US">Block</langstring></description>
    <au id="https://example.org/courses/fire-safety/au/1" moveOn="{move_on}" masteryScore="0.8">
      <title><langstring lang="en-US">Evacuation</langstring></title>
      <description><langstring lang="en-US">Evacuation</langstring></description>
      <url>{url}</url>
    </au>
  </block>
</courseStructure>
"""


def cmi5_xml(*, move_on="CompletedAndPassed", url="index.html") -> str:
    return CMI5_XML.format(move_on=move_on, url=url)


def cmi5_zip(*, move_on="CompletedAndPassed", url="index.html", files: dict | None = None) -> bytes:
    content = {"cmi5.xml": cmi5_xml(move_on=move_on, url=url), "index.html": "<!DOCTYPE html><title>AU</title>"}
    content.update(files or {})
    return _zip(content)


def raw_zip(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip with member names exactly as given (zip-slip tests): ``writestr`` keeps them verbatim."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out.getvalue()


def bomb_zip(size: int = 64 * 1024 * 1024) -> bytes:
    """One member of zeros that inflates about a thousand times its compressed size."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("cmi5.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return out.getvalue()


# --- SCORM 2004 4th edition, several SCOs with sequencing (as iSpring/Articulate multi-SCO exports) --

SEQ_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.bbp.sequenced" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG-BBP">
    <organization identifier="ORG-BBP" adlseq:objectivesGlobalToSystem="false">
      <title>{title}</title>
{items}
      <imsss:sequencing>
        <imsss:controlMode choice="{choice}" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
{resources}
    <resource identifier="RES-COMMON" type="webcontent" adlcp:scormType="asset">
      <file href="shared/scormdriver.js"/><file href="shared/style.css"/>
    </resource>
  </resources>
</manifest>
"""

SEQ_RESOURCE = """    <resource identifier="RES-{id}" type="webcontent" adlcp:scormType="sco" href="{page}">
      <file href="{page}"/><dependency identifierref="RES-COMMON"/>
    </resource>"""

SKIP_IF_SATISFIED = """<imsss:sequencingRules>
            <imsss:preConditionRule>
              <imsss:ruleConditions><imsss:ruleCondition condition="satisfied"/></imsss:ruleConditions>
              <imsss:ruleAction action="skip"/>
            </imsss:preConditionRule>
          </imsss:sequencingRules>"""

SEQ_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="shared/style.css">
<script src="shared/scormdriver.js"></script></head>
<body>
<main>
  <h1 id="unit">{title}</h1>
  <p id="api-state"></p>
  {body}
  <p id="result" role="status"></p>
</main>
<script>
(function () {{
  var ok = SCORM.init();
  document.getElementById("api-state").textContent = ok ? "connected" : "no LMS";
  if (SCORM.get("cmi.completion_status") !== "completed") {{ SCORM.set("cmi.completion_status", "incomplete"); }}
  SCORM.set("cmi.exit", "suspend");
  function leave(request) {{
    SCORM.set("cmi.exit", "normal");
    if (request) {{ SCORM.set("adl.nav.request", request); }}
    SCORM.commit(); SCORM.finish();
  }}
  function objective(n, id, status) {{
    SCORM.set("cmi.objectives." + n + ".id", id);
    SCORM.set("cmi.objectives." + n + ".success_status", status);
    SCORM.set("cmi.objectives." + n + ".completion_status", "completed");
  }}
  {script}
}}());
</script>
</body></html>
"""

CONTENT_BODY = """<p>Read this unit, then mark it complete.</p>
  <button id="complete" type="button">Complete this unit</button>
  <button id="complete-continue" type="button">Complete and continue</button>
  <button id="first-unit" type="button">Back to the first unit</button>
  <button id="save-exit" type="button">Save and exit</button>"""

# Storyline's default "Passed/Incomplete" reporting: finishing the slides passes the SCO.
CONTENT_SCRIPT = """function complete() {
    SCORM.set("cmi.completion_status", "completed"); SCORM.set("cmi.success_status", "passed");
    SCORM.commit(); document.getElementById("result").textContent = "Unit complete";
  }
  document.getElementById("complete").addEventListener("click", complete);
  document.getElementById("complete-continue").addEventListener("click", function () { complete(); leave("continue"); });
  document.getElementById("first-unit").addEventListener("click", function () { leave("{target=%(first)s}choice"); });
  document.getElementById("save-exit").addEventListener("click", function () {
    SCORM.set("cmi.exit", "suspend"); SCORM.set("adl.nav.request", "suspendAll"); SCORM.commit(); SCORM.finish();
  });"""

PRETEST_BODY = """<p>Answer both questions to test out of the content.</p>
  <fieldset><legend>Exposure control</legend>
    <label><input type="checkbox" id="q-exposure"> I know the exposure control plan</label></fieldset>
  <fieldset><legend>Personal protective equipment</legend>
    <label><input type="checkbox" id="q-ppe"> I know when to wear PPE</label></fieldset>
  <button id="submit-pretest" type="button">Submit pre-test</button>"""

# The quiz reports one objective per content section (iSpring's "result slide" objectives), which the
# manifest maps to global objectives the content items read.
PRETEST_SCRIPT = """document.getElementById("submit-pretest").addEventListener("click", function () {
    var exposure = document.getElementById("q-exposure").checked, ppe = document.getElementById("q-ppe").checked;
    var score = (exposure ? 1 : 0) + (ppe ? 1 : 0);
    objective(0, "exposure_mastered", exposure ? "passed" : "failed");
    objective(1, "ppe_mastered", ppe ? "passed" : "failed");
    SCORM.set("cmi.score.raw", score * 50); SCORM.set("cmi.score.min", 0); SCORM.set("cmi.score.max", 100);
    SCORM.set("cmi.score.scaled", score / 2);
    SCORM.set("cmi.success_status", score === 2 ? "passed" : "failed");
    SCORM.set("cmi.completion_status", "completed");
    document.getElementById("result").textContent = score === 2 ? "Pre-test passed" : "Pre-test not passed";
    leave("continue");
  });"""


def _seq_item(identifier: str, title: str, sequencing: str = "") -> str:
    seq = f"\n        <imsss:sequencing>\n          {sequencing}\n        </imsss:sequencing>" if sequencing else ""
    return f"""      <item identifier="{identifier}" identifierref="RES-{identifier}">
        <title>{title}</title>{seq}
      </item>"""


def _seq_zip(title: str, items: str, units: list[tuple[str, str, str, str]], *, choice: bool) -> bytes:
    files = {"imsmanifest.xml": SEQ_MANIFEST.format(
        title=title, items=items, choice="true" if choice else "false",
        resources="\n".join(SEQ_RESOURCE.format(id=i, page=page) for i, page, _t, _k in units)),
        "shared/scormdriver.js": DRIVER % {"version": "2004"}, "shared/style.css": "body { font-family: sans-serif; }"}
    for _identifier, page, unit_title, kind in units:
        body, script = (PRETEST_BODY, PRETEST_SCRIPT) if kind == "pretest" else \
            (CONTENT_BODY, CONTENT_SCRIPT % {"first": units[0][0]})
        files[page] = SEQ_PAGE.format(title=unit_title, body=body, script=script)
    return _zip(files)


def scorm2004_flow_zip(*, choice: bool = True) -> bytes:
    """Three content SCOs, the first two in a cluster: flow everywhere, choice as asked."""
    items = f"""      <item identifier="MODULE-A">
        <title>Module A: the standard</title>
{_seq_item("SCO-1", "Scope of the standard")}
{_seq_item("SCO-2", "Exposure determination")}
        <imsss:sequencing><imsss:controlMode choice="{'true' if choice else 'false'}" flow="true"/></imsss:sequencing>
      </item>
{_seq_item("SCO-3", "Recordkeeping")}"""
    units = [("SCO-1", "scope.html", "Scope of the standard", "content"),
             ("SCO-2", "exposure.html", "Exposure determination", "content"),
             ("SCO-3", "records.html", "Recordkeeping", "content")]
    return _seq_zip("Bloodborne pathogens standard", items, units, choice=choice)


def scorm2004_pretest_zip() -> bytes:
    """A pre-test whose objectives (written to globals) let the learner skip the content it covers."""
    pretest_seq = """<imsss:rollupRules rollupObjectiveSatisfied="false"/>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="pretest_passed" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>1.0</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
            <imsss:objective objectiveID="exposure_mastered">
              <imsss:mapInfo targetObjectiveID="urn:example:bbp:exposure" readSatisfiedStatus="false" writeSatisfiedStatus="true"/>
            </imsss:objective>
            <imsss:objective objectiveID="ppe_mastered">
              <imsss:mapInfo targetObjectiveID="urn:example:bbp:ppe" readSatisfiedStatus="false" writeSatisfiedStatus="true"/>
            </imsss:objective>
          </imsss:objectives>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>"""

    def content_seq(target: str) -> str:
        return f"""{SKIP_IF_SATISFIED}
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="{target}_mastered">
              <imsss:mapInfo targetObjectiveID="urn:example:bbp:{target}" readSatisfiedStatus="true" writeSatisfiedStatus="false"/>
            </imsss:primaryObjective>
          </imsss:objectives>
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>"""

    items = "\n".join([_seq_item("PRETEST", "Pre-test", pretest_seq),
                       _seq_item("EXPOSURE", "Exposure control", content_seq("exposure")),
                       _seq_item("PPE", "Personal protective equipment", content_seq("ppe"))])
    units = [("PRETEST", "pretest.html", "Pre-test", "pretest"),
             ("EXPOSURE", "exposure.html", "Exposure control", "content"),
             ("PPE", "ppe.html", "Personal protective equipment", "content")]
    return _seq_zip("Bloodborne pathogens: test out", items, units, choice=True)
