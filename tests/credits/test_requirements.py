"""Requirement arithmetic, with no database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.credits.requirements import LedgerLine, Rule, progress

D = Decimal
TODAY = date(2026, 11, 27)


def line(i, on, amount, type_="ama_pra_1", topics=()):
    return LedgerLine(i, on, type_, D(amount), frozenset(topics))


def test_cycle_types_and_topics():
    rule = Rule(total_required=D(50), cycle_start=date(2025, 1, 1), cycle_end=date(2026, 12, 31),
                credit_types=frozenset({"ama_pra_1"}), topic_minimums={"pain management/opioids": D(2)})
    lines = [
        line(1, date(2025, 3, 1), "1.5", topics=["Pain management/opioids"]),
        line(2, date(2024, 12, 31), "10"),                       # before the cycle
        line(3, date(2026, 6, 1), "20", type_="ancc"),            # another type
        line(4, date(2026, 7, 1), "0.75", topics=["pain  management/opioids", "implicit bias"]),
        line(5, date(2027, 1, 1), "5"),                           # after the cycle
    ]
    p = progress(rule, lines, TODAY)
    assert p.counted == D("2.25") and p.gap == D("47.75") and p.counted_claims == {1, 4}
    (topic,) = p.topics
    assert topic.counted == D("2.25") and topic.gap == 0
    assert p.days_left == 34 and not p.met


def test_one_time_requirement_counts_any_earlier_date():
    rule = Rule(total_required=D(8), one_time=True, topic_minimums={"substance use disorder": D(8)})
    p = progress(rule, [line(1, date(2019, 5, 1), "8", topics=["substance use disorder"])], TODAY)
    assert p.met and p.days_left is None


def test_met_needs_every_topic():
    rule = Rule(total_required=D(2), topic_minimums={"implicit bias": D(1)})
    assert not progress(rule, [line(1, TODAY, "5")], TODAY).met


def test_revoked_lines_do_not_count():
    rule = Rule(total_required=D(1))
    assert progress(rule, [line(1, TODAY, "0")], TODAY).counted == 0


amounts = st.decimals(min_value=D("0"), max_value=D("40"), places=2)
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
types = st.sampled_from(["ama_pra_1", "ama_pra_2", "ancc", "abim_moc"])
topic_sets = st.frozensets(st.sampled_from(["pain management/opioids", "implicit bias", "hipaa"]), max_size=3)
ledgers = st.lists(st.builds(LedgerLine, claim_id=st.integers(1, 10_000), on=dates, credit_type=types,
                             amount=amounts, topics=topic_sets), max_size=30, unique_by=lambda l: l.claim_id)
rules = st.builds(
    Rule, total_required=amounts, cycle_start=st.none() | dates,
    cycle_end=st.none() | dates, credit_types=st.frozensets(types, max_size=2),
    topic_minimums=st.dictionaries(st.sampled_from(["pain management/opioids", "implicit bias"]), amounts, max_size=2),
    one_time=st.booleans())


@pytest.mark.slow  # seconds of work: left out of `make quick`
@settings(max_examples=300, deadline=None)
@given(rules, ledgers)
def test_totals_never_exceed_the_ledger(rule, lines):
    p = progress(rule, lines, TODAY)
    ledger_total = sum((l.amount for l in lines), D(0))
    assert p.counted <= ledger_total
    assert all(t.counted <= p.counted for t in p.topics)
    assert p.gap >= 0 and (p.gap == 0) == (p.counted >= p.required)


@settings(max_examples=300, deadline=None)
@given(rules, ledgers, st.data())
def test_revoking_an_entry_lowers_exactly_the_totals_it_counted_in(rule, lines, data):
    if not lines:
        return
    victim = data.draw(st.sampled_from(lines))
    before = progress(rule, lines, TODAY)
    revoked = [LedgerLine(l.claim_id, l.on, l.credit_type, D(0), l.topics) if l is victim else l for l in lines]
    after = progress(rule, revoked, TODAY)
    counted = victim.claim_id in before.counted_claims
    assert before.counted - after.counted == (victim.amount if counted else 0)
    for t_before, t_after in zip(before.topics, after.topics):
        covers = t_before.topic in victim.topics and counted
        assert t_before.counted - t_after.counted == (victim.amount if covers else 0)


def test_a_line_in_the_cycle_counts_at_its_boundaries():
    rule = Rule(total_required=D(1), cycle_start=TODAY, cycle_end=TODAY + timedelta(days=1))
    assert progress(rule, [line(1, TODAY, "1"), line(2, TODAY + timedelta(days=1), "1")], TODAY).counted == 2


def test_a_topic_with_alternatives_accepts_either():
    rule = Rule(total_required=D(0), topic_minimums={"pain management/opioids | end-of-life care": D(12)})
    p = progress(rule, [line(1, TODAY, "3", topics=["end-of-life care"]), line(2, TODAY, "4", topics=["hipaa"])], TODAY)
    assert p.topics[0].counted == D(3)


def test_templates_use_the_shared_topic_vocabulary():
    from lms.credits.requirement_templates import TEMPLATES
    from lms.topics import TOPICS

    for template in TEMPLATES:
        for topic in template.topic_minimums:
            assert {t.strip() for t in topic.split("|")} <= set(TOPICS), (template.code, topic)
        assert template.source
