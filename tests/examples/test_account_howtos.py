"""How-tos for a bot that trades: the account model behind the stream, one test per flow.

Each test is a bot's flow told top to bottom: read the account over REST, listen to the
account stream with our client, trade, and check what the exchange says both ways.
``docs/howto-account.md`` walks through them in order.

* fill and reconcile: an order's events, then a fill the socket never delivered;
* a stop that triggers: on a scripted price path, and silently (an incident);
* partial fills: the order's ``l``/``z`` on each event and REST's ``executedQty``;
* funding: ``ACCOUNT_UPDATE`` reason ``FUNDING_FEE`` and the income endpoint.

REST calls are signed as a bot signs them (``tests/trading.py``). Nothing sleeps: every
wait is on a condition with a deadline (``next_event(timeout=)``,
``wait_for_transition``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from bingx import BingXClient, UserDataStream, events
from bingx.websocket import AccountDataStream
from bingx_sim import Account, Simulator, WsFrame
from bingx_sim.plugin.clock_fixtures import SettlingClock
from tests.trading import public, signed

BALANCE = "/openApi/swap/v3/user/balance"
POSITIONS = "/openApi/swap/v2/user/positions"
INCOME = "/openApi/swap/v2/user/income"
ORDER = "/openApi/swap/v2/trade/order"
OPEN_ORDERS = "/openApi/swap/v2/trade/openOrders"

Rest = Callable[..., Any]
"""``rest(method, path, **params)``: one signed call; its ``data``."""


@pytest.fixture
def account(bingx_sim: Simulator, bingx_account: Account) -> Account:
    """``bingx_account`` starts with an empty wallet: fund it, and give BTC a price."""
    bingx_sim.deposit(bingx_account, "USDT", "10000")
    bingx_sim.set_price("BTC-USDT", "60000")
    return bingx_account


@pytest.fixture
def rest(bingx_sim: Simulator, account: Account) -> Iterator[Rest]:
    """Signed REST calls for ``account``; an answer with an error code fails the test."""
    with requests.Session() as http:

        def call(method: str, path: str, **params: Any) -> Any:
            answer = signed(http, bingx_sim, account, method, path, **params)
            assert answer["code"] == 0, answer
            return answer.get("data")

        yield call


@pytest.fixture
def stream(bingx_sim: Simulator, bingx_client: BingXClient) -> Iterator[AccountDataStream]:
    """The account stream, connected (``bingx_client`` is bound to ``bingx_account``)."""
    key = bingx_client.listen_key().generate()["listenKey"]
    connected = AccountDataStream(key, base_url=bingx_sim.ws_url)
    connected.connect()
    try:
        yield connected
    finally:
        connected.disconnect()


def order_update(stream: AccountDataStream, order_id: int, status: str) -> events.OrderUpdate:
    """The next ``ORDER_TRADE_UPDATE`` of ``order_id`` with ``status``, skipping the others."""
    while True:
        update = stream.next_event(events.OrderUpdate, timeout=5)
        if update.order_id == order_id and update.status == status:
            return update


def account_update(stream: AccountDataStream, reason: str) -> events.AccountUpdate:
    """The next ``ACCOUNT_UPDATE`` whose reason (``a.m``) is ``reason``."""
    while True:
        update = stream.next_event(events.AccountUpdate, timeout=5)
        if update.reason == reason:
            return update


LONG_BTC = {"symbol": "BTC-USDT", "side": "BUY", "positionSide": "LONG"}
"""Open or grow a long in hedge mode (a fresh account's mode)."""
STOP_LOSS = {"symbol": "BTC-USDT", "side": "SELL", "positionSide": "LONG", "type": "STOP_MARKET"}
"""Close (part of) that long once the mark price falls to ``stopPrice``."""


# (a) ------------------------------------------------------------------------------------


def test_fill_and_reconcile_after_a_drop(
    bingx_sim: Simulator, account: Account, bingx_client: BingXClient, rest: Rest
) -> None:
    # 1. Start from REST: what the account holds before any event arrives.
    [usdt] = rest("GET", BALANCE)
    assert (usdt["asset"], usdt["balance"]) == ("USDT", "10000.0000")
    assert rest("GET", POSITIONS) == []

    # 2. Subscribe. UserDataStream keeps the listen key alive and reconnects after drops
    #    (short backoffs here, so reconnecting takes milliseconds). Leaving the block
    #    deletes the key; the keeper keeps to BingX's 2 listen-key calls per second, so
    #    that DELETE may wait up to a second.
    with UserDataStream(bingx_client, poll_interval=0.02, backoff_initial=0.05) as keeper:
        assert keeper.stream is not None
        stream = keeper.stream

        # 3. Place a market order. The stream says NEW, then the money and the position
        #    move (ACCOUNT_UPDATE, reason ORDER), then the order is FILLED.
        placed = rest("POST", ORDER, **LONG_BTC, type="MARKET", quantity="0.01")["order"]
        order_update(stream, placed["orderId"], "NEW")
        moved = account_update(stream, "ORDER")
        filled = order_update(stream, placed["orderId"], "FILLED")
        assert filled.last_filled_quantity == Decimal("0.01")
        [long] = moved.positions
        assert (long.side, long.amount, long.entry_price) == (
            "LONG",
            Decimal("0.01"),
            Decimal(60000),
        )
        [wallet] = moved.balances  # 10000 minus the taker fee: 0.01 * 60000 * 0.05 %
        assert wallet.wallet_balance == Decimal("9999.7")

        # 4. A resting limit order, then a bad moment: the socket is cut (1006) and the
        #    order fills before we are back. Its events reach no one. (The incident does
        #    both in one step; with a Drop fault and then sim.fill, the keeper could be
        #    back before the fill.)
        limit = rest("POST", ORDER, **LONG_BTC, type="LIMIT", price="59000", quantity="0.02")
        limit_id = limit["order"]["orderId"]
        order_update(stream, limit_id, "NEW")
        seen = len(keeper.transitions)
        bingx_sim.trigger("fill-while-disconnected", account)
        keeper.wait_for_transition("reconnected", after=seen)

        # 5. Reconcile over REST: the stream does not replay what it missed. The order
        #    we thought open is gone from the open orders; asking for it shows the fill.
        assert limit_id not in [o["orderId"] for o in rest("GET", OPEN_ORDERS)["orders"]]
        missed = rest("GET", ORDER, symbol="BTC-USDT", orderId=limit_id)["order"]
        assert (missed["status"], missed["executedQty"]) == ("FILLED", "0.0200")
        [position] = rest("GET", POSITIONS)
        assert (position["positionSide"], position["positionAmt"]) == ("LONG", "0.0300")
        [usdt] = rest("GET", BALANCE)  # minus the maker fee: 0.02 * 59000 * 0.02 %
        assert Decimal(usdt["balance"]) == Decimal("9999.7") - Decimal("0.236")


# (b) ------------------------------------------------------------------------------------


def test_a_stop_loss_triggers_on_a_scripted_price_path(
    bingx_sim: Simulator,
    account: Account,
    bingx_clock: SettlingClock,
    rest: Rest,
    stream: AccountDataStream,
) -> None:
    # A long of 0.01 BTC at 60 000, protected by a stop-loss at 59 000.
    rest("POST", ORDER, **LONG_BTC, type="MARKET", quantity="0.01")
    account_update(stream, "ORDER")  # the long opened
    stop = rest("POST", ORDER, **STOP_LOSS, stopPrice="59000", quantity="0.01")["order"]
    stop_id = stop["orderId"]
    order_update(stream, stop_id, "NEW")

    # The price path, on the exchange clock: 59 500 in a minute, 58 900 in two.
    bingx_sim.script_prices(
        "BTC-USDT", [(timedelta(minutes=1), "59500"), (timedelta(minutes=2), "58900")]
    )
    bingx_clock.tick(timedelta(minutes=1))  # returns once the exchange has applied 59 500
    assert [o["orderId"] for o in rest("GET", OPEN_ORDERS)["orders"]] == [stop_id]

    bingx_clock.tick(timedelta(minutes=1))  # 58 900: the stop triggers and sells at once
    closed = account_update(stream, "ORDER")  # the stop's fill...
    [long] = closed.positions
    assert (long.side, long.amount) == ("LONG", Decimal(0))  # ...closed the whole long
    triggered = order_update(stream, stop_id, "FILLED")  # at the last price, as taker
    assert (triggered.order_type, triggered.average_price) == ("STOP_MARKET", Decimal(58900))
    assert rest("GET", POSITIONS) == []


def test_a_stop_that_triggers_silently_is_noticed_over_rest(
    bingx_sim: Simulator, account: Account, rest: Rest, stream: AccountDataStream
) -> None:
    rest("POST", ORDER, **LONG_BTC, type="MARKET", quantity="0.01")
    account_update(stream, "ORDER")  # the long opened
    stop = rest("POST", ORDER, **STOP_LOSS, stopPrice="59000", quantity="0.01")["order"]
    stop_id = stop["orderId"]
    order_update(stream, stop_id, "NEW")
    my_stops = {stop_id}  # what the bot believes is still working

    # BingX swap-api-doc #36: the price reaches the stop, it fills, and no
    # ORDER_TRADE_UPDATE is pushed for it. The ACCOUNT_UPDATE still is.
    before = len(bingx_sim.journal)
    bingx_sim.trigger("stop-triggers-silently", account)
    closed = account_update(stream, "ORDER")
    assert [(p.side, p.amount) for p in closed.positions] == [("LONG", Decimal(0))]
    sent = [e.text for e in bingx_sim.journal[before:] if isinstance(e, WsFrame)]
    assert not any("ORDER_TRADE_UPDATE" in text for text in sent)  # the journal: none sent

    # The bot's rule: a position that changed with no order update to explain it means
    # "ask REST about my conditional orders" (or poll them on a timer).
    still_open = {o["orderId"] for o in rest("GET", OPEN_ORDERS)["orders"]}
    for gone in my_stops - still_open:
        order = rest("GET", ORDER, symbol="BTC-USDT", orderId=gone)["order"]
        assert (order["type"], order["status"], order["avgPrice"]) == (
            "STOP_MARKET",
            "FILLED",
            "59000.0",
        )
        my_stops.discard(gone)
    assert my_stops == set() and rest("GET", POSITIONS) == []


# (c) ------------------------------------------------------------------------------------


def test_partial_fills_report_l_and_z_and_rest_agrees(
    bingx_sim: Simulator, account: Account, rest: Rest, stream: AccountDataStream
) -> None:
    placed = rest("POST", ORDER, **LONG_BTC, type="LIMIT", price="59000", quantity="0.03")
    order_id = placed["order"]["orderId"]
    order_update(stream, order_id, "NEW")

    # sim.fill forces a maker fill of part of a resting limit order (at its price, or
    # at the price you give). Each fill's event carries l (this fill) and z (so far).
    bingx_sim.fill(account, order_id, "0.01")
    first = order_update(stream, order_id, "PARTIALLY_FILLED")
    assert (first.last_filled_quantity, first.filled_quantity) == (Decimal("0.01"), Decimal("0.01"))
    shown = rest("GET", ORDER, symbol="BTC-USDT", orderId=order_id)["order"]
    assert (shown["status"], shown["executedQty"]) == ("PARTIALLY_FILLED", "0.0100")
    assert [o["orderId"] for o in rest("GET", OPEN_ORDERS)["orders"]] == [order_id]  # still open

    bingx_sim.fill(account, order_id, "0.01", price="58950")  # a better price this time
    second = order_update(stream, order_id, "PARTIALLY_FILLED")
    assert (second.last_filled_quantity, second.filled_quantity) == (
        Decimal("0.01"),
        Decimal("0.02"),
    )
    assert second.average_price == Decimal("58975")  # the average of the two fills

    # The market trades through 59 000: the rest fills as maker at the order's price.
    bingx_sim.set_price("BTC-USDT", "58900")
    last = order_update(stream, order_id, "FILLED")
    assert (last.last_filled_quantity, last.filled_quantity) == (Decimal("0.01"), Decimal("0.03"))
    shown = rest("GET", ORDER, symbol="BTC-USDT", orderId=order_id)["order"]
    assert (shown["status"], shown["executedQty"]) == ("FILLED", "0.0300")
    # REST rounds the average to the contract's price precision (one decimal for BTC);
    # the stream sends eight: 58983.33333333.
    assert last.average_price == Decimal("58983.33333333")
    assert shown["avgPrice"] == "58983.3"
    assert rest("GET", OPEN_ORDERS)["orders"] == []


# (d) ------------------------------------------------------------------------------------


def test_funding_pushes_funding_fee_and_lands_in_the_income_history(
    bingx_sim: Simulator, account: Account, rest: Rest, stream: AccountDataStream
) -> None:
    # A long of 0.1 BTC at 60 000: 3 USDT of taker fee, so the wallet holds 9997.
    rest("POST", ORDER, **LONG_BTC, type="MARKET", quantity="0.1")
    assert account_update(stream, "ORDER").balances[0].wallet_balance == 9997

    # Funding settles at +0.01 %: longs pay 0.0001 * 0.1 * 60000 = 0.6 USDT.
    bingx_sim.funding("BTC-USDT", "0.0001")
    funding = account_update(stream, "FUNDING_FEE")
    [usdt] = funding.balances
    assert (usdt.balance_change, usdt.wallet_balance) == (Decimal("-0.6"), Decimal("9996.4"))
    assert funding.positions == ()  # cross margin: BingX sends P only for isolated ones

    # The income history has the payment; the balance has it too.
    rows = rest("GET", INCOME, incomeType="FUNDING_FEE")
    assert [(r["symbol"], r["incomeType"], r["income"]) for r in rows] == [
        ("BTC-USDT", "FUNDING_FEE", "-0.6000")
    ]
    [balance] = rest("GET", BALANCE)
    assert Decimal(balance["balance"]) == usdt.wallet_balance
    # And the public premium index shows the rate that was settled.
    with requests.Session() as http:
        index = public(http, bingx_sim, "/openApi/swap/v2/quote/premiumIndex", symbol="BTC-USDT")
    assert index["data"]["lastFundingRate"] == "0.00010000"
