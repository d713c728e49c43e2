"""A Hypothesis state machine over the spot ledger: random scripts of deposits,
withdrawals, market and limit orders of every time in force, price moves, forced fills
and cancels, with the spot invariants checked after every step:

* ``free + locked`` of each asset is what the wallet started with plus deposits, less
  withdrawals, plus what it received, less what it paid, plus fees (negative), exactly;
  the last ``ACCOUNT_UPDATE`` of an asset says the same (``wb``, ``lk``);
* nothing is negative, and the locked funds are exactly the resting orders' remaining
  notional (a buy's ``remaining * price`` of the quote, a sell's remaining coin);
* every fee is in the asset received, at the pair's rate of what was received;
* a refusal changes nothing; statuses only move forward; ids never repeat.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bingx_sim.ledger import Refused, SpotLedger, SpotOrderRequest
from bingx_sim.ledger.spot import SpotFill

D = Decimal
KEYS = ("alice", "bob")
SYMBOLS = ("BTC-USDT", "ETH-USDT")
START = {"BTC-USDT": D("50000"), "ETH-USDT": D("3000")}
MOVES = (-8, -3, -1, 0, 1, 3, 8)  # percent
FORWARD = {
    "NEW": {"FILLED", "CANCELED"},
    "PENDING": {"PARTIALLY_FILLED", "FILLED", "CANCELED"},
    "PARTIALLY_FILLED": {"PARTIALLY_FILLED", "FILLED", "CANCELED"},
}


class SpotMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.book = SpotLedger(prices=START)
        for key in KEYS:
            self.book.open_account(key, {"USDT": "20000", "BTC": "0.5", "ETH": "5"})
        self.now = 1_700_000_000_000
        self.status: dict[int, str] = {}
        self.fills_seen = 0
        self.pushed: dict[tuple[str, str], dict[str, Any]] = {}

    def run(self, call: Any) -> bool:
        """Run one operation; a refusal must leave the ledger as it was."""
        self.now += 1000
        before = self.book.snapshot()
        try:
            _, effects = call(self.now)
        except Refused:
            assert self.book.snapshot() == before
            return False
        self.absorb(effects)
        return True

    def absorb(self, effects: list[tuple[str, str, dict[str, Any]]]) -> None:
        for api_key, product, event in effects:
            assert product == "spot" and api_key in KEYS
            if event["e"] == "ACCOUNT_UPDATE":
                for entry in event["a"]["B"]:
                    self.pushed[(api_key, entry["a"])] = entry
                continue
            order_id, status = event["i"], event["X"]
            previous = self.status.get(order_id)
            if previous is None:
                assert event["x"] == "NEW"
            else:
                assert status in FORWARD[previous], (previous, status)
            self.status[order_id] = status

    # -------------------------------------------------------------------------- rules

    @rule(
        key=st.sampled_from(KEYS),
        asset=st.sampled_from(("USDT", "BTC")),
        amount=st.integers(1, 3000),
    )
    def deposit(self, key: str, asset: str, amount: int) -> None:
        value = D(amount) / (1 if asset == "USDT" else 10_000)
        self.run(lambda now: self.book.deposit(key, asset, value, now_ms=now))

    @rule(key=st.sampled_from(KEYS), amount=st.integers(1, 30_000))
    def withdraw(self, key: str, amount: int) -> None:
        self.run(lambda now: self.book.withdraw(key, "USDT", D(amount), now_ms=now))

    @rule(
        key=st.sampled_from(KEYS),
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(("BUY", "SELL")),
        size=st.integers(1, 4000),
    )
    def market(self, key: str, symbol: str, side: str, size: int) -> None:
        if side == "BUY":
            request = SpotOrderRequest(symbol, side, "MARKET", quote_order_qty=D(size))
        else:
            request = SpotOrderRequest(symbol, side, "MARKET", quantity=D(size) / 10_000)
        self.run(lambda now: self.book.place_order(key, request, now_ms=now))

    @rule(
        key=st.sampled_from(KEYS),
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(("BUY", "SELL")),
        offset=st.integers(-6, 6),
        qty=st.integers(1, 3000),
        tif=st.sampled_from(("GTC", "GTC", "IOC", "FOK", "PostOnly")),
    )
    def limit(self, key: str, symbol: str, side: str, offset: int, qty: int, tif: str) -> None:
        last = self.book.prices[symbol].last
        price = (last * (100 + offset) / 100).quantize(D("0.01"))
        request = SpotOrderRequest(
            symbol, side, "LIMIT", quantity=D(qty) / 10_000, price=price, time_in_force=tif
        )
        self.run(lambda now: self.book.place_order(key, request, now_ms=now))

    @rule(symbol=st.sampled_from(SYMBOLS), move=st.sampled_from(MOVES))
    def move(self, symbol: str, move: int) -> None:
        last = self.book.prices[symbol].last
        price = (last * (100 + move) / 100).quantize(D("0.01"))
        self.now += 1000
        self.absorb(self.book.set_price(symbol, price, now_ms=self.now))

    @rule(pick=st.integers(0, 20), part=st.integers(1, 3))
    def fill(self, pick: int, part: int) -> None:
        resting = [(k, o) for k in KEYS for o in self.book.open_orders(k)]
        if not resting:
            return
        key, order = resting[pick % len(resting)]
        qty = max(D("0.0001"), (order.remaining / part).quantize(D("0.0001")))
        self.run(
            lambda now: self.book.fill(key, order.order_id, min(qty, order.remaining), now_ms=now)
        )

    @rule(pick=st.integers(0, 20))
    def cancel(self, pick: int) -> None:
        resting = [(k, o) for k in KEYS for o in self.book.open_orders(k)]
        if not resting:
            return
        key, order = resting[pick % len(resting)]
        self.run(
            lambda now: self.book.cancel_order(
                key, order.symbol, order_id=order.order_id, now_ms=now
            )
        )

    @rule(key=st.sampled_from(KEYS))
    def cancel_everything(self, key: str) -> None:
        self.run(lambda now: self.book.cancel_all(key, now_ms=now))

    # --------------------------------------------------------------------- invariants

    @invariant()
    def money_is_conserved_apart_from_fees(self) -> None:
        for key in KEYS:
            account = self.book.accounts[key]
            for asset, totals in account.totals.items():
                expected = (
                    totals.initial
                    + totals.deposits
                    - totals.withdrawals
                    + totals.received
                    - totals.paid
                    + totals.fees
                )
                assert account.total(asset) == expected
                assert account.free[asset] >= 0 and account.locked[asset] >= 0
                pushed = self.pushed.get((key, asset))
                if pushed is not None:
                    assert D(pushed["wb"]) == account.total(asset)
                    assert D(pushed["lk"]) == account.locked[asset]

    @invariant()
    def locked_funds_are_the_resting_orders_remaining_notional(self) -> None:
        for key in KEYS:
            account = self.book.accounts[key]
            expected: dict[str, Decimal] = defaultdict(Decimal)
            for order in self.book.open_orders(key):
                base, quote = order.symbol.split("-")
                if order.side == "BUY":
                    expected[quote] += order.remaining * order.price
                else:
                    expected[base] += order.remaining
                assert order.locked == (
                    order.remaining * order.price if order.side == "BUY" else order.remaining
                )
            for asset, locked in account.locked.items():
                assert locked == expected[asset], (asset, locked, expected[asset])

    @invariant()
    def fees_are_in_the_asset_received(self) -> None:
        fills: list[SpotFill] = [f for k in KEYS for f in self.book.accounts[k].fills]
        for fill in fills[self.fills_seen :]:
            base, quote = fill.symbol.split("-")
            received = fill.qty if fill.side == "BUY" else fill.quote
            assert fill.fee_asset == (base if fill.side == "BUY" else quote)
            assert fill.fee == -received * D("0.001")
        self.fills_seen = len(fills)
        ids = [f.trade_id for f in fills]
        assert len(ids) == len(set(ids))

    @invariant()
    def orders_are_filled_exactly_when_executed_in_full(self) -> None:
        for key in KEYS:
            for order in self.book.accounts[key].orders.values():
                assert order.executed_qty >= 0
                if order.order_type == "LIMIT":
                    assert (order.status == "FILLED") == (order.executed_qty == order.orig_qty)


SpotMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestSpotMachine = SpotMachine.TestCase
