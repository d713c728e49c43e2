"""The two clocks of the simulator, kept apart on purpose (see TIME.md).

* The **transport clock** is the real monotonic clock. It drives the event loop, the
  heartbeat and every timeout, so a frozen or jumping wall clock can never stall, bunch up
  or strand a timer.
* The **exchange clock** is the wall clock *as freezegun or time-machine present it*, plus
  an offset the simulator owns. It decides listen-key validity, so a test that ticks
  61 minutes expires a key in a millisecond.
"""

from __future__ import annotations

import asyncio
import calendar
import datetime as _dt
import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = [
    "ExchangeClock",
    "OffsetClock",
    "RealTimeLoop",
    "WallClock",
    "freezegun_supported",
    "real_monotonic",
]

_FREEZEGUN_FACTORIES = ("FrozenDateTimeFactory", "TickingDateTimeFactory", "StepTickTimeFactory")


def _resolve_real_monotonic() -> Callable[[], float]:
    """Find the real ``time.monotonic`` even when this module is imported inside a freeze.

    freezegun swaps ``time.monotonic`` process-wide; its replacement lives in
    ``freezegun.api``, which keeps the original as ``real_monotonic``.
    """
    current = time.monotonic
    if getattr(current, "__module__", "time") == "time":
        return current
    api = sys.modules.get("freezegun.api")
    real = getattr(api, "real_monotonic", None)
    if callable(real):
        return real  # type: ignore[no-any-return]
    raise RuntimeError(
        "time.monotonic is patched by something other than freezegun; "
        "bingx_sim cannot find the real monotonic clock"
    )


class _Real:
    """Holds the real monotonic clock where freezegun's module scan cannot rebind it.

    freezegun rebinds module attributes that alias ``time.monotonic`` but never looks
    inside classes, so a class attribute stays real (TIME.md F8).
    """

    monotonic: Callable[[], float] = staticmethod(_resolve_real_monotonic())


def real_monotonic() -> float:
    """Real monotonic seconds, whatever freezegun or time-machine are doing."""
    return _Real.monotonic()


class RealTimeLoop(asyncio.SelectorEventLoop):
    """A selector loop whose timers always run on real monotonic time.

    Overriding ``time()`` in a subclass also beats freezegun's ``real_asyncio`` class
    patch, so the loop behaves the same under every freezegun version and flag.
    """

    def time(self) -> float:
        return _Real.monotonic()


class ExchangeClock(Protocol):
    """What the exchange asks of a clock: the current time in epoch milliseconds."""

    def now_ms(self) -> int: ...


def _freezegun_api() -> object | None:
    # Only look: importing freezegun here would cost every user who never freezes.
    return sys.modules.get("freezegun.api")


def freezegun_supported() -> bool:
    """True when the freezegun internals the wall clock reads are where we expect.

    A test asserts this, so a freezegun release that moves them breaks CI instead of
    silently turning the exchange clock into a stack-walking ``time.time()``.
    """
    api = _freezegun_api()
    if api is None:
        return False
    return isinstance(getattr(api, "freeze_factories", None), list) and all(
        hasattr(api, name) for name in _FREEZEGUN_FACTORIES
    )


def _datetime_to_ms(value: _dt.datetime) -> int:
    # freezegun keeps naive UTC datetimes; timegm treats them as UTC, so tz_offset
    # (which only shifts local-time views) cannot leak in (TIME.md F9).
    return calendar.timegm(value.utctimetuple()) * 1000 + value.microsecond // 1000


def _peek_factory(factory: object) -> _dt.datetime | None:
    """Read a freezegun factory without advancing an ``auto_tick_seconds`` freeze."""
    kind = type(factory).__name__
    if kind == "StepTickTimeFactory":
        value = getattr(factory, "time_to_freeze", None)
    elif kind in _FREEZEGUN_FACTORIES and callable(factory):
        value = factory()
    else:
        return None
    return value if isinstance(value, _dt.datetime) else None


class WallClock:
    """The wall clock as the test sees it: frozen, ticking, travelled or real.

    When a freezegun freeze is active it reads the active factory directly. That skips
    freezegun's ignore-list stack walk (which would hand the simulator's thread *real*
    time, TIME.md F5), does not consume ``auto_tick_seconds`` steps (F10) and tolerates
    the race in freezegun's ``stop()`` (F7). Otherwise ``time.time_ns()``, which
    time-machine patches and real time answers.
    """

    def now_ms(self) -> int:
        api = _freezegun_api()
        factories = getattr(api, "freeze_factories", None) if api is not None else None
        for _ in range(100):
            if factories:
                try:
                    factory = factories[-1]
                except IndexError:  # a freeze ended between the check and the read
                    continue
                value = _peek_factory(factory)
                if value is not None:
                    return _datetime_to_ms(value)
            try:
                return time.time_ns() // 1_000_000
            except IndexError:  # freezegun's stop() raced with this read (F7)
                continue
        return time.time_ns() // 1_000_000


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
