"""The coin-M account model on the wire: ``/openApi/cswap/v1`` answered from the inverse
ledger (contracts in USD, margin and PnL in the coin), its events pushed to coin-M
sockets only, and every operation from Python and the control API."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from bingx_sim import Account, Simulator, schemas
from tests.trading import public, signed
from tests.wire import ClosingWebSocket, connect, new_key, recv_event

CSWAP = "/openApi/cswap/v1"
ORDER = f"{CSWAP}/trade/order"


@pytest.fixture
def trader(sim: Simulator) -> Account:
    account = sim.add_account(balances={"coinm": {"BTC": "1"}})
    sim.set_price("BTC-USD", "50000", product="coinm")
    return account


@pytest.fixture
def coinm_ws(sim: Simulator, http: requests.Session, trader: Account) -> Iterator[ClosingWebSocket]:
    ws = connect(f"{sim.coinm_ws_url}?listenKey={new_key(http, sim, trader)}")
    try:
        yield ws
    finally:
        ws.close()


def _frames(ws: ClosingWebSocket, count: int) -> list[dict[str, Any]]:
    got = [recv_event(ws) for _ in range(count)]
    for frame in got:
        schemas.validate(frame, product="coinm")
    return got


def test_contracts_come_from_the_coin_m_ledger(sim: Simulator, http: requests.Session) -> None:
    answer = public(http, sim, f"{CSWAP}/market/contracts", symbol="BTC-USD")
    assert list(answer) == ["code", "msg", "timestamp", "data"]
    assert answer["data"] == [
        {
            "symbol": "BTC-USD",
            "pricePrecision": 1,
            "minTickSize": "100",
            "minTradeValue": "100",
            "minQty": "1.00000000",
            "status": 1,
            "timeOnline": 1710738000000,
            "displayName": "BTC-USD",
        }
    ]


def test_a_market_buy_opens_a_position_margined_in_the_coin(
    sim: Simulator, http: requests.Session, trader: Account, coinm_ws: ClosingWebSocket
) -> None:
    placed = signed(
        http, sim, trader, "POST", ORDER, symbol="BTC-USD", side="BUY", positionSide="LONG",
        type="MARKET", quantity="10", clientOrderId="coin-1",
    )  # fmt: skip
    assert list(placed) == ["code", "msg", "timestamp", "data"]
    order = placed["data"]
    assert order == {
        "orderId": order["orderId"],
        "symbol": "BTC-USD",
        "positionSide": "LONG",
        "side": "BUY",
        "type": "MARKET",
        "price": 0,
        "quantity": 10,
        "stopPrice": 0,
        "workingType": "",
        "timeInForce": "",
        "clientOrderId": "coin-1",
    }
    new, update, trade = _frames(coinm_ws, 3)
    assert (new["o"]["X"], update["a"]["m"], trade["o"]["X"]) == ("NEW", "ORDER", "FILLED")
    assert trade["o"]["N"] == "BTC" and update["a"]["P"][0]["pa"] == "10.00000000"
    sim.set_price("BTC-USD", "62500", product="coinm")
    [position] = signed(http, sim, trader, "GET", f"{CSWAP}/user/positions")["data"]
    # 10 x 100 USD: margin 1000 / 50000 / 5; PnL 1000 x (1/50000 - 1/62500) = 0.004 BTC
    assert (position["positionAmt"], position["avgPrice"], position["leverage"]) == (
        "10",
        "50000.0",
        5,
    )
    assert (position["initialMargin"], position["unrealizedProfit"]) == ("0.00400000", "0.00400000")
    assert position["liquidationPrice"] == 41666.7  # 50000 x 5/6
    [balance] = signed(http, sim, trader, "GET", f"{CSWAP}/user/balance")["data"]
    assert balance["asset"] == "BTC" and balance["balance"] == "0.99999000"  # a 0.00001 fee
    assert balance["availableMargin"] == "0.99999000"  # wallet + 0.004 PnL - 0.004 margin
    detail = signed(
        http,
        sim,
        trader,
        "GET",
        f"{CSWAP}/trade/orderDetail",
        symbol="BTC-USD",
        orderId=order["orderId"],
    )["data"]["order"]
    assert (detail["orderId"], detail["status"], detail["executedQty"], detail["commission"]) == (
        str(order["orderId"]), "Filled", "10", "-0.00001000",
    )  # fmt: skip
    history = signed(http, sim, trader, "GET", f"{CSWAP}/trade/orderHistory", symbol="BTC-USD")
    assert [o["orderId"] for o in history["data"]["orders"]] == [str(order["orderId"])]


def test_a_resting_limit_is_listed_and_cancelled(
    sim: Simulator, http: requests.Session, trader: Account, coinm_ws: ClosingWebSocket
) -> None:
    placed = signed(
        http, sim, trader, "POST", ORDER, symbol="BTC-USD", side="BUY", positionSide="LONG",
        type="LIMIT", quantity="2", price="45000",
    )["data"]  # fmt: skip
    assert (placed["price"], placed["timeInForce"]) == (45000, "GTC")
    [listed] = signed(http, sim, trader, "GET", f"{CSWAP}/trade/openOrders")["data"]["orders"]
    assert (listed["status"], listed["quantity"], listed["origQty"]) == ("Pending", 2, "2")
    cancelled = signed(
        http,
        sim,
        trader,
        "DELETE",
        f"{CSWAP}/trade/cancelOrder",
        symbol="BTC-USD",
        orderId=placed["orderId"],
    )["data"]["order"]
    assert cancelled["status"] == "CANCELLED"
    assert [f["o"]["X"] for f in _frames(coinm_ws, 2)] == ["NEW", "CANCELED"]
    assert signed(http, sim, trader, "GET", f"{CSWAP}/trade/openOrders")["data"]["orders"] == []


def test_fee_rates_and_leverage(sim: Simulator, http: requests.Session, trader: Account) -> None:
    rates = signed(http, sim, trader, "GET", f"{CSWAP}/user/commissionRate")["data"]
    assert rates == {"takerCommissionRate": "0.0005", "makerCommissionRate": "0.0002"}
    before = signed(http, sim, trader, "GET", f"{CSWAP}/trade/leverage", symbol="BTC-USD")["data"]
    assert (before["longLeverage"], before["maxLongLeverage"]) == (5, 50)
    after = signed(
        http,
        sim,
        trader,
        "POST",
        f"{CSWAP}/trade/leverage",
        symbol="BTC-USD",
        side="LONG",
        leverage="20",
    )
    assert after["data"] == {"symbol": "BTC-USD", "longLeverage": 20, "shortLeverage": 5}


@pytest.mark.parametrize(
    ("method", "path", "params", "code", "says"),
    [
        (
            "POST",
            ORDER,
            {"symbol": "BTC-USDT", "side": "BUY", "type": "MARKET", "quantity": "1"},
            109400,
            "/openApi/cswap/v1/market/contracts",
        ),
        (
            "POST",
            ORDER,
            {"symbol": "BTC-USD", "side": "BUY", "type": "MARKET", "quoteOrderQty": "100"},
            109400,
            "contracts",
        ),
        (
            "POST",
            ORDER,
            {
                "symbol": "BTC-USD",
                "side": "BUY",
                "type": "TRIGGER_MARKET",
                "quantity": "1",
                "stopPrice": "1",
            },
            109400,
            "coin-M order type",
        ),
        (
            "POST",
            ORDER,
            {
                "symbol": "BTC-USD",
                "side": "BUY",
                "type": "MARKET",
                "quantity": "1",
                "stopLoss": "{}",
            },
            109400,
            "not supported by bingx-sim",
        ),
        (
            "POST",
            ORDER,
            {
                "symbol": "BTC-USD",
                "side": "BUY",
                "type": "MARKET",
                "quantity": "10000",
                "positionSide": "LONG",
            },
            101204,
            "Insufficient margin",
        ),
        ("POST", ORDER, {"symbol": "BTC-USD", "type": "MARKET"}, 109400, "side and type"),
        (
            "POST",
            ORDER,
            {"symbol": "BTC-USD", "side": "BUY", "type": "MARKET", "quantity": "x"},
            109400,
            "number",
        ),
        (
            "GET",
            f"{CSWAP}/trade/orderDetail",
            {"symbol": "BTC-USD", "orderId": "12"},
            109421,
            "order does not exist",
        ),
        (
            "GET",
            f"{CSWAP}/trade/orderDetail",
            {"symbol": "BTC-USD", "orderId": "1.5"},
            109400,
            "integer",
        ),
        ("GET", f"{CSWAP}/trade/orderDetail", {}, 109400, "symbol is must"),
        (
            "DELETE",
            f"{CSWAP}/trade/cancelOrder",
            {"symbol": "BTC-USD", "clientOrderId": "nope"},
            109421,
            "order does not exist",
        ),
        ("GET", f"{CSWAP}/trade/orderHistory", {"limit": "0"}, 109400, "limit"),
        (
            "POST",
            f"{CSWAP}/trade/leverage",
            {"symbol": "BTC-USD", "side": "LONG"},
            109400,
            "leverage are must",
        ),
    ],
)
def test_refusals_answer_futures_codes_and_change_nothing(
    sim: Simulator,
    http: requests.Session,
    trader: Account,
    method: str,
    path: str,
    params: dict[str, str],
    code: int,
    says: str,
) -> None:
    sim.expect_errors()
    before = signed(http, sim, trader, "GET", f"{CSWAP}/user/balance")["data"]
    answer = signed(http, sim, trader, method, path, **params)
    assert list(answer) == ["code", "msg", "timestamp"]
    assert answer["code"] == code and says in answer["msg"], answer
    assert signed(http, sim, trader, "GET", f"{CSWAP}/user/balance")["data"] == before


def test_every_coin_m_operation_from_python(sim: Simulator, trader: Account) -> None:
    assert sim.deposit(trader, "BTC", "0.5", product="coinm") == "1.50000000"
    assert sim.withdraw(trader, "BTC", "0.25", product="coinm") == "1.25000000"
    placed = sim.place_order(
        trader,
        product="coinm",
        symbol="BTC-USD",
        side="BUY",
        positionSide="LONG",
        type="LIMIT",
        quantity="5",
        price="49000",
    )
    filled = sim.fill(trader, placed["orderId"], "2")
    assert (filled["status"], filled["executedQty"]) == ("PartiallyFilled", "2")
    events = sim.set_price("BTC-USD", "48000", product="coinm")
    assert [e["o"]["X"] for e in events if e["e"] == "ORDER_TRADE_UPDATE"] == ["FILLED"]
    funded = sim.funding("BTC-USD", "0.0001", product="coinm")
    assert [e["a"]["m"] for e in funded] == ["FUNDING_FEE"]
    view = sim.account_state(trader, product="coinm")
    assert [p["positionAmt"] for p in view["positions"]] == ["5"]
    [liquidation] = sim.liquidate(trader, "BTC-USD", product="coinm")
    assert (liquidation["type"], liquidation["status"]) == ("LIQUIDATION", "Filled")
    assert sim.account_state(trader, product="coinm")["positions"] == []
    # The USDT-M perpetual of the same coin is another market with its own price.
    assert sim.account_state(trader)["positions"] == []


def test_coin_m_through_the_control_api(sim: Simulator, http: requests.Session) -> None:
    base = f"{sim.rest_url}/_sim"
    key = http.post(f"{base}/accounts", json={}).json()["api_key"]
    deposit = {"asset": "ETH", "amount": "3", "product": "coinm"}
    assert (
        http.post(f"{base}/accounts/{key}/deposit", json=deposit).json()["balance"] == "3.00000000"
    )
    http.post(f"{base}/prices", json={"symbol": "ETH-USD", "price": "2500", "product": "coinm"})
    order = {
        "product": "coinm",
        "symbol": "ETH-USD",
        "side": "SELL",
        "positionSide": "SHORT",
        "type": "MARKET",
        "quantity": "10",
    }
    placed = http.post(f"{base}/accounts/{key}/orders", json=order)
    assert placed.status_code == 201, placed.text
    resting = order | {"side": "BUY", "type": "LIMIT", "price": "2000", "quantity": "1"}
    order_id = http.post(f"{base}/accounts/{key}/orders", json=resting).json()["data"]["orderId"]
    fill = {"order_id": str(order_id), "qty": "1"}  # an id as digits is taken too
    assert (
        http.post(f"{base}/accounts/{key}/fills", json=fill).json()["order"]["status"] == "Filled"
    )
    bad = http.post(f"{base}/accounts/{key}/fills", json={"order_id": True, "qty": "1"})
    assert bad.status_code == 400 and "order_id" in bad.json()["error"]
    funded = http.post(
        f"{base}/funding", json={"symbol": "ETH-USD", "rate": "0.001", "product": "coinm"}
    ).json()
    # the short (9 contracts once the buy closed one) receives 0.001 x 9 x 10 / 2500 ETH
    assert funded["events"][0]["a"]["B"][0]["bc"] == "0.00003600"
    ledger = http.get(f"{base}/accounts/{key}/ledger", params={"product": "coinm"}).json()
    assert [(p["positionSide"], p["positionAmt"]) for p in ledger["positions"]] == [("SHORT", "9")]
    liquidated = http.post(
        f"{base}/accounts/{key}/liquidation", json={"symbol": "ETH-USD", "product": "coinm"}
    )
    assert liquidated.json()["orders"][0]["status"] == "Filled"
    bad = http.post(
        f"{base}/accounts/{key}/liquidation", json={"symbol": "ETH-USD", "product": "spot"}
    )
    assert bad.status_code == 400 and "spot has no positions" in bad.json()["error"]
    assert Decimal(ledger["balance"][0]["balance"]) > 3


def test_the_legacy_code_set_applies_to_coin_m_too(
    sim: Simulator, http: requests.Session, trader: Account
) -> None:
    sim.set_options(error_codes="legacy")
    sim.expect_errors("symbol not exist")
    order = {"symbol": "NOPE-USD", "side": "BUY", "type": "MARKET", "quantity": "1"}
    answer = signed(http, sim, trader, "POST", ORDER, **order)
    assert answer["code"] == 80014 and answer["msg"].endswith("/openApi/cswap/v1/market/contracts")
