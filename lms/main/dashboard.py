"""The dashboard is made of parts that features contribute, so the core names no feature.

A feature registers ``render(user, now) -> Markup | None`` for a slot in its ``init_app``:
``top`` (full width, above everything), ``main`` (the wide column) or ``side``. Parts render
in the order the features are listed in ``FEATURES``; a part that has nothing to say returns None.

A feature may also name something missing from the user's profile that its records need
(``register_profile_check``); the checks run after the parts, so a part may read what a check asks
in the same statement as its own rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from markupsafe import Markup

SLOTS = ("top", "main", "side")
_parts: dict[str, tuple[str, Callable]] = {}
_profile_checks: dict[str, Callable[[object], bool]] = {}


def register_part(slot: str, name: str, render: Callable[[object, datetime], Markup | None]) -> None:
    if slot not in SLOTS:
        raise ValueError(f"unknown dashboard slot {slot!r}")
    _parts[name] = (slot, render)


def render_parts(user, now: datetime) -> dict[str, list[Markup]]:
    rendered: dict[str, list[Markup]] = {slot: [] for slot in SLOTS}
    for slot, render in _parts.values():
        html = render(user, now)
        if html:
            rendered[slot].append(html)
    return rendered


def register_profile_check(label: str, missing: Callable[[object], bool]) -> None:
    """``missing(user)`` is true when the profile lacks ``label`` ("a licence")."""
    _profile_checks[label] = missing


def feature_profile_gaps(user) -> list[str]:
    return [label for label, missing in _profile_checks.items() if missing(user)]
