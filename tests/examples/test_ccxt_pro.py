"""How-to: a ccxt.pro bot, with ccxt's stock options, trading on the in-process simulator.

The bot is built the way it is built for the real exchange,
``ccxtpro.bingx({"apiKey": ..., "secret": ...})``; only its URLs point at the simulator
(:func:`point_at`). No endpoint is stubbed: ``load_markets`` reads the simulator's three
ledgers (USDT-M contracts, spot pairs, coin-M contracts) and its currency list, and
everything after it, REST and websocket, is answered by the account model of the
product traded: USDT-M perpetuals, spot, and coin-M contracts, each a wallet of its own.
The test plays the market: it sets prices (``set_price``, with ``product=`` for spot and
coin-M) and credits deposits (``deposit``, likewise).

Per-call parameters are the ones a ccxt user passes to trade BingX: ``{"type": "swap"}``
or ``{"type": "spot"}`` for the balance (``{"type": "swap", "subType": "inverse"}`` for
coin-M), ``{"positionSide": ...}`` in hedge mode, ``stopLossPrice`` for a stop
(``STOP_MARKET``), ``triggerPrice`` for an order that waits for its price
(``TRIGGER_MARKET``), ``{"cost": ...}`` for a spot market buy (BingX sizes it in USDT).

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
* On spot, a ``watch_*`` call subscribes: the test waits for the subscription to reach
  the exchange (the journal shows it) before it acts, or the event goes unseen.
* ccxt reads a spot ``ACCOUNT_UPDATE``'s ``wb`` as the free balance and ``lk`` as the
  used one; the simulator sends ``wb`` as the wallet's total, as BingX.Net reads it
  (``SpotLedger(wallet_balance=)`` has the other reading): while an order locks funds,
  ccxt's streamed ``free`` is REST's ``free + locked``.
* ccxt 4.5.90 parses a coin-M order answer's envelope rather than its ``data``, so the
  order ``create_order`` returns has no id; ``fetch_open_orders`` has it.

ccxt is not a dependency of this project: the test runs where ccxt is installed
(``pip install -r tests/examples/requirements-ccxt.txt``; CI does) and is skipped
elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bingx_sim import Account, Simulator, WsEvent, WsFrame

ccxtpro = pytest.importorskip("ccxt.pro", reason="ccxt is not installed here")

BTC = "BTC/USDT:USDT"  # ccxt's name of the BTC-USDT perpetual
SPOT_BTC = "BTC/USDT"  # the BTC-USDT spot pair
COIN_BTC = "BTC/USD:BTC"  # the BTC-USD coin-M perpetual


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


def streamed_spot(exchange: Any, asset: str) -> tuple[float, float] | None:
    """``(free, used)`` of a spot asset as ccxt's balance cache holds it."""
    held = exchange.balance.get("spot", {}).get(asset)
    return None if held is None else (held.get("free"), held.get("used"))


def spot_subscribed(topic: str) -> Callable[[object], bool]:
    """A journal entry showing the bot's subscription to ``topic`` on a spot socket."""

    def seen(entry: object) -> bool:
        return (
            isinstance(entry, WsFrame)
            and (entry.direction, entry.stream) == ("in", "spot")
            and f'"dataType":"{topic}"' in entry.text.replace(" ", "")
        )

    return seen


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


@pytest.mark.asyncio
async def test_a_ccxt_trigger_order_waits_for_its_price(
    bingx_sim: Simulator, bingx_account: Account
) -> None:
    bingx_sim.set_price("BTC-USDT", "50000")
    bingx_sim.deposit(bingx_account, "USDT", "10000")
    exchange = ccxt_bingx(bingx_sim, bingx_account)
    try:
        await exchange.load_markets()
        # ccxt sends triggerPrice as BingX's TRIGGER_MARKET: a market buy once BTC is 52000.
        placed = await exchange.create_order(
            BTC, "market", "buy", 0.01, None, {"positionSide": "LONG", "triggerPrice": 52000}
        )
        [resting] = await exchange.fetch_open_orders(BTC)
        assert (resting["id"], resting["type"], resting["triggerPrice"]) == (
            placed["id"],
            "market",
            52000,
        )
        bingx_sim.set_price("BTC-USDT", "51999")  # not yet
        assert len(await exchange.fetch_open_orders(BTC)) == 1
        bingx_sim.set_price("BTC-USDT", "52000")  # reached: it fills as a market order
        order = await exchange.fetch_order(placed["id"], BTC)
        assert (order["status"], order["filled"], order["average"]) == ("closed", 0.01, 52000)
        [position] = await exchange.fetch_positions([BTC])
        assert (position["side"], position["contracts"]) == ("long", 0.01)
    finally:
        await exchange.close()


@pytest.mark.asyncio
async def test_a_ccxt_bot_trades_spot_on_the_simulator(
    bingx_sim: Simulator, bingx_account: Account
) -> None:
    bingx_sim.set_price("BTC-USDT", "50000", product="spot")  # the pair, not the perpetual
    bingx_sim.deposit(bingx_account, "USDT", "10000", product="spot")
    exchange = ccxt_bingx(bingx_sim, bingx_account)
    try:
        markets = await exchange.load_markets()
        pair = markets[SPOT_BTC]
        assert pair["spot"] and pair["precision"]["amount"] == 0.00001
        assert pair["limits"]["cost"]["min"] == 5
        balance = await exchange.fetch_balance({"type": "spot"})
        assert (balance["USDT"]["free"], balance["USDT"]["used"]) == (10000, 0)

        # Watch the spot balance and see a deposit arrive on the stream.
        deposited = asyncio.ensure_future(
            until(
                lambda: exchange.watch_balance({"type": "spot"}),
                lambda: streamed_spot(exchange, "USDT") == (10500, 0),
            )
        )
        await bingx_sim.journal.wait_for_async(spot_subscribed("ACCOUNT_UPDATE"))
        bingx_sim.deposit(bingx_account, "USDT", "500", product="spot")
        await deposited

        # A market buy for 1000 USDT (ccxt's "cost"): 0.02 BTC, the fee taken in BTC.
        filled = asyncio.ensure_future(
            until(
                lambda: exchange.watch_orders(SPOT_BTC),
                # (ccxt does not read a spot report's client id, C: judge by status)
                lambda: [o["status"] for o in exchange.orders or []] == ["closed"],
            )
        )
        await bingx_sim.journal.wait_for_async(spot_subscribed("spot.executionReport"))
        bought = await exchange.create_order(
            SPOT_BTC, "market", "buy", None, None, {"cost": 1000, "clientOrderId": "spot_buy"}
        )
        await filled
        assert (bought["status"], bought["filled"], bought["cost"]) == ("closed", 0.02, 1000)
        assert streamed_spot(exchange, "BTC") == (0.01998, 0)  # 0.02 less 0.1 %

        # A limit buy below the market rests and locks its 450 USDT.
        dip = await exchange.create_order(
            SPOT_BTC, "limit", "buy", 0.01, 45000, {"clientOrderId": "spot_dip"}
        )
        assert dip["status"] == "open"
        [resting] = await exchange.fetch_open_orders(SPOT_BTC)
        assert (resting["id"], resting["clientOrderId"], resting["price"]) == (
            dip["id"],
            "spot_dip",
            45000,
        )
        balance = await exchange.fetch_balance({"type": "spot"})
        assert (balance["USDT"]["free"], balance["USDT"]["used"]) == (9050, 450)

        # The bot cancels it: the funds are free again.
        cancelled = await exchange.cancel_order(dip["id"], SPOT_BTC)
        assert cancelled["status"] == "canceled"
        assert await exchange.fetch_open_orders(SPOT_BTC) == []
        balance = await exchange.fetch_balance({"type": "spot"})
        assert (balance["USDT"]["free"], balance["USDT"]["used"]) == (9500, 0)

        # And reads its fills back, with the fee in the asset it received.
        [trade] = await exchange.fetch_my_trades(SPOT_BTC)
        assert (trade["order"], trade["price"], trade["amount"]) == (bought["id"], 50000, 0.02)
        assert (trade["fee"]["currency"], trade["fee"]["cost"]) == ("BTC", 0.00002)
    finally:
        await exchange.close()


@pytest.mark.asyncio
async def test_a_ccxt_bot_holds_a_coin_m_position(
    bingx_sim: Simulator, bingx_account: Account
) -> None:
    bingx_sim.set_price("BTC-USD", "50000", product="coinm")
    bingx_sim.deposit(bingx_account, "BTC", "1", product="coinm")
    exchange = ccxt_bingx(bingx_sim, bingx_account)
    try:
        markets = await exchange.load_markets()
        assert (markets[COIN_BTC]["inverse"], markets[COIN_BTC]["contractSize"]) == (True, 100)
        inverse = {"type": "swap", "subType": "inverse"}
        assert (await exchange.fetch_balance(inverse))["BTC"]["free"] == 1

        # 10 contracts of 100 USD, long: 0.004 BTC of margin at 5x.
        await exchange.create_order(COIN_BTC, "market", "buy", 10, None, {"positionSide": "LONG"})
        bingx_sim.set_price("BTC-USD", "62500", product="coinm")
        [position] = await exchange.fetch_positions([COIN_BTC])
        assert (position["side"], position["contracts"], position["entryPrice"]) == (
            "long",
            10,
            50000,
        )
        # Inverse PnL: 10 x 100 x (1/50000 - 1/62500) = 0.004 BTC.
        assert (position["unrealizedPnl"], position["initialMargin"]) == (0.004, 0.004)

        # A resting limit to add on a dip: listed, then cancelled.
        await exchange.create_order(COIN_BTC, "limit", "buy", 1, 40000, {"positionSide": "LONG"})
        [resting] = await exchange.fetch_open_orders(COIN_BTC)
        assert (resting["price"], resting["amount"], resting["status"]) == (40000, 1, "open")
        cancelled = await exchange.cancel_order(resting["id"], COIN_BTC)
        assert cancelled["status"] == "canceled"
        balance = await exchange.fetch_balance(inverse)
        assert balance["BTC"]["used"] == 0.004
    finally:
        await exchange.close()
