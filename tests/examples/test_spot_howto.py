"""How-to: a spot bot on the simulator, told top to bottom.

Spot is a wallet of its own, as on BingX: fund it with ``product="spot"``, and give the
pair a price with ``product="spot"`` (a spot pair's price is separate from the
perpetual of the same name). The bot trades over signed REST (``tests/trading.py`` signs
as a bot does) and listens to the spot account stream with our client, which subscribes
to ``spot.executionReport`` and ``ACCOUNT_UPDATE`` as BingX requires on spot.

What a spot bot meets, and this test shows:

* a MARKET buy is sized by ``quoteOrderQty`` (USDT to spend), a MARKET sell by
  ``quantity``; both fill at once at the last price;
* fees come out of what you receive: BTC on a buy, USDT on a sell;
* a LIMIT order that rests **locks** what it may spend (``locked`` in the balance, ``lk``
  on the stream) and fills at its own price when the price reaches it;
* extra precision is truncated, not refused; mistakes answer spot's own codes.
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

ORDER = "/openApi/spot/v1/trade/order"
BALANCE = "/openApi/spot/v1/account/balance"


@pytest.fixture
def rest(bingx_sim: Simulator, bingx_account: Account) -> Iterator[Any]:
    """Signed spot REST calls for the account: ``rest(method, path, **params)``."""
    with requests.Session() as http:
        yield lambda method, path, **params: signed(
            http, bingx_sim, bingx_account, method, path, **params
        )


@pytest.fixture
def spot_stream(bingx_sim: Simulator, bingx_client: BingXClient) -> Iterator[AccountDataStream]:
    key = bingx_client.listen_key().generate()["listenKey"]
    stream = AccountDataStream(key, base_url=bingx_sim.spot_ws_url)
    stream.connect()
    try:
        stream.subscribe("spot.executionReport", "ACCOUNT_UPDATE")
        assert stream.next_event(events.AccountUpdate, timeout=5).reason == "INIT"
        yield stream
    finally:
        stream.disconnect()


def balances(rest: Any) -> dict[str, tuple[Decimal, Decimal]]:
    rows = rest("GET", BALANCE)["data"]["balances"]
    return {r["asset"]: (Decimal(r["free"]), Decimal(r["locked"])) for r in rows}


def test_a_spot_bot_buys_at_market_and_sells_with_a_resting_limit(
    bingx_sim: Simulator, bingx_account: Account, rest: Any, spot_stream: AccountDataStream
) -> None:
    # The market and the wallet, as the test wants them.
    bingx_sim.set_price("BTC-USDT", "50000", product="spot")
    bingx_sim.deposit(bingx_account, "USDT", "1000", product="spot")
    assert spot_stream.next_event(events.AccountUpdate, timeout=5).reason == "DEPOSIT"

    # A market buy for 100 USDT: 0.002 BTC, less the 0.1 % fee taken in BTC.
    bought = rest("POST", ORDER, symbol="BTC-USDT", side="BUY", type="MARKET", quoteOrderQty="100")
    assert bought["data"]["status"] == "FILLED"
    assert spot_stream.next_event(events.SpotOrderUpdate, timeout=5).status == "NEW"
    wallet = spot_stream.next_event(events.AccountUpdate, timeout=5)
    assert {b.asset: b.wallet_balance for b in wallet.balances} == {
        "BTC": Decimal("0.001998"),
        "USDT": Decimal("900"),
    }
    assert spot_stream.next_event(events.SpotOrderUpdate, timeout=5).status == "FILLED"

    # A limit sell of it all above the market: the quantity (0.00001 steps) and the price
    # (0.01 ticks) are truncated, not refused; 0.000008 BTC of dust stays free.
    placed = rest(
        "POST", ORDER, symbol="BTC-USDT", side="SELL", type="LIMIT", quantity="0.001998",
        price="55000.129", newClientOrderId="take_profit",
    )["data"]  # fmt: skip
    assert (placed["status"], placed["origQty"], placed["price"]) == (
        "PENDING",
        "0.00199",
        "55000.12",
    )
    assert spot_stream.next_event(events.SpotOrderUpdate, timeout=5).status == "PENDING"
    locked = spot_stream.next_event(events.AccountUpdate, timeout=5)
    assert locked.balances[0].locked == Decimal("0.00199")
    assert balances(rest)["BTC"] == (Decimal("0.000008"), Decimal("0.00199"))

    # The market rises through it: it fills as maker at its own price; the fee is USDT.
    bingx_sim.set_price("BTC-USDT", "56000", product="spot")
    spot_stream.next_event(events.AccountUpdate, timeout=5)
    sold = spot_stream.next_event(events.SpotOrderUpdate, timeout=5)
    assert (sold.client_order_id, sold.status) == ("take_profit", "FILLED")
    proceeds = Decimal("0.00199") * Decimal("55000.12")
    assert balances(rest) == {
        "USDT": (900 + proceeds * Decimal("0.999"), Decimal(0)),
        "BTC": (Decimal("0.000008"), Decimal(0)),
    }

    # The bot's fills, each with its fee in the asset it received.
    fills = rest("GET", "/openApi/spot/v1/trade/myTrades", symbol="BTC-USDT")["data"]["fills"]
    assert [(f["isBuyer"], f["commissionAsset"], f["isMaker"]) for f in fills] == [
        (True, "BTC", False),
        (False, "USDT", True),
    ]

    # A mistake answers spot's code: a market buy must say how much USDT to spend.
    bingx_sim.expect_errors("quoteOrderQty is required")
    refused = rest("POST", ORDER, symbol="BTC-USDT", side="BUY", type="MARKET", quantity="0.01")
    assert (refused["code"], refused["debugMsg"]) == (100400, "")
