"""requirements.lock pins every package, direct and transitive, with hashes, and matches requirements.txt."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        if m := _PIN.match(line.strip()):
            found[_canonical(m.group(1))] = m.group(3)
    return found


def test_every_direct_requirement_is_locked_at_its_pinned_version():
    direct, locked = pins(ROOT / "requirements.txt"), pins(ROOT / "requirements.lock")
    missing = {name: version for name, version in direct.items() if locked.get(name) != version}
    assert not missing, f"run `make lock`: requirements.lock lacks or differs for {missing}"


def test_every_locked_package_has_a_hash():
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    assert len(blocks) >= len(pins(ROOT / "requirements.txt"))
    assert all("--hash=sha256:" in block for block in blocks), [b.splitlines()[0] for b in blocks if "--hash" not in b]
