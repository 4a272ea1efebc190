"""Chart geometry is exact: a small value is a small bar, never an empty one, and never over full."""

from __future__ import annotations

from decimal import Decimal

from lms.workspace import charts


def test_two_and_a_half_of_fifty_is_a_five_percent_bar():
    [bar] = charts.bars([("California", Decimal("2.5"), Decimal("50"), "2.5 of 50", "ok")])
    assert bar.width == charts.BAR_WIDTH * 0.05
    assert bar.text == "2.5 of 50"


def test_a_tiny_value_stays_visible_and_zero_stays_empty():
    tiny, zero, none = charts.bars([("a", Decimal("0.25"), Decimal("1000"), "", "ok"), ("b", 0, 50, "", "ok"),
                                    ("c", 3, 0, "", "ok")])
    assert tiny.width == charts.MIN_VISIBLE
    assert zero.width == 0 and none.width == 0


def test_more_than_the_maximum_is_a_full_bar_not_a_longer_one():
    [bar] = charts.bars([("over", 80, 50, "80 of 50", "ok")])
    assert bar.width == charts.BAR_WIDTH


def test_percent_bars_say_their_value_and_tone_in_words():
    bars = charts.percent_bars([("HIPAA", 14), ("OSHA", 95), ("Fire", None)])
    assert [b.text for b in bars] == ["14%", "95%", "no one assigned"]
    assert [b.tone for b in bars] == ["bad", "ok", "none"]
    assert charts.percent_summary([("HIPAA", 14), ("Fire", None)]) == "HIPAA: 14% compliant; Fire: no one assigned."


def test_likert_segments_fill_the_bar_in_order_and_the_mean_is_exact():
    [row, empty] = charts.likert_rows([("Met objectives", {5: 3, 4: 1}), ("Bias", {})])
    assert row.counts == (0, 0, 0, 1, 3) and row.total == 4 and row.mean == 4.75
    assert [s.score for s in row.segments] == [4, 5]
    assert abs(sum(s.width for s in row.segments) - charts.BAR_WIDTH) < 1e-9
    assert row.segments[1].x == row.segments[0].width
    assert empty.total == 0 and empty.mean is None and empty.segments == ()
