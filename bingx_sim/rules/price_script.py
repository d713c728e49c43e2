"""Scripted prices: mark prices scheduled on the exchange clock.

Pure: the schedule is data, and :meth:`PriceScript.due` takes the exchange time. A step
applies once the exchange clock reaches it, whichever way the clock got there (a
freezegun tick, ``Simulator.advance``, real time), so a test scripts a path once and
moves the clock.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["PriceScript", "PriceStep"]


@dataclass(frozen=True, order=True, slots=True)
class PriceStep:
    """``symbol``'s mark becomes ``mark`` at ``at_ms`` (epoch ms, exchange clock)."""

    at_ms: int
    seq: int
    symbol: str = field(compare=False)
    mark: Decimal = field(compare=False)


class PriceScript:
    """The scheduled steps of every symbol, in time order (ties: in the order given)."""

    def __init__(self) -> None:
        self._steps: list[PriceStep] = []
        self._seq = itertools.count()

    def __bool__(self) -> bool:
        return bool(self._steps)

    def __len__(self) -> int:
        return len(self._steps)

    def add(self, symbol: str, steps: Iterable[tuple[int, str | Decimal]]) -> int:
        """Schedule ``(at_ms, mark)`` steps; all are checked before any is kept
        (``ValueError`` for a time that is not an integer or a price that is not a
        positive decimal). How many steps are scheduled now, in all."""
        checked = []
        for at_ms, mark in steps:
            if isinstance(at_ms, bool) or not isinstance(at_ms, int) or at_ms < 0:
                raise ValueError(f"a step's time is epoch milliseconds, not {at_ms!r}")
            try:
                price = Decimal(str(mark))
            except ArithmeticError:
                raise ValueError(f"a step's price is a decimal, not {mark!r}") from None
            if not price.is_finite() or price <= 0:
                raise ValueError(f"a step's price is positive, not {mark!r}")
            checked.append(PriceStep(at_ms, next(self._seq), symbol, price))
        for step in checked:
            heapq.heappush(self._steps, step)
        return len(self._steps)

    def due(self, now_ms: int) -> list[PriceStep]:
        """Take the steps due at ``now_ms``, oldest first."""
        taken = []
        while self._steps and self._steps[0].at_ms <= now_ms:
            taken.append(heapq.heappop(self._steps))
        return taken

    def clear(self) -> None:
        self._steps.clear()
