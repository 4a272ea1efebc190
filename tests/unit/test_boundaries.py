"""The package boundaries, checked from the source: the core imports no feature, features reach
each other only through their public ``signals`` modules and the activity registry, and no
module imports itself back through others (an import cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lms", "courses", "meetings")
FEATURES = ("courses", "meetings", "lms.credits", "lms.certificates", "lms.training", "lms.workspace", "lms.api",
            "lms.webhooks", "lms.sso")
# Which features a feature builds on (a DAG): credit is the ground every activity stands on;
# certificates certify credit; training assigns courses and meetings and reads their records.
# Anything the other way round is a signal (``<feature>.signals``) or the activity registry.
DEPENDS_ON = {
    "lms.credits": (),
    "lms.certificates": ("lms.credits",),
    "courses": ("lms.credits",),
    "meetings": ("lms.credits",),
    "lms.training": ("lms.credits", "lms.certificates", "courses", "meetings"),
    # Where each role lives: dashboards, the activity hub and the charts read every other feature.
    "lms.workspace": ("lms.credits", "lms.certificates", "courses", "meetings", "lms.training"),
    # The public API is an adapter over every feature's services; webhooks only listen to signals.
    "lms.api": ("lms.credits", "lms.certificates", "courses", "meetings", "lms.training"),
    "lms.webhooks": (),
    "lms.sso": (),  # single sign-on stands on the core alone (accounts, sessions, organisations)
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imports(path: Path, name: str) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, resolved to our modules."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] in PACKAGES}


def feature_of(module: str) -> str | None:
    return next((f for f in FEATURES if module == f or module.startswith(f + ".")), None)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = modules()
    # A package's ``init_app`` loads its own parts: an edge from a package to its own submodule is
    # not a cycle (its submodules import the blueprint from it).
    return {name: {m for m in imports(path, name) if m in known and m != name and not m.startswith(name + ".")}
            for name, path in known.items()}


def test_the_core_imports_no_feature(graph):
    wrong = sorted(f"{module} imports {target}" for module, targets in graph.items() if feature_of(module) is None
                   for target in targets if feature_of(target) is not None)
    assert wrong == []


def test_features_depend_only_on_what_they_build_on(graph):
    wrong = []
    for module, targets in graph.items():
        mine = feature_of(module)
        if mine is None or module.endswith(".demo"):  # demo data is sample content across features
            continue
        for target in targets:
            theirs = feature_of(target)
            if theirs and theirs != mine and theirs not in DEPENDS_ON[mine] and not target.endswith(".signals"):
                wrong.append(f"{module} imports {target}")
    assert sorted(wrong) == []


def test_no_import_cycles(graph):
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_checker_sees_a_violation(tmp_path):
    """The checker itself can fail: a core module importing a feature is caught."""
    core = tmp_path / "lms" / "orgs"
    core.mkdir(parents=True)
    (core / "bad.py").write_text("def f():\n    from courses.models import Course\n")
    assert "courses.models" in imports(core / "bad.py", "lms.orgs.bad")
    assert feature_of("courses.models") == "courses" and feature_of("lms.orgs.bad") is None
