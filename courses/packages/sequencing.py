"""A small SCORM 2004 sequencing evaluator: flow, choice and the pre-test that skips content.

It works over the activity tree ``manifest.parse_scorm`` keeps in ``structure["tree"]`` and the
learner's SCO attempts (``Run``: completion, success, score and ``cmi.objectives`` statuses), and
answers what the player needs: which SCO to start on, where ``continue``/``previous`` lead, whether a
``choice`` is allowed, the table of contents, and the course's own rolled-up outcome. It is
recomputed from the stored attempts on every request, so nothing here is persisted.

**Supported** (IMS Simple Sequencing as SCORM 2004 4th edition uses it):

- ``controlMode`` ``choice``, ``flow`` and ``forwardOnly`` (defaults true, false, false). ``continue``
  walks the leaves in tree order; it needs ``flow`` on the clusters it leaves and enters (and on
  their common parent); ``previous`` the same backwards, refused under ``forwardOnly``.
- ``preConditionRule`` with the actions ``skip`` (flow passes over the activity and all it holds),
  ``disabled`` (it cannot be delivered: flow stops there, choice refuses it), ``hiddenFromChoice``
  (left out of the table of contents and refused as a choice) and ``stopForwardTraversal`` (flow
  does not go past it); conditions ``satisfied``, ``objectiveStatusKnown``, ``completed``,
  ``activityProgressKnown``, ``attempted``, ``always``, ``objectiveMeasureKnown``,
  ``objectiveMeasureGreaterThan``/``LessThan``, each with ``operator="not"`` and combined ``all``/``any``,
  on the primary objective or the ``referencedObjective``.
- Objectives (primary and others) with ``mapInfo``: a known local status is written to the global
  objective when ``writeSatisfiedStatus``; an objective with no local status reads the global's when
  ``readSatisfiedStatus`` (the SCO's own report wins over the global it reads). Globals are scoped
  to the learner's enrolment round in this course (``objectivesGlobalToSystem`` is not honoured
  across courses). ``satisfiedByMeasure`` with ``minNormalizedMeasure`` on the primary objective.
- Rollup by the default rules: a cluster (and the course) is satisfied when every contributing
  child is satisfied, not satisfied when any is not; completed when every contributing child is
  completed or skipped by a rule. ``deliveryControls tracked="false"`` and ``rollupRules``'s
  ``rollupObjectiveSatisfied``/``rollupProgressCompletion="false"`` take a child out of that.
  A cluster whose primary objective reads a known global takes that status.
- Navigation requests from the SCO (``adl.nav.request``): ``continue``, ``previous``,
  ``{target=ID}choice``, ``exit``, ``exitAll``, ``suspendAll`` (the last three return to the lesson;
  the attempt keeps its suspend data).

**Not supported** (parsed and ignored; ``structure["tree"]`` lists them per item under ``ignored``):
``rollupRule`` elements (custom rollup rules) and ``rollupConsiderations``; post-condition and
exit-condition rules (``retry``, ``exitParent``, …); limit conditions (attempt limits, time
limits); ``randomizationControls`` and ``selectionControls``; ``constrainedChoiceConsiderations``
and ``choiceExit``; ``jump`` requests; the measure rollup (``objectiveMeasureWeight``); conditions on
attempt counts or time (``attemptLimitExceeded``, ``timeLimitExceeded``, ``outsideAvailableTimeRange``
are always false); ``adlnav:presentation`` hiding of the LMS's own buttons; cross-course globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Run:
    """What one SCO's latest attempt reported."""

    completion: str = "unknown"  # completed | incomplete | not attempted | unknown
    success: str = "unknown"  # passed | failed | unknown
    score: float | None = None
    objectives: dict = field(default_factory=dict)  # cmi.objectives id -> success_status
    attempted: bool = True


def run_from_cmi(completion: str, success: str, score: float | None, cmi: dict) -> Run:
    objectives = {}
    items = (cmi or {}).get("objectives") or {}
    if isinstance(items, dict):
        items = items.get("childArray", [items[k] for k in sorted((k for k in items if str(k).isdigit()), key=int)])
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("id"):
            objectives[str(item["id"])] = str(item.get("success_status") or "unknown")
    return Run(completion=completion, success=success, score=score, objectives=objectives)


def _status(value: str | None) -> bool | None:
    return {"passed": True, "failed": False}.get(value or "")


class Activity:
    def __init__(self, node: dict, parent: "Activity | None"):
        self.id, self.title, self.sco = node["id"], node.get("title") or node["id"], node.get("sco")
        self.visible = node.get("visible", True)
        self.parent = parent
        seq = node.get("seq") or {}
        self.control = {"choice": True, "flow": False, "forward_only": False, **seq.get("control", {})}
        self.rules = seq.get("pre_rules", [])
        self.objectives = seq.get("objectives", [])
        self.tracked = seq.get("tracked", True)
        self.rollup_satisfied = seq.get("rollup_satisfied", True)
        self.rollup_completion = seq.get("rollup_completion", True)
        self.children = [Activity(child, self) for child in node.get("children", [])]

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def ancestors(self) -> list["Activity"]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def default_tree(structure: dict) -> dict:
    """A package parsed before the tree was kept (or SCORM 1.2): its SCOs flat, choice only."""
    return {"id": "ORG", "title": structure.get("title", ""), "sco": None, "seq": {}, "children": [
        {"id": f"SCO-{i}", "title": sco.get("title") or f"Unit {i + 1}", "sco": i, "seq": {}, "children": []}
        for i, sco in enumerate(structure.get("scos", []))]}


class Sequencer:
    """The tree with the learner's runs (``runs``: SCO index -> Run) applied."""

    def __init__(self, structure: dict, runs: dict[int, Run]):
        self.structure = structure
        self.root = Activity(structure.get("tree") or default_tree(structure), None)
        self.runs = runs
        self.by_id = {a.id: a for a in self.root.walk()}
        self.leaves = [a for a in self.root.walk() if a.is_leaf and a is not self.root]
        scos = structure.get("scos", [])
        for leaf in self.leaves:  # assets report nothing: they count for neither completion nor success
            if leaf.sco is None or leaf.sco >= len(scos) or scos[leaf.sco].get("type") != "sco":
                leaf.tracked = False
        self.globals = self._globals()
        self._memo: dict = {}

    # --- tracking status -----------------------------------------------------------------------

    def _run(self, activity: Activity) -> Run | None:
        return self.runs.get(activity.sco) if activity.sco is not None else None

    def _local(self, activity: Activity, objective: dict) -> bool | None:
        run = self._run(activity)
        if run is None:
            return None
        if objective["primary"]:
            if objective.get("by_measure") and run.score is not None:
                return run.score >= objective.get("min_measure", 1.0)
            return _status(run.success)
        return _status(run.objectives.get(objective.get("id") or ""))

    def _globals(self) -> dict:
        values: dict = {}
        for activity in self.leaves:
            for objective in activity.objectives:
                local = self._local(activity, objective)
                for mapping in objective.get("maps", []):
                    if mapping.get("write") and local is not None:
                        values[mapping["target"]] = local
        return values

    def objective_status(self, activity: Activity, objective_id: str | None = None) -> bool | None:
        """Satisfied (True), not satisfied (False) or unknown (None) for an objective of an activity."""
        objective = next((o for o in activity.objectives if (objective_id and o.get("id") == objective_id)
                          or (not objective_id and o["primary"])), None)
        local = self._local(activity, objective) if objective is not None and activity.is_leaf else None
        if local is None and objective is None and not objective_id and activity.is_leaf:
            run = self._run(activity)
            local = _status(run.success) if run else None
        if local is None and objective is not None:
            for mapping in objective.get("maps", []):
                if mapping.get("read") and mapping["target"] in self.globals:
                    return self.globals[mapping["target"]]
        if local is None and not activity.is_leaf and (objective is None or objective["primary"]):
            return self._rolled_satisfied(activity)
        return local

    def satisfied(self, activity: Activity) -> bool | None:
        return self.objective_status(activity)

    def _rolled_satisfied(self, activity: Activity) -> bool | None:
        values = [self.satisfied(c) for c in activity.children if c.tracked and c.rollup_satisfied]
        if not values:
            return None
        if any(v is False for v in values):
            return False
        return True if all(v is True for v in values) else None

    def completed(self, activity: Activity) -> bool | None:
        if activity.is_leaf:
            run = self._run(activity)
            if run is None:
                return None
            return {"completed": True, "incomplete": False}.get(run.completion)
        counted = [c for c in activity.children if c.tracked and c.rollup_completion]
        if not counted:
            return None
        values = [True if self._own_action(c, "skip") else self.completed(c) for c in counted]
        if all(v is True for v in values):
            return True
        return False if any(v is not None for v in values) or self.attempted(activity) else None

    def attempted(self, activity: Activity) -> bool:
        return any(self._run(a) is not None for a in activity.walk())

    def _measure(self, activity: Activity) -> float | None:
        run = self._run(activity)
        return run.score if run is not None else None

    # --- rules ---------------------------------------------------------------------------------

    def _condition(self, activity: Activity, condition: dict) -> bool:
        name = condition.get("condition")
        ref = condition.get("objective")
        if name == "satisfied":
            value = self.objective_status(activity, ref) is True
        elif name == "objectiveStatusKnown":
            value = self.objective_status(activity, ref) is not None
        elif name == "completed":
            value = self.completed(activity) is True
        elif name == "activityProgressKnown":
            value = self.completed(activity) is not None
        elif name == "attempted":
            value = self.attempted(activity)
        elif name == "always":
            value = True
        elif name in ("objectiveMeasureKnown", "objectiveMeasureGreaterThan", "objectiveMeasureLessThan"):
            measure = self._measure(activity)
            try:
                threshold = float(condition.get("threshold") or 0)
            except ValueError:
                threshold = 0.0
            value = measure is not None and (name == "objectiveMeasureKnown" or
                                             (measure > threshold if name.endswith("GreaterThan")
                                              else measure < threshold))
        else:
            value = False  # limit and time conditions are not supported
        return not value if condition.get("not") else value

    def _own_action(self, activity: Activity, action: str) -> bool:
        key = (activity.id, action)
        if key not in self._memo:
            self._memo[key] = False
            for rule in activity.rules:
                if rule["action"] != action or not rule["conditions"]:
                    continue
                results = [self._condition(activity, c) for c in rule["conditions"]]
                if any(results) if rule.get("combination") == "any" else all(results):
                    self._memo[key] = True
                    break
        return self._memo[key]

    def has_action(self, activity: Activity, action: str) -> bool:
        """The action applies to the activity or to a cluster holding it."""
        return any(self._own_action(a, action) for a in [activity, *activity.ancestors()])

    # --- navigation ----------------------------------------------------------------------------

    def leaf_for(self, sco_index: int) -> Activity | None:
        return next((a for a in self.leaves if a.sco == sco_index), None)

    def _flow_path_ok(self, source: Activity, target: Activity) -> bool:
        up = [source, *source.ancestors()]
        common = next(a for a in [target, *target.ancestors()] if a in up)
        if not common.control["flow"]:
            return False
        between = [a for a in source.ancestors() if a is not common and common in a.ancestors()] + \
                  [a for a in target.ancestors() if a is not common and common in a.ancestors()]
        return all(a.control["flow"] for a in between)

    def _flow(self, current: Activity | None, step: int) -> tuple[Activity | None, str]:
        """The next deliverable leaf in ``step`` direction, or None and why."""
        if current is not None and step < 0 and any(a.control["forward_only"] for a in current.ancestors()):
            return None, "forward-only"
        order = self.leaves if step > 0 else list(reversed(self.leaves))
        start = order.index(current) + 1 if current is not None else 0
        if current is not None and step > 0 and self.has_action(current, "stopForwardTraversal"):
            return None, "stopped"
        for candidate in order[start:]:
            if current is not None and not self._flow_path_ok(current, candidate):
                return None, "no-flow"
            if current is None and not all(a.control["flow"] for a in candidate.ancestors()):
                return None, "no-flow"
            if self.has_action(candidate, "skip"):
                continue
            if self.has_action(candidate, "disabled"):
                return None, "disabled"
            if candidate.sco is None:
                continue
            return candidate, ""
        return None, "end"

    def next(self, current: Activity) -> tuple[Activity | None, str]:
        return self._flow(current, 1)

    def previous(self, current: Activity) -> tuple[Activity | None, str]:
        return self._flow(current, -1)

    def can_continue(self, current: Activity) -> bool:
        return current.parent is not None and current.parent.control["flow"]

    def can_choose(self, target: Activity) -> bool:
        """A choice of this leaf: every cluster holding it allows choice, and no rule hides or disables it."""
        if not target.is_leaf or target.sco is None or target is self.root:
            return False
        if not target.visible or not all(a.control["choice"] for a in target.ancestors()):
            return False
        return not (self.has_action(target, "hiddenFromChoice") or self.has_action(target, "disabled"))

    def start(self) -> Activity | None:
        """Where a fresh start lands: the first leaf by flow, else the first the learner may choose."""
        first, _why = self._flow(None, 1)
        if first is not None:
            return first
        return next((a for a in self.leaves if self.can_choose(a)), None)

    def toc(self, current: Activity | None) -> list[dict]:
        """The table of contents: every visible activity not hidden from choice, with depth and state."""
        entries = []

        def add(activity: Activity, depth: int) -> None:
            if not activity.visible or self.has_action(activity, "hiddenFromChoice"):
                return
            entries.append({"id": activity.id, "title": activity.title, "depth": depth, "leaf": activity.is_leaf,
                            "choosable": self.can_choose(activity), "current": activity is current,
                            "completed": self.completed(activity) is True, "satisfied": self.satisfied(activity),
                            "skipped": self.has_action(activity, "skip")})
            for child in activity.children:
                add(child, depth + 1)

        for child in self.root.children:
            add(child, 0)
        return entries

    def shows_toc(self) -> bool:
        return len(self.leaves) > 1 and any(self.can_choose(a) for a in self.leaves)

    def outcome(self) -> tuple[bool | None, bool | None]:
        """The course activity's (completed, satisfied) by the rollup above."""
        return self.completed(self.root), self.satisfied(self.root)

    def is_done(self) -> bool:
        """Continuum's rule: the package completes its lesson when the course activity is completed and
        not failed, or is satisfied (a pre-test that skipped the content satisfies it)."""
        completed, satisfied = self.outcome()
        return satisfied is True or (completed is True and satisfied is not False)
