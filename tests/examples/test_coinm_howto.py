"""How-to: a coin-M (inverse) bot on the simulator, told top to bottom.

Coin-M perpetuals (``BTC-USD``) are a wallet of their own, margined and settled in the
coin: fund it in BTC with ``product="coinm"`` and price the contract with
``product="coinm"``. Quantities are contracts of a fixed USD size (100 USD on BTC-USD,
the contract list's ``minTickSize``), so a position's value in BTC moves with
``1/price``: ``unrealized = contracts * size * (1/entry - 1/mark)`` BTC.

The bot trades over signed REST (``/openApi/cswap/v1``) and reads the coin-M account
stream with our client: no subscription needed there, as on USDT-M.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from bingx import BingXClient, events
from bingx.websocket import AccountDataStream
from bingx_sim import Account, Simulator
from tests.trading import signed

CSWAP = "/openApi/cswap/v1"


@pytest.fixture
def rest(bingx_sim: Simulator, bingx_account: Account) -> Iterator[Any]:
    """Signed coin-M REST calls; an error code fails the test. ``data`` of each."""
    with requests.Session() as http:

        def call(method: str, path: str, **params: Any) -> Any:
            answer = signed(http, bingx_sim, bingx_account, method, path, **params)
            assert answer["code"] == 0, answer
            return answer["data"]

        yield call


@pytest.fixture
def coinm_stream(bingx_sim: Simulator, bingx_client: BingXClient) -> Iterator[AccountDataStream]:
    key = bingx_client.listen_key().generate()["listenKey"]
    stream = AccountDataStream(key, base_url=bingx_sim.coinm_ws_url)
    stream.connect()
    try:
        yield stream
    finally:
        stream.disconnect()


def test_a_coin_m_bot_opens_and_closes_a_long_with_pnl_in_the_coin(
    bingx_sim: Simulator, bingx_account: Account, rest: Any, coinm_stream: AccountDataStream
) -> None:
    bingx_sim.set_price("BTC-USD", "50000", product="coinm")
    bingx_sim.deposit(bingx_account, "BTC", "0.1", product="coinm")
    assert coinm_stream.next_event(events.AccountUpdate, timeout=5).reason == "DEPOSIT"

    # 10 contracts of 100 USD: 1000 USD of BTC at 50000 is 0.02 BTC, 0.004 BTC margin at 5x.
    placed = rest(
        "POST", f"{CSWAP}/trade/order", symbol="BTC-USD", side="BUY", positionSide="LONG",
        type="MARKET", quantity="10",
    )  # fmt: skip
    assert coinm_stream.next_event(events.OrderUpdate, timeout=5).status == "NEW"
    opened = coinm_stream.next_event(events.AccountUpdate, timeout=5)
    assert (opened.positions[0].amount, opened.positions[0].entry_price) == (
        Decimal(10),
        Decimal(50000),
    )
    filled = coinm_stream.next_event(events.OrderUpdate, timeout=5)
    assert (filled.order_id, filled.status) == (placed["orderId"], "FILLED")
    assert (filled.commission, filled.commission_asset) == (Decimal("-0.00001"), "BTC")

    # The price rises 25 %: the long's PnL is 1000 x (1/50000 - 1/62500) = 0.004 BTC.
    bingx_sim.set_price("BTC-USD", "62500", product="coinm")
    [position] = rest("GET", f"{CSWAP}/user/positions", symbol="BTC-USD")
    assert (position["positionAmt"], position["unrealizedProfit"]) == ("10", "0.00400000")
    assert position["initialMargin"] == "0.00400000"

    # Closing books it: wallet = 0.1 - fees + 0.004, all in BTC.
    rest(
        "POST", f"{CSWAP}/trade/order", symbol="BTC-USD", side="SELL", positionSide="LONG",
        type="MARKET", quantity="10",
    )  # fmt: skip
    assert rest("GET", f"{CSWAP}/user/positions") == []
    [balance] = rest("GET", f"{CSWAP}/user/balance")
    closing_fee = Decimal("1000") / 62500 * Decimal("0.0005")  # 0.000008 BTC
    assert Decimal(balance["balance"]) == Decimal("0.1") - Decimal(
        "0.00001"
    ) - closing_fee + Decimal("0.004")
    assert rest("GET", f"{CSWAP}/trade/openOrders") == {"orders": []}
