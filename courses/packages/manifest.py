"""Reading ``cmi5.xml`` and ``imsmanifest.xml`` into plain structures, refusing what the standards forbid.

Parsing uses defusedxml (no entities, no external references). A cmi5 course structure is
checked against the rules the cmi5 specification and ADL's LMS test suite name: absolute IRIs
for ids, unique ids, AU URLs that parse, relative URLs only inside a zip, no launch parameters
that the LMS itself sets. A SCORM manifest gives its schema version, its SCOs and assets in the
default organisation's order, and each launch file, which must be inside the package.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlsplit

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from xml.etree.ElementTree import ParseError

from courses.packages.archive import PackageRefused, safe_member_name

CMI5_NS = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
MOVE_ON = ("Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable")
LAUNCH_METHODS = ("AnyWindow", "OwnWindow")
RESERVED_PARAMS = {"endpoint", "fetch", "actor", "registration", "activityId"}
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _parse(data: bytes, what: str):
    try:
        return SafeET.fromstring(data)
    except (ParseError, DefusedXmlException) as exc:
        raise PackageRefused(f"{what} is not well-formed XML ({exc}).", "13.2.0.0-1") from None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _text(element) -> str:
    """The first langstring's text (or the element's own), trimmed."""
    if element is None:
        return ""
    for child in element:
        if _local(child.tag) == "langstring":
            return (child.text or "").strip()
    return (element.text or "").strip()


def _child(element, name):
    return next((c for c in element if _local(c.tag) == name), None)


def is_absolute_iri(value: str) -> bool:
    return bool(value) and bool(_IRI.match(value))


# --- cmi5 ----------------------------------------------------------------------------------------


def parse_cmi5(data: bytes, *, members: set[str] | None) -> dict:
    """The course structure of ``cmi5.xml``; ``members`` is the zip's file list, None for an XML alone."""
    root = _parse(data, "cmi5.xml")
    if _local(root.tag) != "courseStructure":
        raise PackageRefused("cmi5.xml does not hold a courseStructure.", "13.2.0.0-1")
    if _ns(root.tag) != CMI5_NS:
        raise PackageRefused(f"Unknown cmi5 course structure schema ({_ns(root.tag) or 'no namespace'}).",
                             "13.2.0.0-1")
    course_el = _child(root, "course")
    if course_el is None or not course_el.get("id"):
        raise PackageRefused("cmi5.xml has no course with an id.", "13.2.0.0-1")
    seen: dict[str, set[str]] = {"block": set(), "au": set(), "objective": set()}

    def check_id(kind: str, value: str | None) -> str:
        value = (value or "").strip()
        if not is_absolute_iri(value):
            raise PackageRefused(f"The {kind} id {value[:120]!r} is not an absolute IRI.", "3.0.0.0-1")
        if kind in seen:
            if value in seen[kind]:
                raise PackageRefused(f"The {kind} id {value[:120]!r} appears twice.",
                                     {"block": "13.1.2.0-1", "au": "13.1.4.0-1"}.get(kind, "13.1.3.0-1"))
            seen[kind].add(value)
        return value

    structure = {"course": {"id": check_id("course", course_el.get("id")),
                            "title": _text(_child(course_el, "title")),
                            "description": _text(_child(course_el, "description"))},
                 "blocks": [], "aus": [], "top": [], "objectives": []}
    objectives = _child(root, "objectives")
    for objective in (objectives if objectives is not None else []):
        if _local(objective.tag) == "objective":
            structure["objectives"].append({"id": check_id("objective", objective.get("id")),
                                            "title": _text(_child(objective, "title"))})

    def walk(element, parent: int | None, into: list) -> None:
        for child in element:
            name = _local(child.tag)
            if name == "au":
                into.append(["au", _au(child, parent)])
            elif name == "block":
                index = len(structure["blocks"])
                block = {"id": check_id("block", child.get("id")), "title": _text(_child(child, "title")),
                         "parent": parent, "children": []}
                structure["blocks"].append(block)
                into.append(["block", index])
                walk(child, index, block["children"])
                if not block["children"]:
                    raise PackageRefused(f"The block {block['id'][:120]!r} holds no AU.", "13.1.2.0-1")
            elif name in ("course", "objectives", "title", "description") or not isinstance(child.tag, str):
                continue
            elif _ns(child.tag) == CMI5_NS:
                raise PackageRefused(f"cmi5.xml holds an element the course structure does not allow ({name}).",
                                     "13.2.0.0-1")

    def _au(element, parent: int | None) -> int:
        au_id = check_id("au", element.get("id"))
        url_el = _child(element, "url")
        url = (url_el.text or "").strip() if url_el is not None else ""
        if not url:
            raise PackageRefused(f"The AU {au_id[:120]!r} has no url.", "13.2.0.0-1")
        if any(ch.isspace() for ch in url) or any(ord(ch) < 0x20 for ch in url):
            raise PackageRefused(f"The AU {au_id[:120]!r} has an invalid url ({url[:120]!r}).", "13.1.4.0-2")
        parts = urlsplit(url)
        reserved = RESERVED_PARAMS & {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
        if reserved:
            raise PackageRefused(f"The AU url sets {', '.join(sorted(reserved))}, which the LMS sets at launch.",
                                 "8.1.0.0-6")
        if parts.scheme:
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise PackageRefused(f"The AU url {url[:120]!r} is not an http(s) URL.", "13.1.4.0-2")
        else:
            if members is None:
                raise PackageRefused(f"The AU url {url[:120]!r} is relative, which needs the AU's files in a zip.",
                                     "14.2.0.0-1")
            if parts.netloc or url.startswith("/"):
                raise PackageRefused(f"The AU url {url[:120]!r} is not relative to the package.", "14.1.0.0-4")
            path = safe_member_name(parts.path)
            if path not in members:
                raise PackageRefused(f"The AU url {url[:120]!r} names a file the package does not hold.",
                                     "14.1.0.0-4")
        move_on = element.get("moveOn", "NotApplicable")
        if move_on not in MOVE_ON:
            raise PackageRefused(f"Unknown moveOn {move_on!r}.", "13.2.0.0-1")
        launch_method = element.get("launchMethod", "AnyWindow")
        if launch_method not in LAUNCH_METHODS:
            raise PackageRefused(f"Unknown launchMethod {launch_method!r}.", "13.2.0.0-1")
        mastery = element.get("masteryScore")
        if mastery is not None:
            try:
                value = Decimal(mastery)
            except InvalidOperation:
                raise PackageRefused(f"masteryScore {mastery!r} is not a number.", "13.2.0.0-1") from None
            if not Decimal(0) <= value <= Decimal(1):
                raise PackageRefused(f"masteryScore {mastery!r} is outside 0 to 1.", "13.2.0.0-1")
            mastery = float(value)
        for ref in _child(element, "objectives") or []:
            if _local(ref.tag) == "objective" and not is_absolute_iri((ref.get("idref") or "").strip()):
                raise PackageRefused("An AU refers to an objective by an id that is not an absolute IRI.",
                                     "3.0.0.0-1")
        au = {"id": au_id, "title": _text(_child(element, "title")) or au_id,
              "description": _text(_child(element, "description")), "url": url, "relative": not parts.scheme,
              "move_on": move_on, "launch_method": launch_method, "mastery_score": mastery,
              "activity_type": element.get("activityType"), "block": parent}
        for tag, key in (("launchParameters", "launch_parameters"), ("entitlementKey", "entitlement_key")):
            el = _child(element, tag)
            if el is not None:
                au[key] = (el.text or "").strip()
        structure["aus"].append(au)
        return len(structure["aus"]) - 1

    walk(root, None, structure["top"])
    if not structure["aus"]:
        raise PackageRefused("cmi5.xml has no AU.", "13.2.0.0-1")
    return structure


# --- SCORM ---------------------------------------------------------------------------------------

SCORM12_SCHEMA = {"1.2"}
SCORM2004_SCHEMA = {"CAM 1.3", "2004 3rd Edition", "2004 4th Edition", "2004 2nd Edition"}


def parse_scorm(data: bytes, *, members: set[str]) -> dict:
    """The SCOs and assets of ``imsmanifest.xml``, in the default organisation's order."""
    root = _parse(data, "imsmanifest.xml")
    if _local(root.tag) != "manifest":
        raise PackageRefused("imsmanifest.xml does not hold a manifest.")
    metadata = _child(root, "metadata")
    schema = _text(_child(metadata, "schema")) if metadata is not None else ""
    version = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    namespaces = {_ns(el.tag) for el in root.iter() if isinstance(el.tag, str)} | set(root.attrib.keys())
    flat = " ".join(namespaces) + " " + " ".join(f"{k}={v}" for k, v in root.attrib.items())
    if version in SCORM12_SCHEMA:
        standard = "scorm12"
    elif version in SCORM2004_SCHEMA:
        standard = "scorm2004"
    elif not version and "adlcp_rootv1p2" in flat:
        standard, version = "scorm12", "1.2"
    elif version:
        raise PackageRefused(f"Unknown SCORM schema version {version[:60]!r}: SCORM 1.2 and 2004 "
                             "(2nd to 4th edition) are supported.")
    else:
        raise PackageRefused("imsmanifest.xml names no schema version (metadata/schemaversion).")
    if schema and schema.upper() != "ADL SCORM":
        raise PackageRefused(f"Unknown manifest schema {schema[:60]!r}.")

    resources = {}
    res_el = _child(root, "resources")
    res_base = (res_el.get("{http://www.w3.org/XML/1998/namespace}base") or "") if res_el is not None else ""
    for res in (res_el if res_el is not None else []):
        if _local(res.tag) != "resource":
            continue
        base = res_base + (res.get("{http://www.w3.org/XML/1998/namespace}base") or "")
        href = res.get("href")
        kind = next((v for k, v in res.attrib.items() if _local(k).lower() == "scormtype"), "asset").lower()
        entry = {"identifier": res.get("identifier"), "type": kind, "href": None}
        if href:
            entry["href"] = _inside(base + href, members)
        for f in res:
            if _local(f.tag) == "file" and f.get("href"):
                _inside(base + f.get("href"), members, must_exist=False)
        resources[res.get("identifier")] = entry

    orgs = _child(root, "organizations")
    if orgs is None or not [o for o in orgs if _local(o.tag) == "organization"]:
        raise PackageRefused("imsmanifest.xml has no organization.")
    default = orgs.get("default")
    org = next((o for o in orgs if _local(o.tag) == "organization" and o.get("identifier") == default), None) \
        or next(o for o in orgs if _local(o.tag) == "organization")
    scos = []
    collection = {}
    coll_el = _child(root, "sequencingCollection")
    for seq in (coll_el if coll_el is not None else []):
        if _local(seq.tag) == "sequencing" and seq.get("ID"):
            collection[seq.get("ID")] = seq
    tree = {"id": org.get("identifier") or "ORG", "title": _text(_child(org, "title")), "sco": None,
            "visible": True, "seq": sequencing_of(_child(org, "sequencing"), collection), "children": []}
    nodes = [tree]

    def walk(element, depth: int) -> None:
        for item in element:
            if _local(item.tag) != "item":
                continue
            node = {"id": item.get("identifier") or f"item-{len(scos)}", "title": _text(_child(item, "title")),
                    "sco": None, "visible": (item.get("isvisible") or "true").lower() != "false",
                    "seq": sequencing_of(_child(item, "sequencing"), collection), "children": []}
            nodes[-1]["children"].append(node)
            ref = item.get("identifierref")
            if ref:
                res = resources.get(ref)
                if res is None or not res["href"]:
                    raise PackageRefused(f"The item {item.get('identifier')!r} refers to a resource "
                                         f"({ref!r}) the manifest does not define with a launch file.")
                mastery = None
                for child in item:
                    if _local(child.tag) == "masteryscore" and (child.text or "").strip():
                        try:
                            mastery = float(child.text.strip())
                        except ValueError:
                            raise PackageRefused("adlcp:masteryscore is not a number.") from None
                scos.append({"identifier": item.get("identifier"), "title": _text(_child(item, "title")),
                             "href": res["href"], "parameters": item.get("parameters") or "",
                             "type": res["type"], "mastery_score": mastery, "depth": depth})
                node["sco"] = len(scos) - 1
            nodes.append(node)
            walk(item, depth + 1)
            nodes.pop()
            if node["sco"] is None and not node["children"]:
                raise PackageRefused(f"The item {item.get('identifier')!r} launches nothing and holds no item.")

    walk(org, 0)
    if not scos:
        raise PackageRefused("The manifest's organization launches nothing.")
    parsed = {"standard": standard, "version": version, "title": _text(_child(org, "title")), "scos": scos}
    if standard == "scorm2004":
        parsed["tree"] = tree  # read by courses.packages.sequencing
    return parsed


# --- SCORM 2004 sequencing (the subset courses.packages.sequencing evaluates) ---------------------

RULE_ACTIONS = {"skip", "disabled", "hiddenFromChoice", "stopForwardTraversal"}


def _flag(element, name: str, default: bool) -> bool:
    value = element.get(name) if element is not None else None
    return default if value is None else value.strip().lower() == "true"


def sequencing_of(element, collection: dict) -> dict:
    """An item's ``imsss:sequencing`` (merged over the ``sequencingCollection`` entry it names by IDRef)
    as plain data: control modes, precondition rules, objectives with their global maps, tracking and
    the rollup contribution flags. Elements outside that subset are kept out and listed as ignored."""
    seq = {"control": {"choice": True, "flow": False, "forward_only": False, "choice_exit": True},
           "pre_rules": [], "objectives": [], "tracked": True, "rollup_satisfied": True, "rollup_completion": True,
           "ignored": []}
    if element is None:
        return seq
    parts = []
    if element.get("IDRef") and element.get("IDRef") in collection:
        parts.append(collection[element.get("IDRef")])
    parts.append(element)
    for part in parts:
        for child in part:
            name = _local(child.tag)
            if name == "controlMode":
                control = seq["control"]
                control["choice"] = _flag(child, "choice", control["choice"])
                control["flow"] = _flag(child, "flow", control["flow"])
                control["forward_only"] = _flag(child, "forwardOnly", control["forward_only"])
                control["choice_exit"] = _flag(child, "choiceExit", control["choice_exit"])
            elif name == "sequencingRules":
                for rule in child:
                    if _local(rule.tag) != "preConditionRule":
                        if isinstance(rule.tag, str):
                            seq["ignored"].append(_local(rule.tag))
                        continue
                    parsed = _rule(rule)
                    if parsed is not None:
                        seq["pre_rules"].append(parsed)
            elif name == "objectives":
                for objective in child:
                    kind = _local(objective.tag)
                    if kind not in ("primaryObjective", "objective"):
                        continue
                    measure = _child(objective, "minNormalizedMeasure")
                    try:
                        minimum = float((measure.text or "").strip()) if measure is not None else 1.0
                    except ValueError:
                        raise PackageRefused("imsss:minNormalizedMeasure is not a number.") from None
                    seq["objectives"].append({
                        "id": objective.get("objectiveID") or ("" if kind == "primaryObjective" else None),
                        "primary": kind == "primaryObjective",
                        "by_measure": _flag(objective, "satisfiedByMeasure", False), "min_measure": minimum,
                        "maps": [{"target": m.get("targetObjectiveID"),
                                  "read": _flag(m, "readSatisfiedStatus", True),
                                  "write": _flag(m, "writeSatisfiedStatus", False)}
                                 for m in objective if _local(m.tag) == "mapInfo" and m.get("targetObjectiveID")]})
            elif name == "deliveryControls":
                seq["tracked"] = _flag(child, "tracked", True)
            elif name == "rollupRules":
                seq["rollup_satisfied"] = _flag(child, "rollupObjectiveSatisfied", True)
                seq["rollup_completion"] = _flag(child, "rollupProgressCompletion", True)
                if any(_local(r.tag) == "rollupRule" for r in child):
                    seq["ignored"].append("rollupRule")
            elif isinstance(child.tag, str) and name not in seq["ignored"]:
                seq["ignored"].append(name)
    return seq


def _rule(rule) -> dict | None:
    action_el = _child(rule, "ruleAction")
    action = action_el.get("action") if action_el is not None else None
    conditions_el = _child(rule, "ruleConditions")
    if action not in RULE_ACTIONS or conditions_el is None:
        return None
    return {"action": action, "combination": conditions_el.get("conditionCombination", "all"),
            "conditions": [{"condition": c.get("condition"), "objective": c.get("referencedObjective"),
                            "not": (c.get("operator") or "noOp") == "not",
                            "threshold": c.get("measureThreshold")}
                           for c in conditions_el if _local(c.tag) == "ruleCondition"]}


def _inside(href: str, members: set[str], must_exist: bool = True) -> str:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("/"):
        raise PackageRefused(f"The resource {href[:120]!r} is outside the package.")
    path = safe_member_name(parts.path)
    if must_exist and path not in members:
        raise PackageRefused(f"The resource {href[:120]!r} is not in the package.")
    return path + (f"?{parts.query}" if parts.query else "")
