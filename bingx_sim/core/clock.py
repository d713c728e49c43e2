"""The two clocks of the simulator, kept apart on purpose (``docs/design.md``, "Time").

* The **transport clock** is the real monotonic clock. It drives the event loop, the
  heartbeat and every timeout, so a frozen or jumping wall clock can never stall, bunch up
  or strand a timer.
* The **exchange clock** is the wall clock *as freezegun or time-machine present it*, plus
  an offset the simulator owns. It decides listen-key validity, so a test that ticks
  61 minutes expires a key in a millisecond.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Protocol

from bingx_clocks import freezegun_supported, real_monotonic, wall_time_ms

__all__ = [
    "ExchangeClock",
    "OffsetClock",
    "RealTimeLoop",
    "WallClock",
    "freezegun_supported",
    "real_monotonic",
]


class RealTimeLoop(asyncio.SelectorEventLoop):
    """A selector loop whose timers always run on real monotonic time.

    Overriding ``time()`` in a subclass also beats freezegun's ``real_asyncio`` class
    patch, so the loop behaves the same under every freezegun version and flag.
    """

    def time(self) -> float:
        return real_monotonic()


class ExchangeClock(Protocol):
    """What the exchange asks of a clock: the current time in epoch milliseconds."""

    def now_ms(self) -> int: ...


class WallClock:
    """The wall clock as the test sees it: frozen, ticking, travelled or real.

    When a freezegun freeze is active it reads the active factory directly. That skips
    freezegun's ignore-list stack walk (which would hand the simulator's thread *real*
    time), does not consume ``auto_tick_seconds`` steps and tolerates the race in
    freezegun's ``stop()``. Otherwise ``time.time_ns()``, which time-machine patches and
    real time answers. The reader lives in the public :mod:`bingx_clocks` because the
    client's background threads need exactly the same clock.
    """

    def now_ms(self) -> int:
        return wall_time_ms()


class OffsetClock:
    """A base clock plus an offset the simulator owns (``Simulator.advance``).

    The offset adds to whatever the base says, so it composes with freezegun and
    time-machine instead of fighting them.
    """

    def __init__(self, base: ExchangeClock | None = None) -> None:
        self.base: ExchangeClock = base if base is not None else WallClock()
        self._offset_ms = 0
        self._lock = threading.Lock()

    @property
    def offset_ms(self) -> int:
        return self._offset_ms

    def advance(self, delta_ms: int) -> None:
        if delta_ms < 0:
            raise ValueError("the simulator's clock only moves forward; got a negative delta")
        with self._lock:
            self._offset_ms += delta_ms

    def reset(self) -> None:
        with self._lock:
            self._offset_ms = 0

    def now_ms(self) -> int:
        return self.base.now_ms() + self._offset_ms
