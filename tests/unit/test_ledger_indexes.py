"""The ledgers' derived indexes (issue 29): open orders per account and symbol, the
price ladders ``set_price`` bisects, and the running sums of frozen margin and pending
closing quantity, must equal a full recomputation from the orders after every step
(``Ledger.check_indexes``), including after refusals, which undo through a savepoint."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import invariant

from bingx_sim.ledger import InverseLedger, Ledger, OrderRequest, Refused, SpotLedger
from bingx_sim.ledger.spot import SpotOrderRequest

from .test_ledger_machine import LedgerMachine
from .test_ledger_spot_machine import SpotMachine

D = Decimal
BTC = "BTC-USDT"


class IndexedLedgerMachine(LedgerMachine):
    """The USDT-M machine (every invariant and the replay), plus the indexes."""

    @invariant()
    def indexes_equal_a_full_scan(self) -> None:
        self.book.check_indexes()


IndexedLedgerMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
TestIndexedLedgerMachine = IndexedLedgerMachine.TestCase


class IndexedSpotMachine(SpotMachine):
    @invariant()
    def indexes_equal_a_full_scan(self) -> None:
        self.book.check_indexes()


IndexedSpotMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestIndexedSpotMachine = IndexedSpotMachine.TestCase


def limit(side: str, price: str, qty: str = "0.01", **extra: object) -> OrderRequest:
    return OrderRequest(BTC, side, "LIMIT", quantity=D(qty), price=D(price), **extra)  # type: ignore[arg-type]


def test_a_refused_order_leaves_the_indexes_as_they_were() -> None:
    book = Ledger(prices={BTC: "60000"})
    book.open_account("k", {"USDT": "300"})
    book.place_order("k", limit("BUY", "50000"), now_ms=1)
    before = book.snapshot()
    frozen = book.frozen_margin(book.accounts["k"])
    with pytest.raises(Refused):  # its frozen margin exceeds what is left
        book.place_order("k", limit("BUY", "50000", "0.1"), now_ms=2)
    assert book.snapshot() == before
    assert book.frozen_margin(book.accounts["k"]) == frozen
    book.check_indexes()
    book.place_order("k", limit("BUY", "50000"), now_ms=3, test=True)  # rolled back
    assert book.snapshot() == before
    book.check_indexes()


def test_a_refused_leverage_change_reprices_the_orders_back() -> None:
    book = Ledger(prices={BTC: "60000"})
    book.open_account("k", {"USDT": "130"})
    book.place_order("k", limit("BUY", "50000", "0.01"), now_ms=1)  # 100 + fee at 5x
    frozen = book.frozen_margin(book.accounts["k"])
    with pytest.raises(Refused):
        book.set_leverage("k", BTC, "LONG", 3, now_ms=2)
    assert book.frozen_margin(book.accounts["k"]) == frozen
    book.check_indexes()
    book.set_leverage("k", BTC, "LONG", 7, now_ms=3)  # inexact 1/7: the sum stays exact
    book.check_indexes()
    assert book.frozen_margin(book.accounts["k"]) < frozen


def test_one_way_orders_are_repriced_when_the_position_moves() -> None:
    book = Ledger(prices={BTC: "60000"}, position_mode="oneway")
    book.open_account("k", {"USDT": "100000"})
    book.place_order("k", limit("SELL", "70000", "0.02"), now_ms=1)
    book.check_indexes()
    opened = book.frozen_margin(book.accounts["k"])
    book.place_order("k", OrderRequest(BTC, "BUY", "MARKET", quantity=D("0.01")), now_ms=2)
    book.check_indexes()  # half of the SELL now closes the long: it freezes half
    assert book.frozen_margin(book.accounts["k"]) < opened
    book.set_price(BTC, "70000", now_ms=3)
    book.check_indexes()
    assert book.frozen_margin(book.accounts["k"]) == 0


def test_a_price_move_fills_in_account_then_id_order() -> None:
    book = Ledger(prices={BTC: "60000"})
    for key in ("b", "a"):  # opened b first: b's orders fill first
        book.open_account(key, {"USDT": "100000"})
    for n, key in enumerate(("a", "b", "a", "b")):
        book.place_order(key, limit("BUY", str(59000 + 100 * n)), now_ms=1 + n)
    book.place_order("a", limit("BUY", "50000"), now_ms=9)  # not reached
    effects = book.set_price(BTC, "58000", now_ms=10)
    filled = [(k, e["o"]["i"]) for k, _, e in effects if e["e"] == "ORDER_TRADE_UPDATE"]
    assert [k for k, _ in filled] == ["b", "b", "a", "a"]
    assert [i for _, i in filled[:2]] == sorted(i for _, i in filled[:2])
    assert [o.price for o in book.open_orders("a")] == [D(50000)]
    book.check_indexes()


def test_a_stop_short_of_margin_is_cancelled_and_the_indexes_follow() -> None:
    book = Ledger(prices={BTC: "60000"})
    book.open_account("k", {"USDT": "100"})
    book.place_order(
        "k",
        OrderRequest(BTC, "BUY", "STOP_MARKET", quantity=D("0.05"), stop_price=D("61000")),
        now_ms=1,
    )
    book.place_order("k", limit("BUY", "50000", "0.009"), now_ms=2)
    book.check_indexes()
    effects = book.set_price(BTC, "61000", now_ms=3)  # fires, cannot pay: cancelled
    assert [e["o"]["X"] for _, _, e in effects] == ["CANCELED"]
    book.check_indexes()
    assert len(book.open_orders("k")) == 1


def test_coin_m_indexes() -> None:
    book = InverseLedger()
    book.open_account("k", {"BTC": "1"})
    symbol = next(iter(book.contracts))
    price = book.prices[symbol].last
    step = book.contracts[symbol].price_precision
    below = (price * D("0.9")).quantize(D(1).scaleb(-step))
    placed = [
        book.place_order(
            "k", OrderRequest(symbol, "BUY", "LIMIT", quantity=D(1), price=below), now_ms=n
        )[0]
        for n in range(1, 4)
    ]
    book.check_indexes()
    book.cancel_order("k", symbol, order_id=placed[0].order_id, now_ms=5)
    book.fill("k", placed[1].order_id, D(1), now_ms=6)
    book.check_indexes()
    book.set_price(symbol, below, now_ms=7)
    book.check_indexes()
    assert book.open_orders("k") == [] and book.frozen_margin(book.accounts["k"], "BTC") == 0


def test_spot_refusal_and_price_move() -> None:
    book = SpotLedger()
    book.open_account("k", {"USDT": "10000"})
    buy = SpotOrderRequest(BTC, "BUY", "LIMIT", quantity=D("0.001"), price=D("30000"))
    for n in range(3):
        book.place_order("k", buy, now_ms=1 + n)
    before = book.snapshot()
    with pytest.raises(Refused):
        book.place_order(
            "k",
            SpotOrderRequest(BTC, "BUY", "LIMIT", quantity=D("1"), price=D("30000")),
            now_ms=5,
        )
    assert book.snapshot() == before
    book.check_indexes()
    book.set_price(BTC, "29000", now_ms=6)
    assert book.open_orders("k") == []
    book.check_indexes()
