"""The dashboard is made of parts that features contribute, so the core names no feature.

A feature registers ``render(user, now) -> Markup | None`` for a slot in its ``init_app``:
``top`` (full width, above everything), ``main`` (the wide column) or ``side``. Parts render
in the order the features are listed in ``FEATURES``; a part that has nothing to say returns None.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from markupsafe import Markup

SLOTS = ("top", "main", "side")
_parts: dict[str, tuple[str, Callable]] = {}


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
