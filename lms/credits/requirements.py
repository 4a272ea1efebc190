"""Requirement arithmetic: which credit counts toward which licence or board requirement.

Pure functions over plain values, tested without a database. A ledger line counts toward a
requirement when its date falls in the cycle (any date for a one-time requirement) and its
credit type is one the requirement accepts. A line counts once toward the total; it also
counts toward every topic minimum whose topic it covers (boards accept one course for
several mandates only through the total, never twice in it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal("0")


@dataclass(frozen=True)
class LedgerLine:
    claim_id: int
    on: date
    credit_type: str
    amount: Decimal  # net of corrections and revocations
    topics: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    total_required: Decimal
    cycle_start: date | None = None
    cycle_end: date | None = None
    credit_types: frozenset[str] = frozenset()  # empty: every type counts
    topic_minimums: dict[str, Decimal] = field(default_factory=dict)
    one_time: bool = False


@dataclass(frozen=True)
class TopicProgress:
    topic: str
    required: Decimal
    counted: Decimal

    @property
    def gap(self) -> Decimal:
        return max(ZERO, self.required - self.counted)


@dataclass(frozen=True)
class Progress:
    required: Decimal
    counted: Decimal
    topics: tuple[TopicProgress, ...]
    counted_claims: frozenset[int]
    days_left: int | None

    @property
    def gap(self) -> Decimal:
        return max(ZERO, self.required - self.counted)

    @property
    def met(self) -> bool:
        return self.gap == ZERO and all(t.gap == ZERO for t in self.topics)

    @property
    def percent(self) -> int:
        if self.required <= ZERO:
            return 100 if self.met else 0
        return int(min(Decimal(100), self.counted * 100 / self.required))


def normalise_topic(topic: str) -> str:
    return " ".join(topic.lower().split())


def covers(topic: str, line: LedgerLine) -> bool:
    """Whether the line's activity covers a requirement topic; "a | b" accepts either topic."""
    accepted = {normalise_topic(t) for t in topic.split("|")}
    return bool(accepted & {normalise_topic(t) for t in line.topics})


def counts(rule: Rule, line: LedgerLine) -> bool:
    if line.amount <= ZERO:
        return False
    if rule.credit_types and line.credit_type not in rule.credit_types:
        return False
    if rule.one_time:
        return rule.cycle_end is None or line.on <= rule.cycle_end
    if rule.cycle_start and line.on < rule.cycle_start:
        return False
    if rule.cycle_end and line.on > rule.cycle_end:
        return False
    return True


def progress(rule: Rule, lines: list[LedgerLine], today: date) -> Progress:
    counted = [line for line in lines if counts(rule, line)]
    topics = tuple(
        TopicProgress(topic, Decimal(required), sum(
            (line.amount for line in counted if covers(topic, line)), ZERO))
        for topic, required in sorted(rule.topic_minimums.items())
    )
    days_left = (rule.cycle_end - today).days if rule.cycle_end else None
    return Progress(
        required=Decimal(rule.total_required),
        counted=sum((line.amount for line in counted), ZERO),
        topics=topics,
        counted_claims=frozenset(line.claim_id for line in counted),
        days_left=days_left,
    )
