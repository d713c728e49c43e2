"""The exchange clock follows every way a test moves time; the loop clock never does."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from freezegun import freeze_time

from bingx_sim.core.clock import (
    OffsetClock,
    RealTimeLoop,
    WallClock,
    freezegun_supported,
    real_monotonic,
)

FROZEN = datetime(2024, 3, 14, 12, 0, 0, tzinfo=UTC)
FROZEN_MS = int(FROZEN.timestamp() * 1000)


def test_freezegun_internals_are_where_the_clock_reads_them() -> None:
    # If this fails, a freezegun release moved its internals: the wall clock would fall
    # back to time.time() and lose the ignore-list, auto_tick and race protections.
    import freezegun.api  # noqa: F401

    assert freezegun_supported()


def test_unfrozen_wall_clock_is_real_time() -> None:
    before = time.time_ns() // 1_000_000
    now = WallClock().now_ms()
    assert before <= now <= time.time_ns() // 1_000_000


def test_follows_a_default_freeze_and_its_ticks() -> None:
    with freeze_time(FROZEN) as frozen:
        assert WallClock().now_ms() == FROZEN_MS
        frozen.tick(timedelta(minutes=61))
        assert WallClock().now_ms() == FROZEN_MS + 61 * 60_000
        frozen.move_to(FROZEN + timedelta(days=1))
        assert WallClock().now_ms() == FROZEN_MS + 86_400_000


def test_follows_a_ticking_freeze() -> None:
    with freeze_time(FROZEN, tick=True):
        first = WallClock().now_ms()
        assert FROZEN_MS <= first < FROZEN_MS + 5_000


def test_does_not_consume_auto_tick_steps() -> None:
    with freeze_time(FROZEN, auto_tick_seconds=60):
        first = time.time()
        for _ in range(5):
            WallClock().now_ms()
        assert time.time() - first == 60  # only the user's own reads advanced it


def test_ignores_tz_offset_like_time_time_does() -> None:
    with freeze_time("2012-01-14 03:21:34", tz_offset=-4):
        assert WallClock().now_ms() == int(time.time() * 1000)


def test_is_not_fooled_by_an_ignore_list_that_names_asyncio() -> None:
    async def read() -> int:
        return WallClock().now_ms()

    with freeze_time(FROZEN, ignore=["asyncio"]):
        loop = RealTimeLoop()
        try:
            assert loop.run_until_complete(read()) == FROZEN_MS
        finally:
            loop.close()


def test_follows_time_machine() -> None:
    with time_machine.travel(FROZEN, tick=False) as traveller:
        assert WallClock().now_ms() == FROZEN_MS
        traveller.shift(timedelta(minutes=61))
        assert WallClock().now_ms() == FROZEN_MS + 61 * 60_000


def test_real_time_loop_runs_on_real_monotonic_inside_a_freeze() -> None:
    real_before = real_monotonic()
    with freeze_time(FROZEN):
        loop = RealTimeLoop()
        try:
            assert abs(loop.time() - real_before) < 5
            started = real_monotonic()
            loop.run_until_complete(asyncio.sleep(0.02))
            assert 0.015 <= real_monotonic() - started < 2
        finally:
            loop.close()


def test_real_monotonic_found_when_imported_inside_a_freeze() -> None:
    code = (
        "from freezegun import freeze_time\n"
        "import time\n"
        "with freeze_time('2001-01-01'):\n"
        "    from bingx_sim.core.clock import real_monotonic\n"
        "    frozen = time.monotonic()\n"
        "    value = real_monotonic()\n"
        "assert abs(value - time.monotonic()) < 5, (value, frozen)\n"
        "assert abs(frozen - value) > 1e6\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_offset_clock_adds_to_its_base_and_only_moves_forward() -> None:
    with freeze_time(FROZEN):
        clock = OffsetClock()
        clock.advance(1500)
        assert clock.now_ms() == FROZEN_MS + 1500
        clock.reset()
        assert clock.now_ms() == FROZEN_MS
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
