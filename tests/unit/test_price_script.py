"""Scripted prices (bingx_sim.rules.price_script): a schedule on the exchange clock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bingx_sim.rules.price_script import PriceScript


def test_steps_come_due_in_time_order_ties_in_the_order_given() -> None:
    script = PriceScript()
    assert script.add("BTC-USDT", [(30, "3"), (10, "1"), (30, "4")]) == 3
    assert script.add("ETH-USDT", [(10, "2")]) == 4
    assert script.due(9) == [] and len(script) == 4
    first = script.due(10)
    assert [(s.symbol, s.mark) for s in first] == [
        ("BTC-USDT", Decimal(1)),
        ("ETH-USDT", Decimal(2)),
    ]
    assert [s.mark for s in script.due(100)] == [Decimal(3), Decimal(4)]
    assert not script


@pytest.mark.parametrize(
    ("step", "says"),
    [
        ((1.5, "1"), "epoch milliseconds"),
        ((True, "1"), "epoch milliseconds"),
        ((-1, "1"), "epoch milliseconds"),
        ((1, "x"), "decimal"),
        ((1, "0"), "positive"),
        ((1, "NaN"), "positive"),
    ],
)
def test_a_bad_step_schedules_nothing(step: tuple[object, object], says: str) -> None:
    script = PriceScript()
    with pytest.raises(ValueError, match=says):
        script.add("BTC-USDT", [(5, "1"), step])  # type: ignore[list-item]
    assert len(script) == 0


def test_clear_forgets_every_step() -> None:
    script = PriceScript()
    script.add("BTC-USDT", [(1, "1")])
    script.clear()
    assert script.due(10**15) == []


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 10**6)), max_size=30))
def test_every_step_comes_out_once_in_nondecreasing_time(steps: list[tuple[int, int]]) -> None:
    script = PriceScript()
    script.add("X", [(t, str(p)) for t, p in steps])
    out = script.due(10**6 // 2) + script.due(10**6)
    assert sorted(s.at_ms for s in out) == [s.at_ms for s in out]
    assert sorted((s.at_ms, s.mark) for s in out) == sorted((t, Decimal(p)) for t, p in steps)
