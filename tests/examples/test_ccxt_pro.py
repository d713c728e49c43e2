"""How-to: a ccxt.pro bot, with ccxt's stock options, trading on the in-process simulator.

The bot is built the way it is built for the real exchange,
``ccxtpro.bingx({"apiKey": ..., "secret": ...})``; only its URLs point at the simulator
(:func:`point_at`). No endpoint is stubbed: ``load_markets`` reads the simulator's
reference data (spot symbols, coin-M contracts, currencies: static, see
``bingx_sim/rules/markets.py``) and its USDT-M contracts, and everything after it, REST
and websocket, is answered by the simulator's USDT-M account model. The test plays the
market: it sets prices (``set_price``) and credits deposits (``deposit``).

Per-call parameters are the ones a ccxt user passes to trade BingX perpetuals:
``{"type": "swap"}`` for the balance, ``{"positionSide": ...}`` in hedge mode, and
``stopLossPrice`` for a stop: ccxt sends ``stopPrice``/``triggerPrice`` as BingX's
``TRIGGER_MARKET``, which the account model does not model yet (it answers 109400).

Rules of ccxt 4.5 that a bot (and this test) must follow:

* ``watch_balance`` must be the first swap watch: ccxt fetches its REST balance snapshot
  only when it is, and otherwise waits for that snapshot forever.
* ``watch_positions`` answers its first call with a REST snapshot only while no account
  update has arrived yet; after one (here: the deposit) it waits for a position push.
* A ``watch_*`` call answers the next push only, so the test starts watching before it
  acts, and decides it has seen enough by ccxt's caches (``exchange.orders``,
  ``exchange.positions``, ``exchange.balance``), not by one answer: two pushes can
  arrive between two calls (:func:`until`).
* ``enableRateLimit`` is on (a stock option): ccxt spaces its REST calls by their cost
  (100 ms a unit), which is most of this test's few seconds.

ccxt is not a dependency of this project: the test runs where ccxt is installed
(``pip install -r tests/examples/requirements-ccxt.txt``; CI does) and is skipped
elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bingx_sim import Account, Simulator, WsEvent

ccxtpro = pytest.importorskip("ccxt.pro", reason="ccxt is not installed here")

BTC = "BTC/USDT:USDT"  # ccxt's name of the BTC-USDT perpetual


def point_at(exchange: Any, rest_url: str, ws_base: str) -> Any:
    """Point a ccxt BingX client at a simulator: every REST section at its REST URL,
    the account websockets at its three streams. Nothing else changes."""
    urls = exchange.urls["api"]
    for section in list(urls):
        if section != "ws":
            urls[section] = f"{rest_url}/openApi"
    urls["ws"] = {
        "linear": f"{ws_base}/swap-market",
        "spot": f"{ws_base}/market",
        "inverse": f"{ws_base}/cswap-market",
    }
    return exchange


def ccxt_bingx(sim: Simulator, account: Account) -> Any:
    exchange = ccxtpro.bingx({"apiKey": account.api_key, "secret": account.api_secret})
    return point_at(exchange, sim.rest_url, sim.rest_url.replace("http://", "ws://"))


async def until(
    watch: Callable[[], Awaitable[object]], seen: Callable[[], bool], deadline_s: float = 5.0
) -> None:
    """Call ``watch`` (a ccxt ``watch_*``; each call returns at the next push) until
    ``seen()`` finds what the bot waits for in ccxt's caches, within a real-time
    deadline. Checking the cache, not the call's answer, never misses a push that
    arrived between two calls."""
    async with asyncio.timeout(deadline_s):
        while not seen():
            await watch()


def order_status(exchange: Any, client_order_id: str) -> str | None:
    """What ccxt last heard, over the stream, of the order with this client id."""
    found = [o for o in exchange.orders or [] if o["clientOrderId"] == client_order_id]
    return found[-1]["status"] if found else None


def contracts(exchange: Any, symbol: str, side: str) -> float:
    """The size of a position as ccxt's position cache holds it (0: none)."""
    held = [p for p in exchange.positions or [] if (p["symbol"], p["side"]) == (symbol, side)]
    return float(held[-1]["contracts"]) if held else 0.0


def swap_socket_open(entry: object) -> bool:
    return isinstance(entry, WsEvent) and (entry.kind, entry.stream) == ("open", "swap")


def free_usdt(exchange: Any) -> float | None:
    """The swap wallet's USDT as ccxt's balance cache holds it."""
    free: float | None = exchange.balance.get("swap", {}).get("USDT", {}).get("free")
    return free


@pytest.mark.asyncio
async def test_a_ccxt_bot_trades_perpetuals_on_the_simulator(
    bingx_sim: Simulator, bingx_account: Account
) -> None:
    # The market and the account, as the test wants them.
    bingx_sim.set_price("BTC-USDT", "50000")
    bingx_sim.deposit(bingx_account, "USDT", "10000")
    exchange = ccxt_bingx(bingx_sim, bingx_account)
    try:
        # The bot starts: markets (all three products), currencies, its balance.
        markets = await exchange.load_markets()
        assert markets[BTC]["precision"]["amount"] == 0.0001
        assert markets[BTC]["limits"]["amount"]["min"] == 0.0001
        assert markets["BTC/USDT"]["spot"] and markets["BTC/USD:BTC"]["contractSize"] == 100
        assert "TRC20" in exchange.currencies["USDT"]["networks"]
        balance = await exchange.fetch_balance({"type": "swap"})
        assert balance["USDT"]["free"] == 10000

        # Hedge mode and its leverage.
        await exchange.set_position_mode(True)
        await exchange.set_leverage(10, BTC, {"side": "LONG"})

        # Watch the balance first (a ccxt rule), and see a deposit arrive on the stream.
        deposited = asyncio.ensure_future(
            until(
                lambda: exchange.watch_balance({"type": "swap"}),
                lambda: free_usdt(exchange) == 10500,
            )
        )
        await bingx_sim.journal.wait_for_async(swap_socket_open)  # ccxt is listening
        bingx_sim.deposit(bingx_account, "USDT", "500")
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
        assert [o["stopLossPrice"] for o in resting if o["id"] == stop["id"]] == [45000]

        # The market falls through the limit: it fills as maker, the position grows.
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
        bingx_sim.set_price("BTC-USDT", "48900")
        await asyncio.gather(filled, held)

        # The bot cancels its stop.
        cancelled = await exchange.cancel_order(stop["id"], BTC)
        assert cancelled["status"] == "canceled"

        # And reconciles its view with REST.
        [position] = await exchange.fetch_positions([BTC])
        assert (position["side"], position["contracts"], position["leverage"]) == ("long", 0.03, 10)
        assert round(position["entryPrice"], 1) == 49333.3  # (0.01 x 50000 + 0.02 x 49000) / 0.03
        assert await exchange.fetch_open_orders(BTC) == []
        trades = await exchange.fetch_my_trades(BTC)
        assert sorted((t["order"], t["price"], t["amount"]) for t in trades) == sorted(
            [(bought["id"], 50000, 0.01), (dip["id"], 49000, 0.02)]
        )
    finally:
        await exchange.close()
