"""What the ledgers keep beside their records so that an order call does not walk every
order of the account (issue 29): open orders sorted by price, exact running sums, and
the undo record of a savepoint.

Nothing here is state of its own: every structure is derived from the records in
:mod:`bingx_sim.ledger.state` (and :mod:`bingx_sim.ledger.spot`) and kept in step with
them by the ledger at each change, so the answers and events stay exactly those of a
full scan (the unit tests compare them after every step of the state machines).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Generic, TypeVar

__all__ = ["EXACT", "Ladder", "RunningSum", "Undo", "open_ids"]

EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""Additions and subtractions in this context are exact: a running sum of amounts is the
same number however the amounts came and went."""

_TOP = 1 << 62  # above every account sequence number and order id


def open_ids(by_symbol: dict[str, set[int]], symbol: str | None) -> list[int]:
    """The open order ids of one symbol (or of all), oldest first: ids grow with time."""
    if symbol is not None:
        return sorted(by_symbol.get(symbol, ()))
    return sorted(i for each in by_symbol.values() for i in each)


class Ladder:
    """Entries ``(price, seq, order_id)`` kept sorted: the open orders of one symbol and
    one kind (resting BUYs, resting SELLs, one kind of stop), so that a price move finds
    the crossed ones by bisection. ``seq`` is the account's opening order."""

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[tuple[Decimal, int, int]] = []

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, price: Decimal, seq: int, order_id: int) -> None:
        insort(self.entries, (price, seq, order_id))

    def remove(self, price: Decimal, seq: int, order_id: int) -> None:
        key = (price, seq, order_id)
        entries = self.entries
        at = bisect_left(entries, key)
        if at < len(entries) and entries[at] == key:
            del entries[at]

    def at_or_above(self, price: Decimal) -> list[tuple[int, int]]:
        """``(seq, order_id)`` of every entry whose price is ``>= price``."""
        start = bisect_left(self.entries, (price, -1, -1))
        return [(seq, oid) for _, seq, oid in self.entries[start:]]

    def at_or_below(self, price: Decimal) -> list[tuple[int, int]]:
        """``(seq, order_id)`` of every entry whose price is ``<= price``."""
        end = bisect_right(self.entries, (price, _TOP, _TOP))
        return [(seq, oid) for _, seq, oid in self.entries[:end]]


K = TypeVar("K")


@dataclass(slots=True)
class RunningSum(Generic[K]):
    """Per-order amounts (only the non-zero ones are kept) and their exact sum per key:
    an account's frozen margin per asset, its pending closing quantity per kind."""

    parts: dict[int, tuple[K, Decimal]] = field(default_factory=dict)
    sums: dict[K, Decimal] = field(default_factory=dict)
    counts: dict[K, int] = field(default_factory=dict)

    def set(self, order_id: int, key: K, amount: Decimal) -> None:
        """Make ``order_id``'s amount ``amount`` (under ``key``; 0 drops it)."""
        old = self.parts.pop(order_id, None)
        if old is not None:
            old_key, old_amount = old
            left = self.counts[old_key] - 1
            if left:
                self.counts[old_key] = left
                self.sums[old_key] = EXACT.subtract(self.sums[old_key], old_amount)
            else:
                del self.counts[old_key]
                del self.sums[old_key]
        if amount:
            self.parts[order_id] = (key, amount)
            if key in self.counts:
                self.counts[key] += 1
                self.sums[key] = EXACT.add(self.sums[key], amount)
            else:
                self.counts[key] = 1
                self.sums[key] = amount

    def total(self, key: K) -> Decimal | None:
        """The exact sum under ``key``; ``None`` when no order has an amount there."""
        return self.sums.get(key)


@dataclass(slots=True)
class Undo(Generic[K]):
    """The orders an operation changed that existed before it began (a copy of each as
    it was, taken just before its first change); orders it created have ids from
    ``first_new`` on and are simply removed on undo."""

    first_new: int
    saved: dict[int, K] = field(default_factory=dict)
