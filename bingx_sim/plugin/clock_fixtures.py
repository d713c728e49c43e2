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

import sys
import sysconfig
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bingx_sim.runners.simulator import Simulator

__all__ = ["SettlingClock", "TravellingClock", "start_freeze", "utc_start"]


def utc_start(start: datetime | str | None) -> datetime:
    """The marker's ``now`` as an aware datetime: naive values and ISO 8601 strings
    without an offset are UTC (freezegun's reading; time-machine alone would take them as
    local time). ``ValueError`` for a string that is not ISO 8601."""
    if start is None:
        return datetime.now(UTC)
    if isinstance(start, str):
        start = datetime.fromisoformat(start)
    return start if start.tzinfo is not None else start.replace(tzinfo=UTC)


class _Settling(ABC):
    """``tick``/``move_to`` that settle the simulator; each subclass moves its library's
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

    @abstractmethod
    def _shift(self, delta: timedelta | float) -> None:
        """Move the library's clock forward by ``delta``."""

    @abstractmethod
    def _jump(self, target: datetime | str) -> None:
        """Move the library's clock to ``target``."""


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


# freezegun, entered once per test ------------------------------------------------------
#
# Almost all of what entering a freeze costs is freezegun's scan of every loaded module
# (about 4.5 ms with the 900 modules of a test process that runs the simulator): for
# each, ``dir()`` and a hash of it, to find names bound to the real ``time``/``datetime``
# functions (``from time import time``) and rebind them. Nearly every module binds
# none. freezegun remembers what it found per module (``_GLOBAL_MODULES_CACHE``), but
# still lists each module's attributes on every freeze, to check its memory is current.
#
# ``start_freeze`` answers that check itself, from freezegun's memory, for the library
# modules (the standard library, site-packages) that freezegun found binding nothing in
# this very module object: there is nothing to rebind in them. Every other module is
# scanned as freezegun scans it, and everything else is freezegun's own: what reads real
# time while frozen (its ``ignore`` list), what is restored at the end, the first freeze
# of a process (a full scan: it is what fills freezegun's memory).


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    found = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    return tuple(sorted(found))


_LIBRARY_ROOTS = _library_roots()
_QUIET: dict[str, Any] = {"key": None, "modules": {}}


def _binds_nothing(name: str, module: object, memory: dict[str, Any]) -> bool:
    """A library module that freezegun's memory says, for this module object, binds
    no real time function."""
    found = memory.get(name)
    if not (isinstance(found, tuple) and len(found) == 2 and found[1] == []):
        return False
    if not str(found[0]).startswith(f"{id(module)}-"):
        return False  # another module object of that name since (a reload)
    where = getattr(module, "__file__", None)
    if where is None:  # a built-in module, or one a test made: only the former is fixed
        return name in sys.builtin_module_names
    return str(where).startswith(_LIBRARY_ROOTS)


def _quiet_modules(memory: dict[str, Any]) -> dict[int, object]:
    """The loaded modules whose check freezegun may skip, by ``id``. Worked out again
    only when a module was loaded, or freezegun learnt of one, since the last freeze."""
    modules = sys.modules
    key = (len(modules), next(reversed(modules), None), len(memory))
    if _QUIET["key"] != key:
        quiet = {
            id(module): module
            for name, module in list(modules.items())
            if module is not None and _binds_nothing(name, module, memory)
        }
        _QUIET["key"], _QUIET["modules"] = key, quiet
    found: dict[int, object] = _QUIET["modules"]
    return found


def start_freeze(start: Any, ignore: list[str], *, full_scan: bool = False) -> tuple[Any, Any]:
    """``freezegun.freeze_time(start, ignore=ignore, real_asyncio=True)``, started:
    ``(freezer, factory)``; stop it with ``freezer.stop()``. Its scan of the loaded
    modules skips those known to bind no time function (see above), unless
    ``full_scan`` or this freezegun lacks the internals that takes (then it is
    freezegun's own ``start()``, unchanged)."""
    from freezegun import api, freeze_time

    freezer = freeze_time(start, ignore=ignore, real_asyncio=True)
    memory = getattr(api, "_GLOBAL_MODULES_CACHE", None)
    check = getattr(api, "_get_cached_module_attributes", None)
    if full_scan or not isinstance(memory, dict) or not callable(check):
        return freezer, freezer.start()
    quiet = _quiet_modules(memory)

    def remembered(module: Any) -> Any:
        if quiet.get(id(module)) is module:
            return []  # freezegun's own memory of this module: nothing to rebind
        return check(module)

    api._get_cached_module_attributes = remembered
    try:
        factory = freezer.start()
    finally:
        api._get_cached_module_attributes = check
    return freezer, factory
