"""Chart geometry as plain data, drawn by the SVG macros in ``templates/workspace/_charts.html``.

Values are exact (2.5 of 50 is a 5% bar, never rounded down to an empty one); each chart also
carries a sentence and a table, so nothing is said by colour or shape alone."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Drawing area of a bar chart, in SVG user units (the SVG scales to its container).
# Each row: its label on a line of its own (long titles and phones), then the bar and its value.
LABEL_WIDTH = 0
BAR_WIDTH = 320
ROW_HEIGHT = 40
MIN_VISIBLE = 2  # a non-zero value never draws as an empty bar


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int | float
    maximum: Decimal | int | float
    text: str  # the value as shown beside the bar ("80%", "2.5 of 50")
    width: float  # in SVG units
    y: int
    tone: str = "ok"  # ok, warn, bad: also spelled out in ``text``


def _width(value, maximum) -> float:
    if not maximum or not value or value <= 0:
        return 0.0
    share = min(Decimal(str(value)) / Decimal(str(maximum)), Decimal(1))
    return max(float(share) * BAR_WIDTH, MIN_VISIBLE)


def bars(rows, *, maximum=None) -> list[Bar]:
    """``rows`` are (label, value, maximum or None, text, tone); the maximum defaults to ``maximum``."""
    return [Bar(label, value, row_max or maximum, text, _width(value, row_max or maximum), i * ROW_HEIGHT, tone)
            for i, (label, value, row_max, text, tone) in enumerate(rows)]


def percent_tone(pct: int | None) -> str:
    if pct is None:
        return "none"
    return "ok" if pct >= 90 else "warn" if pct >= 60 else "bad"


def percent_bars(rows: list[tuple[str, int | None]]) -> list[Bar]:
    """Compliance-style bars: (label, percent or None when nobody is in scope)."""
    return bars([(label, pct or 0, 100, "no one assigned" if pct is None else f"{pct}%", percent_tone(pct))
                 for label, pct in rows])


def percent_summary(rows: list[tuple[str, int | None]], noun: str = "compliant") -> str:
    """The chart as one sentence, for its text alternative."""
    return "; ".join(f"{label}: {'no one assigned' if pct is None else f'{pct}% {noun}'}" for label, pct in rows) + "."


LIKERT_LABELS = ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree")


@dataclass(frozen=True)
class Segment:
    score: int
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class LikertRow:
    label: str
    counts: tuple[int, ...]  # answers scoring 1..5
    total: int
    mean: float | None
    segments: tuple[Segment, ...]
    y: int


def likert_rows(items: list[tuple[str, dict[int, int]]]) -> list[LikertRow]:
    """Stacked bars of 1-5 answers per question, each segment as wide as its share of the answers."""
    rows = []
    for i, (label, by_score) in enumerate(items):
        counts = tuple(int(by_score.get(s, 0)) for s in range(1, 6))
        total = sum(counts)
        x, segments = 0.0, []
        for score, count in enumerate(counts, start=1):
            width = BAR_WIDTH * count / total if total else 0.0
            if count:
                segments.append(Segment(score, count, x, width))
            x += width
        mean = sum(s * c for s, c in enumerate(counts, start=1)) / total if total else None
        rows.append(LikertRow(label, counts, total, mean, tuple(segments), i * (ROW_HEIGHT + 6)))
    return rows


def chart_height(rows) -> int:
    return max(len(rows), 1) * (ROW_HEIGHT + 6) + 10


def credit_type_label(code: str) -> str:
    """A credit type's name for a page ("ABIM MOC points", never "abim_moc"): one query per request."""
    from flask import g
    from sqlalchemy import select

    from lms.credits.models import CreditType
    from lms.extensions import db

    names = g.get("_credit_type_names")
    if names is None:
        names = g._credit_type_names = dict(db.session.execute(select(CreditType.code, CreditType.name)).all())
    return names.get(code, code.replace("_", " "))


def profession_label(code: str) -> str:
    from lms.users.models import PROFESSIONS

    return PROFESSIONS.get(code, code.replace("_", " "))


def template_helpers() -> dict:
    return {"credit_type_label": credit_type_label, "profession_label": profession_label, "chart_bars": bars, "percent_bars": percent_bars, "percent_summary": percent_summary, "likert_rows": likert_rows,
            "chart_height": chart_height, "LIKERT_LABELS": LIKERT_LABELS,
            "CHART": {"label": LABEL_WIDTH, "bar": BAR_WIDTH, "row": ROW_HEIGHT}}
