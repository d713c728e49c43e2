"""The listen-key rate limit (bingx_sim.rules.rate_limit): budget, lock-out, headers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bingx_sim.rules.rate_limit import RateBudget


def test_the_budget_refills_each_real_second_without_a_lockout() -> None:
    budget = RateBudget(2)
    assert [budget.check("a", t, 0).allowed for t in (0, 10, 20)] == [True, True, False]
    assert budget.check("a", 1000, 0).allowed  # the first call left the window
    assert budget.check("b", 20, 0).allowed  # per account


def test_going_over_locks_out_on_the_exchange_clock() -> None:
    budget = RateBudget(1, lockout_ms=300_000)
    assert budget.check("a", 0, 0).allowed
    over = budget.check("a", 1, 0)
    assert not over.allowed and over.reset_ms == 300_000
    assert not budget.check("a", 10_000_000, 299_999).allowed  # real time does not help
    assert budget.check("a", 10_000_000, 300_000).allowed


@given(st.lists(st.integers(0, 5_000), max_size=50).map(sorted), st.integers(1, 5))
def test_never_more_than_the_budget_in_any_real_second(times: list[int], limit: int) -> None:
    budget = RateBudget(limit)
    allowed = [t for t in times if budget.check("a", t, 0).allowed]
    for i, start in enumerate(allowed):
        assert len([t for t in allowed[i:] if t - start < 1000]) <= limit


def test_bad_budgets_are_refused() -> None:
    with pytest.raises(ValueError, match="rate limit"):
        RateBudget(0)


def test_the_error_lockout_locks_after_the_threshold_until_the_window_passes() -> None:
    from bingx_sim.rules.rate_limit import ErrorBudget

    budget = ErrorBudget(threshold=2, window_ms=1000)
    budget.record("a", 100)
    budget.record("a", 200)
    assert budget.locked_until("a", 250) is None  # two are allowed
    budget.record("a", 300)  # the third within the window locks
    assert budget.locked_until("a", 300) == 1100  # until the oldest leaves the window
    assert budget.locked_until("b", 300) is None  # per account
    assert budget.locked_until("a", 1100) is None
    budget.record("a", 5000)
    budget.record("a", 5500)
    budget.record("a", 6600)  # the first of these has left the window: not three in it
    assert budget.locked_until("a", 6600) is None
    budget.clear()
    assert budget.locked_until("a", 300) is None


def test_the_error_lockout_needs_a_threshold_and_a_window() -> None:
    from bingx_sim.rules.rate_limit import ErrorBudget

    with pytest.raises(ValueError, match="threshold"):
        ErrorBudget(threshold=0, window_ms=10)
