"""Small helpers shared by every package's forms."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice


def choices(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """``[(value, label), ...]`` as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value):
    """Field filter: surrounding white space is never meaningful in names, emails or IDs."""
    return value.strip() if isinstance(value, str) else value
