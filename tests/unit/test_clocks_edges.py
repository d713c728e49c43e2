"""bingx_clocks where freezegun is absent, odd or racing: every path ends on a real clock
or fails loudly, never on a wrong time.

The freezegun stand-ins below replace ``sys.modules["freezegun.api"]`` for one test; any
other thread that reads the wall clock meanwhile reads real time through them too.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

import pytest

import bingx_clocks
from bingx_clocks import freezegun_supported, wall_time_ms


def _fake_freezegun(monkeypatch: pytest.MonkeyPatch, factories: Any) -> None:
    api = types.ModuleType("freezegun.api")
    api.freeze_factories = factories  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "freezegun.api", api)


def _assert_real_now(read: Callable[[], int]) -> None:
    before = time.time_ns() // 1_000_000
    value = read()
    assert before <= value <= time.time_ns() // 1_000_000


def test_importing_under_an_unknown_monotonic_patch_fails_loudly() -> None:
    code = "import time\ntime.monotonic = lambda: 0.0\nimport bingx_clocks\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "time.monotonic is patched by something other than freezegun" in done.stderr


def test_freezegun_support_needs_freezegun_and_its_factories(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "freezegun.api", raising=False)
    assert not freezegun_supported()
    _fake_freezegun(monkeypatch, None)
    assert not freezegun_supported()
    _fake_freezegun(monkeypatch, [])
    assert not freezegun_supported()  # a list, but none of the factory classes


def test_without_freezegun_the_wall_clock_is_real(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "freezegun.api", raising=False)
    _assert_real_now(wall_time_ms)


class FrozenDateTimeFactory:
    """Named like freezegun's factory, but answers something that is not a datetime."""

    def __call__(self) -> dt.date:
        return dt.date(2001, 1, 1)


class StepTickTimeFactory:
    time_to_freeze = "2001-01-01"  # not a datetime either


@pytest.mark.parametrize(
    "factory",
    [object(), FrozenDateTimeFactory(), StepTickTimeFactory(), lambda: dt.datetime(2001, 1, 1)],
    ids=["not-a-factory", "factory-of-dates", "step-factory-of-text", "unknown-callable"],
)
def test_a_freeze_it_cannot_read_falls_back_to_real_time(
    monkeypatch: pytest.MonkeyPatch, factory: object
) -> None:
    _fake_freezegun(monkeypatch, [factory])
    _assert_real_now(wall_time_ms)


def test_a_known_factory_is_read_as_utc_milliseconds(monkeypatch: pytest.MonkeyPatch) -> None:
    class TickingDateTimeFactory:
        def __call__(self) -> dt.datetime:
            return dt.datetime(2001, 1, 1, 0, 0, 1, 234_999)

    _fake_freezegun(monkeypatch, [TickingDateTimeFactory()])
    assert wall_time_ms() == 978_307_201_234


def test_a_freeze_that_ends_while_it_is_read_gives_real_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reader = threading.get_ident()

    class EndsWhenRead(list[object]):
        """freezegun's stack, emptied by ``stop()`` between the check and the read."""

        def __getitem__(self, index: Any) -> Any:
            if threading.get_ident() == reader:
                self.clear()
                raise IndexError("list index out of range")
            return super().__getitem__(index)

    factories = EndsWhenRead([object()])
    _fake_freezegun(monkeypatch, factories)
    _assert_real_now(wall_time_ms)
    assert factories == []


class _RacingTime:
    """``time`` whose ``time_ns`` raises IndexError (freezegun's ``stop()`` race) for
    the first ``failures`` reads of the test's thread."""

    def __init__(self, failures: int) -> None:
        self.failures, self.reads = failures, 0
        self.reader = threading.get_ident()

    def time_ns(self) -> int:
        if threading.get_ident() == self.reader:
            self.reads += 1
            if self.reads <= self.failures:
                raise IndexError("list index out of range")
        return time.time_ns()


@pytest.mark.parametrize(("failures", "reads"), [(1, 2), (100, 101)])
def test_a_racing_stop_is_read_again(
    monkeypatch: pytest.MonkeyPatch, failures: int, reads: int
) -> None:
    # After 100 lost races the last read is made outside the guard.
    monkeypatch.delitem(sys.modules, "freezegun.api", raising=False)
    racing = _RacingTime(failures)
    monkeypatch.setattr(bingx_clocks, "time", racing)
    _assert_real_now(wall_time_ms)
    assert racing.reads == reads
