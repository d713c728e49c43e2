"""The account model's own cost (issue 29), suite ``ledger``: pure ledger calls, no I/O.

* Place, cancel and fill with many open orders: one USDT-M account (hedge mode, funded
  with 10¹² USDT) holds ``N`` resting BUY LIMITs on BTC-USDT (placed untimed, far below
  the price); then, one call timed at a time, a resting LIMIT is placed, cancelled, and
  one placed (untimed) is filled in full by ``Ledger.fill``. The p50 of each call with
  10 000 open orders against the same call with 10 open, the two accounts measured in
  alternating rounds; the ratio is taken per round (target ≤ 1.2: each operation
  O(log n) or better in the open orders).
* A price move filling 1 000 resting limits across 100 accounts: 100 accounts hold 10
  resting BUY LIMITs each (placed untimed, at ten prices just under the price); one
  ``set_price`` crosses all of them. Its time per fill against a ``set_price`` that
  fills one resting limit (one account, one order).
* The same place / cancel figures for ``SpotLedger`` (a resting spot BUY LIMIT).

    python -m bench --only ledger
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from bingx_sim.ledger import Ledger, OrderRequest
from bingx_sim.ledger.spot import SpotLedger, SpotOrderRequest

from .report import Figure, Stat

_SYMBOL = "BTC-USDT"
_QTY = Decimal("0.001")
_TARGET = 1.2


def _ns(call: Callable[[], object]) -> int:
    started = time.perf_counter_ns()
    call()
    return time.perf_counter_ns() - started


# ------------------------------------------------------------------------- USDT-M


class _Swap:
    """One ledger whose account holds ``open_orders`` resting limits."""

    def __init__(self, open_orders: int) -> None:
        self.book = Ledger(prices={_SYMBOL: "65000"})
        self.book.open_account("k", {"USDT": "1000000000000"})
        self.now = 1
        for i in range(open_orders):
            self.place(Decimal(30000 + i % 5000))

    def place(self, price: Decimal) -> int:
        self.now += 1
        order, _ = self.book.place_order(
            "k",
            OrderRequest(_SYMBOL, "BUY", "LIMIT", quantity=_QTY, price=price),
            now_ms=self.now,
        )
        return order.order_id

    def round(self) -> tuple[int, int, int]:
        """(place, cancel, fill) ns of one round."""
        self.now += 1
        placed: list[int] = []
        place = _ns(lambda: placed.append(self.place(Decimal("40000"))))
        self.now += 1
        cancel = _ns(
            lambda: self.book.cancel_order("k", _SYMBOL, order_id=placed[0], now_ms=self.now)
        )
        target = self.place(Decimal("40000"))
        self.now += 1
        fill = _ns(lambda: self.book.fill("k", target, _QTY, now_ms=self.now))
        return place, cancel, fill


def _ops(small: int, big: int, rounds: int) -> list[Figure]:
    few, many = _Swap(small), _Swap(big)
    samples: dict[str, list[tuple[int, int]]] = {"place": [], "cancel": [], "fill": []}
    for n in range(rounds):
        pair = (few.round(), many.round()) if n % 2 == 0 else (many.round(), few.round())[::-1]
        for i, name in enumerate(("place", "cancel", "fill")):
            samples[name].append((pair[0][i], pair[1][i]))
    figures = []
    block = max(1, rounds // 5)  # ratios of block medians: five of them, per-round noise off
    for name, pairs in samples.items():
        ratios = [
            statistics.median(b for _, b in pairs[i : i + block])
            / statistics.median(a for a, _ in pairs[i : i + block])
            for i in range(0, len(pairs) - block + 1, block)
        ]
        ratio = Stat.of(ratios)
        figures.append(
            Figure(
                "ledger",
                f"USDT-M {name} p50, {big} open orders",
                "µs",
                Stat.of(b / 1000 for _, b in pairs),
                f"with {small} open",
                Stat.of(a / 1000 for a, _ in pairs),
                ratio,
                f"{big} open / {small} open, median per block of {block} rounds",
                target=f"<= {_TARGET}",
                met=ratio.median <= _TARGET,
            )
        )
    return figures


def _move(accounts: int, per_account: int) -> float:
    """ns per fill of one ``set_price`` crossing ``accounts * per_account`` limits."""
    book = Ledger(prices={_SYMBOL: "65000"})
    now = 1
    for a in range(accounts):
        book.open_account(f"k{a}", {"USDT": "1000000000"})
        for i in range(per_account):
            now += 1
            book.place_order(
                f"k{a}",
                OrderRequest(_SYMBOL, "BUY", "LIMIT", quantity=_QTY, price=Decimal(64990 - 10 * i)),
                now_ms=now,
            )
    now += 1
    started = time.perf_counter_ns()
    effects = book.set_price(_SYMBOL, "60000", now_ms=now)
    spent = time.perf_counter_ns() - started
    fills = accounts * per_account
    assert len(effects) == 2 * fills, len(effects)
    return spent / fills


def _price_move(accounts: int, per_account: int, runs: int) -> Figure:
    one: list[float] = []
    many: list[float] = []
    for _ in range(runs):
        one.append(_move(1, 1) / 1000)
        many.append(_move(accounts, per_account) / 1000)
    ratio = Stat.of(m / o for m, o in zip(many, one, strict=True))
    fills = accounts * per_account
    return Figure(
        "ledger",
        f"USDT-M set_price filling {fills} limits of {accounts} accounts, per fill",
        "µs",
        Stat.of(many),
        "a set_price filling one",
        Stat.of(one),
        ratio,
        "per fill / one fill",
        target="<= 1.2",
        met=ratio.median <= 1.2,
    )


# --------------------------------------------------------------------------- spot


class _Spot:
    def __init__(self, open_orders: int) -> None:
        self.book = SpotLedger()
        self.book.open_account("k", {"USDT": "1000000000000"})
        self.symbol = "BTC-USDT"
        self.now = 1
        for _ in range(open_orders):
            self.place()

    def place(self) -> int:
        self.now += 1
        order, _ = self.book.place_order(
            "k",
            SpotOrderRequest(self.symbol, "BUY", "LIMIT", quantity=_QTY, price=Decimal("30000")),
            now_ms=self.now,
        )
        return order.order_id

    def round(self) -> tuple[int, int]:
        placed: list[int] = []
        place = _ns(lambda: placed.append(self.place()))
        self.now += 1
        cancel = _ns(
            lambda: self.book.cancel_order("k", self.symbol, order_id=placed[0], now_ms=self.now)
        )
        return place, cancel


def _spot_ops(small: int, big: int, rounds: int) -> list[Figure]:
    few, many = _Spot(small), _Spot(big)
    pairs: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for n in range(rounds):
        pairs.append(
            (few.round(), many.round()) if n % 2 == 0 else (many.round(), few.round())[::-1]
        )
    figures = []
    for i, name in enumerate(("place", "cancel")):
        a = [p[0][i] / 1000 for p in pairs]
        b = [p[1][i] / 1000 for p in pairs]
        ratio = statistics.median(b) / statistics.median(a)
        figures.append(
            Figure(
                "ledger",
                f"spot {name} p50, {big} open orders",
                "µs",
                Stat.of(b),
                f"with {small} open",
                Stat.of(a),
                Stat.of([ratio]),
                f"{big} open / {small} open (p50s)",
                target=f"<= {_TARGET}",
                met=ratio <= _TARGET,
            )
        )
    return figures


def run(quick: bool) -> list[Figure]:
    big = 1_000 if quick else 10_000
    rounds = 40 if quick else 400
    figures = _ops(10, big, rounds)
    figures.append(_price_move(20 if quick else 100, 10, 3 if quick else 9))
    figures += _spot_ops(10, big, rounds)
    return figures
