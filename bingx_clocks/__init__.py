"""The two clocks of bingx-sim and its client, readable from any thread under any freeze.

A tiny public module with no dependencies, shared by the simulator (``bingx_sim``) and
the client (``bingx``) so that neither reaches into the other's private modules and
importing it costs nothing. ``docs/design.md`` explains why there are two clocks.

* :func:`real_monotonic` is the real monotonic clock even inside a freeze: socket
  deadlines and reconnect backoff must keep running when a test freezes time.
* :func:`wall_time_ms` is the wall clock *as the test sees it*, from any thread.
  ``time.time()`` under freezegun returns real time when ``threading`` is within five
  frames of the caller, so a background thread would silently ignore the freeze; reading
  freezegun's active factory directly avoids that, does not consume
  ``auto_tick_seconds`` steps, and survives the race in freezegun's ``stop()``.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import sys
import time
from collections.abc import Callable

__all__ = ["freezegun_supported", "real_monotonic", "wall_time_ms"]

_FACTORIES = ("FrozenDateTimeFactory", "TickingDateTimeFactory", "StepTickTimeFactory")


def _resolve_real_monotonic() -> Callable[[], float]:
    current = time.monotonic
    if getattr(current, "__module__", "time") == "time":
        return current
    real = getattr(sys.modules.get("freezegun.api"), "real_monotonic", None)
    if callable(real):
        return real  # type: ignore[no-any-return]
    raise RuntimeError("time.monotonic is patched by something other than freezegun")


class _Real:
    """freezegun rebinds module attributes that alias ``time.monotonic``, never class
    attributes, so this one stays real whenever the module was imported."""

    monotonic: Callable[[], float] = staticmethod(_resolve_real_monotonic())


def real_monotonic() -> float:
    """Real monotonic seconds, whatever freezegun or time-machine are doing."""
    return _Real.monotonic()


def freezegun_supported() -> bool:
    """True when the freezegun internals :func:`wall_time_ms` reads are present."""
    api = sys.modules.get("freezegun.api")
    if api is None:
        return False
    return isinstance(getattr(api, "freeze_factories", None), list) and all(
        hasattr(api, name) for name in _FACTORIES
    )


def _datetime_to_ms(value: _dt.datetime) -> int:
    # freezegun keeps naive UTC datetimes; timegm reads them as UTC, so tz_offset
    # (which only shifts local-time views) cannot leak in.
    return calendar.timegm(value.utctimetuple()) * 1000 + value.microsecond // 1000


def _peek(factory: object) -> _dt.datetime | None:
    """Read a freeze factory without advancing an ``auto_tick_seconds`` freeze."""
    kind = type(factory).__name__
    if kind == "StepTickTimeFactory":
        value = getattr(factory, "time_to_freeze", None)
    elif kind in _FACTORIES and callable(factory):
        value = factory()
    else:
        return None
    return value if isinstance(value, _dt.datetime) else None


def wall_time_ms() -> int:
    """Epoch milliseconds as freezegun, time-machine or the real clock say, any thread."""
    api = sys.modules.get("freezegun.api")  # only look: never import freezegun here
    factories = getattr(api, "freeze_factories", None) if api is not None else None
    for _ in range(100):
        if factories:
            try:
                factory = factories[-1]
            except IndexError:  # the freeze ended between the check and the read
                continue
            value = _peek(factory)
            if value is not None:
                return _datetime_to_ms(value)
        try:
            return time.time_ns() // 1_000_000
        except IndexError:  # freezegun's stop() raced with this read
            continue
    return time.time_ns() // 1_000_000
