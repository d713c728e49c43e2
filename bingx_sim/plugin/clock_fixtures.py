"""The clocks behind the ``bingx_clock`` (freezegun) and ``bingx_time_machine``
(time-machine) fixtures: one API, ``now``/``tick``/``move_to``, and each move returns
only once the simulator has caught up (after ``tick(timedelta(minutes=61))`` the
``listenKeyExpired`` frames are on the wire).

Two because the libraries trade differently: freezegun is pure Python and patches every
module that imported ``datetime``/``time`` names (a few ms to enter), time-machine patches
the C functions themselves (microseconds to enter, CPython only). The simulator's
exchange clock follows either. Nothing here imports either library; the fixtures do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bingx_sim.runners.simulator import Simulator

__all__ = ["SettlingClock", "TravellingClock", "utc_start"]


def utc_start(start: datetime | str | None) -> datetime:
    """The marker's ``now`` as an aware datetime: naive values and ISO 8601 strings
    without an offset are UTC (freezegun's reading; time-machine alone would take them as
    local time). ``ValueError`` for a string that is not ISO 8601."""
    if start is None:
        return datetime.now(UTC)
    if isinstance(start, str):
        start = datetime.fromisoformat(start)
    return start if start.tzinfo is not None else start.replace(tzinfo=UTC)


class _Settling:
    """``tick``/``move_to`` that settle the simulator; subclasses move their library's
    clock (``_shift``, ``_jump``)."""

    def __init__(self, sim: Simulator) -> None:
        self._sim = sim

    def now(self) -> datetime:
        """The exchange clock, as an aware UTC datetime."""
        return datetime.fromtimestamp(self._sim.now_ms() / 1000, UTC)

    def tick(self, delta: timedelta | float = timedelta(seconds=1)) -> list[str]:
        """Move the wall clock forward; return the listen keys that expired."""
        self._shift(delta)
        return self._sim.settle()

    def move_to(self, target: datetime | str) -> list[str]:
        """Jump the wall clock to ``target`` (naive: UTC); return the keys that expired."""
        self._jump(target)
        return self._sim.settle()

    def _shift(self, delta: timedelta | float) -> None:
        raise NotImplementedError

    def _jump(self, target: datetime | str) -> None:
        raise NotImplementedError


class SettlingClock(_Settling):
    """A freezegun freeze (``frozen``: freezegun's own object, the escape hatch)."""

    def __init__(self, frozen: Any, sim: Simulator) -> None:
        super().__init__(sim)
        self.frozen = frozen

    def _shift(self, delta: timedelta | float) -> None:
        self.frozen.tick(delta)

    def _jump(self, target: datetime | str) -> None:
        self.frozen.move_to(target)


class TravellingClock(_Settling):
    """A time-machine travel (``traveller``: its coordinates object, the escape hatch)."""

    def __init__(self, traveller: Any, sim: Simulator) -> None:
        super().__init__(sim)
        self.traveller = traveller

    def _shift(self, delta: timedelta | float) -> None:
        self.traveller.shift(delta)

    def _jump(self, target: datetime | str) -> None:
        self.traveller.move_to(utc_start(target))
