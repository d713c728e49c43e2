"""How-to: a ccxt.pro bot, with ccxt's stock options, trading on the ``bingx-sim serve``
sandbox.

This is the setup for a bot that does not live in your test process (ccxt.pro in another
service, a bot in another language): start the sandbox, point the bot's URLs at it, and
drive the market over HTTP with the control API only: ``POST /_sim/accounts`` (with
``balances``), ``POST /_sim/prices``, ``POST /_sim/accounts/{key}/deposit``, and
``GET /_sim/journal`` to see what the bot did. No endpoint is stubbed: the sandbox
answers ``load_markets`` and everything else from its account model: USDT-M, spot and
coin-M, each a wallet of its own (the control API's ``product`` field picks one). The
bot's flow, and the ccxt rules it follows (``watch_balance`` first, watch before acting,
judge by ccxt's caches), are those of the in-process how-to, ``test_ccxt_pro.py``. ccxt
is not a dependency of this project: the test runs where ccxt is installed
(``pip install -r tests/examples/requirements-ccxt.txt``) and is
skipped elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ..sandbox_process import sandbox_process
from .test_ccxt_pro import (
    BTC,
    COIN_BTC,
    SPOT_BTC,
    contracts,
    free_usdt,
    order_status,
    point_at,
    streamed_spot,
    until,
)

ccxtpro = pytest.importorskip("ccxt.pro", reason="ccxt is not installed here")

ACCOUNT = {"api_key": "ccxt-key", "api_secret": "ccxt-secret"}


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    """The sandbox, with a funded account and a BTC price; yields its REST URL."""
    with sandbox_process(log=tmp_path / "sandbox.log") as (_, url):
        funded = ACCOUNT | {"balances": {"USDT": "10000"}}
        requests.post(f"{url}/_sim/accounts", json=funded, timeout=5).raise_for_status()
        price = {"symbol": "BTC-USDT", "price": "50000"}
        requests.post(f"{url}/_sim/prices", json=price, timeout=5).raise_for_status()
        yield url


def ccxt_bingx(url: str) -> Any:
    exchange = ccxtpro.bingx({"apiKey": ACCOUNT["api_key"], "secret": ACCOUNT["api_secret"]})
    return point_at(exchange, url, url.replace("http://", "ws://"))


async def control(url: str, method: str, path: str, body: object = None) -> Any:
    """One control-API call, off the event loop (the bot under test runs on it)."""

    def call() -> Any:
        answer = requests.request(method, f"{url}/_sim{path}", json=body, timeout=5)
        answer.raise_for_status()
        return answer.json()

    return await asyncio.to_thread(call)


async def journal_shows(
    url: str, seen: Callable[[dict[str, Any]], bool], deadline_s: float = 5
) -> None:
    """Wait until the sandbox's journal holds an entry ``seen`` accepts. The journal is
    in another process, so this polls it, against a real-time deadline."""
    async with asyncio.timeout(deadline_s):
        while True:
            if any(map(seen, (await control(url, "GET", "/journal"))["entries"])):
                return
            await asyncio.sleep(0.02)  # another process: nothing to wait on but a poll


def swap_socket_open(entry: dict[str, Any]) -> bool:
    return (entry["type"], entry.get("kind"), entry.get("stream")) == ("WsEvent", "open", "swap")


@pytest.mark.asyncio
async def test_a_ccxt_bot_trades_perpetuals_on_the_sandbox(sandbox: str) -> None:
    exchange = ccxt_bingx(sandbox)
    try:
        # The bot starts: markets (all three products), currencies, its balance.
        markets = await exchange.load_markets()
        assert markets[BTC]["limits"]["amount"]["min"] == 0.0001
        assert markets["ETH/USDT"]["spot"] and markets["ETH/USD:ETH"]["inverse"]
        assert exchange.currencies["BTC"]["networks"]["BTC"]["withdraw"] is True
        assert (await exchange.fetch_balance({"type": "swap"}))["USDT"]["free"] == 10000

        # Hedge mode and its leverage.
        await exchange.set_position_mode(True)
        await exchange.set_leverage(20, BTC, {"side": "LONG"})

        # Watch the balance first (a ccxt rule), and see a deposit arrive on the stream.
        deposited = asyncio.ensure_future(
            until(
                lambda: exchange.watch_balance({"type": "swap"}),
                lambda: free_usdt(exchange) == 10500,
            )
        )
        await journal_shows(sandbox, swap_socket_open)  # ccxt is listening
        deposit = {"asset": "USDT", "amount": "500"}
        await control(sandbox, "POST", f"/accounts/{ACCOUNT['api_key']}/deposit", deposit)
        await deposited

        # A market buy: filled at once, seen on the stream as an order and a position.
        filled = asyncio.ensure_future(
            until(
                lambda: exchange.watch_orders(BTC),
                lambda: order_status(exchange, "bot-open") == "closed",
            )
        )
        held = asyncio.ensure_future(
            until(
                lambda: exchange.watch_positions([BTC]),
                lambda: contracts(exchange, BTC, "long") == 0.01,
            )
        )
        bought = await exchange.create_order(
            BTC, "market", "buy", 0.01, None, {"positionSide": "LONG", "clientOrderId": "bot-open"}
        )
        await asyncio.gather(filled, held)
        order = await exchange.fetch_order(bought["id"], BTC)
        assert (order["status"], order["filled"], order["average"]) == ("closed", 0.01, 50000)

        # A limit buy below the market, and a stop-loss under the position: both rest.
        dip = await exchange.create_order(
            BTC, "limit", "buy", 0.02, 49000, {"positionSide": "LONG", "clientOrderId": "bot-dip"}
        )
        stop = await exchange.create_order(
            BTC, "market", "sell", 0.01, None, {"positionSide": "LONG", "stopLossPrice": 45000}
        )
        resting = await exchange.fetch_open_orders(BTC)
        assert {o["id"] for o in resting} == {dip["id"], stop["id"]}

        # The market falls through the limit (the control API moves it): a maker fill.
        filled = asyncio.ensure_future(
            until(
                lambda: exchange.watch_orders(BTC),
                lambda: order_status(exchange, "bot-dip") == "closed",
            )
        )
        held = asyncio.ensure_future(
            until(
                lambda: exchange.watch_positions([BTC]),
                lambda: contracts(exchange, BTC, "long") == 0.03,
            )
        )
        await control(sandbox, "POST", "/prices", {"symbol": "BTC-USDT", "price": "48900"})
        await asyncio.gather(filled, held)

        # The bot cancels its stop, and sees the cancel on the stream too.
        cancelled = asyncio.ensure_future(
            until(
                lambda: exchange.watch_orders(BTC),
                lambda: any(
                    o["id"] == stop["id"] and o["status"] == "canceled" for o in exchange.orders
                ),
            )
        )
        assert (await exchange.cancel_order(stop["id"], BTC))["status"] == "canceled"
        await cancelled

        # And reconciles its view with REST.
        [position] = await exchange.fetch_positions([BTC])
        assert (position["side"], position["contracts"], position["leverage"]) == ("long", 0.03, 20)
        assert await exchange.fetch_open_orders(BTC) == []
        trades = await exchange.fetch_my_trades(BTC)
        assert sorted((t["order"], t["price"], t["amount"]) for t in trades) == sorted(
            [(bought["id"], 50000, 0.01), (dip["id"], 49000, 0.02)]
        )
    finally:
        await exchange.close()
    entries = (await control(sandbox, "GET", "/journal"))["entries"]
    assert not [e for e in entries if e.get("violation")], "ccxt made a client mistake"


def spot_subscribed(topic: str) -> Callable[[dict[str, Any]], bool]:
    def seen(entry: dict[str, Any]) -> bool:
        return (
            entry["type"] == "WsFrame"
            and (entry.get("direction"), entry.get("stream")) == ("in", "spot")
            and f'"dataType":"{topic}"' in str(entry.get("text", "")).replace(" ", "")
        )

    return seen


@pytest.mark.asyncio
async def test_a_ccxt_bot_trades_spot_and_coin_m_on_the_sandbox(sandbox: str) -> None:
    key = ACCOUNT["api_key"]
    # Each product is a wallet and a market of its own: the control API names it.
    await control(
        sandbox,
        "POST",
        f"/accounts/{key}/deposit",
        {"asset": "USDT", "amount": "2000", "product": "spot"},
    )
    await control(
        sandbox,
        "POST",
        f"/accounts/{key}/deposit",
        {"asset": "BTC", "amount": "1", "product": "coinm"},
    )
    await control(
        sandbox, "POST", "/prices", {"symbol": "BTC-USDT", "price": "40000", "product": "spot"}
    )
    await control(
        sandbox, "POST", "/prices", {"symbol": "BTC-USD", "price": "50000", "product": "coinm"}
    )
    exchange = ccxt_bingx(sandbox)
    try:
        await exchange.load_markets()
        balance = await exchange.fetch_balance({"type": "spot"})
        assert balance["USDT"]["free"] == 2000

        # Spot: a market buy for 400 USDT, seen on the subscribed stream.
        filled = asyncio.ensure_future(
            until(
                lambda: exchange.watch_orders(SPOT_BTC),
                lambda: [o["status"] for o in exchange.orders or []] == ["closed"],
            )
        )
        await journal_shows(sandbox, spot_subscribed("spot.executionReport"))
        bought = await exchange.create_order(SPOT_BTC, "market", "buy", None, None, {"cost": 400})
        await filled
        assert (bought["filled"], bought["cost"]) == (0.01, 400)
        # A limit sell above the market: locked, then filled when the price gets there.
        sell = await exchange.create_order(SPOT_BTC, "limit", "sell", 0.00999, 42000)
        assert (await exchange.fetch_balance({"type": "spot"}))["BTC"]["used"] == 0.00999
        await control(
            sandbox, "POST", "/prices", {"symbol": "BTC-USDT", "price": "42000", "product": "spot"}
        )
        assert (await exchange.fetch_order(sell["id"], SPOT_BTC))["status"] == "closed"
        trades = await exchange.fetch_my_trades(SPOT_BTC)
        assert [(t["side"], t["fee"]["currency"]) for t in trades] == [
            ("buy", "BTC"),
            ("sell", "USDT"),
        ]
        assert streamed_spot(exchange, "BTC") is None  # this bot never watched the balance

        # Coin-M: a long of 5 contracts, held in BTC.
        await exchange.create_order(COIN_BTC, "market", "buy", 5, None, {"positionSide": "LONG"})
        [position] = await exchange.fetch_positions([COIN_BTC])
        assert (position["side"], position["contracts"], position["entryPrice"]) == (
            "long",
            5,
            50000,
        )
        ledger = await control(sandbox, "GET", f"/accounts/{key}/ledger?product=coinm")
        assert [p["positionAmt"] for p in ledger["positions"]] == ["5"]
    finally:
        await exchange.close()
    entries = (await control(sandbox, "GET", "/journal"))["entries"]
    assert not [e for e in entries if e.get("violation")], "ccxt made a client mistake"
