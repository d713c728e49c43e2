"""The spot account model on the wire: spot REST answered from the spot ledger, in spot's
envelope (``debugMsg``) with spot's codes, and its ``executionReport`` and
``ACCOUNT_UPDATE`` pushed only to spot sockets subscribed to them; a wallet separate
from USDT-M's; every operation from Python and the control API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from bingx_sim import Account, Simulator, schemas
from bingx_sim.ledger import Refused
from tests.trading import public, signed
from tests.wire import ClosingWebSocket, connect, new_key, recv_event

SPOT = "/openApi/spot/v1"
ORDER = f"{SPOT}/trade/order"
BALANCE = f"{SPOT}/account/balance"


@pytest.fixture
def trader(sim: Simulator) -> Account:
    account = sim.add_account(balances={"swap": {"USDT": "100"}, "spot": {"USDT": "10000"}})
    sim.set_price("BTC-USDT", "50000", product="spot")
    return account


def _subscribe(ws: ClosingWebSocket, *topics: str) -> None:
    for topic in topics:
        ws.send(json.dumps({"id": topic, "reqType": "sub", "dataType": topic}))
        assert recv_event(ws) == {"id": topic, "code": 0, "msg": ""}
        if topic == "ACCOUNT_UPDATE":
            assert recv_event(ws)["a"]["m"] == "INIT"


@pytest.fixture
def spot_ws(sim: Simulator, http: requests.Session, trader: Account) -> Iterator[ClosingWebSocket]:
    ws = connect(f"{sim.spot_ws_url}?listenKey={new_key(http, sim, trader)}")
    try:
        _subscribe(ws, "spot.executionReport", "ACCOUNT_UPDATE")
        yield ws
    finally:
        ws.close()


def _frames(ws: ClosingWebSocket, count: int) -> list[dict[str, Any]]:
    got = [recv_event(ws) for _ in range(count)]
    for frame in got:
        schemas.validate(frame, product="spot")
    return got


def _kinds(frames: list[dict[str, Any]]) -> list[str]:
    return [
        f"ER {f['data']['x']}/{f['data']['X']}" if f.get("dataType") else f"AU {f['a']['m']}"
        for f in frames
    ]


def _balances(http: requests.Session, sim: Simulator, account: Account) -> dict[str, Any]:
    rows = signed(http, sim, account, "GET", BALANCE)["data"]["balances"]
    return {row["asset"]: (row["free"], row["locked"]) for row in rows}


def test_a_market_buy_by_quote_answers_and_pushes_from_one_ledger(
    sim: Simulator, http: requests.Session, trader: Account, spot_ws: ClosingWebSocket
) -> None:
    response = http.post(f"{sim.rest_url}{ORDER}")  # (unsigned: refused before the ledger)
    assert response.json()["code"] != 0
    sim.expect_errors("signature|apikey")
    answer = signed(
        http, sim, trader, "POST", ORDER, symbol="BTC-USDT", side="BUY", type="MARKET",
        quoteOrderQty="1000", newClientOrderId="bot_1",
    )  # fmt: skip
    assert list(answer) == ["code", "msg", "debugMsg", "data"]
    placed = answer["data"]
    assert placed == {
        "symbol": "BTC-USDT",
        "orderId": placed["orderId"],
        "transactTime": placed["transactTime"],
        "price": "50000",
        "origQty": "0.02",
        "executedQty": "0.02",
        "cummulativeQuoteQty": "1000",
        "status": "FILLED",
        "type": "MARKET",
        "side": "BUY",
        "clientOrderID": "bot_1",
    }
    assert isinstance(placed["orderId"], int) and placed["orderId"] > 2**53
    frames = _frames(spot_ws, 3)
    assert _kinds(frames) == ["ER NEW/NEW", "AU ORDER", "ER TRADE/FILLED"]
    trade = frames[2]["data"]
    assert (trade["i"], trade["C"], trade["n"], trade["N"]) == (
        placed["orderId"],
        "bot_1",
        -2e-05,
        "BTC",
    )
    assert _balances(http, sim, trader) == {"USDT": ("9000", "0"), "BTC": ("0.01998", "0")}
    # The swap wallet is another wallet: untouched.
    swap = signed(http, sim, trader, "GET", "/openApi/swap/v3/user/balance")["data"]
    assert swap[0]["balance"] == "100.0000"
    query = signed(
        http,
        sim,
        trader,
        "GET",
        f"{SPOT}/trade/query",
        symbol="BTC-USDT",
        orderId=placed["orderId"],
    )["data"]
    assert (query["StopPrice"], query["fee"], query["feeAsset"], query["origQuoteOrderQty"]) == (
        "0",
        "-0.00002",
        "BTC",
        "1000",
    )
    [fill] = signed(http, sim, trader, "GET", f"{SPOT}/trade/myTrades", symbol="BTC-USDT")["data"][
        "fills"
    ]
    assert fill == {
        "symbol": "BTC-USDT",
        "id": fill["id"],
        "orderId": placed["orderId"],
        "price": "50000",
        "qty": "0.02",
        "quoteQty": "1000",
        "commission": -2e-05,
        "commissionAsset": "BTC",
        "time": fill["time"],
        "isBuyer": True,
        "isMaker": False,
    }


def test_a_resting_limit_locks_funds_and_is_listed_cancelled_and_history(
    sim: Simulator, http: requests.Session, trader: Account, spot_ws: ClosingWebSocket
) -> None:
    placed = signed(
        http, sim, trader, "POST", ORDER, symbol="BTC-USDT", side="BUY", type="LIMIT",
        quantity="0.100009", price="49000.129",
    )["data"]  # fmt: skip
    assert (placed["status"], placed["price"], placed["origQty"]) == ("PENDING", "49000.12", "0.1")
    assert _kinds(_frames(spot_ws, 2)) == ["ER NEW/PENDING", "AU ORDER"]
    assert _balances(http, sim, trader)["USDT"] == ("5099.988", "4900.012")
    [listed] = signed(http, sim, trader, "GET", f"{SPOT}/trade/openOrders", symbol="BTC-USDT")[
        "data"
    ]["orders"]
    assert (listed["orderId"], listed["status"], listed["fee"]) == (placed["orderId"], "PENDING", 0)
    cancelled = signed(
        http,
        sim,
        trader,
        "POST",
        f"{SPOT}/trade/cancel",
        symbol="BTC-USDT",
        orderId=placed["orderId"],
    )["data"]
    assert (cancelled["status"], cancelled["stopPrice"]) == ("CANCELED", "0")
    assert _kinds(_frames(spot_ws, 2)) == ["ER CANCELED/CANCELED", "AU ORDER"]
    assert _balances(http, sim, trader)["USDT"] == ("10000", "0")
    history = signed(
        http, sim, trader, "GET", f"{SPOT}/trade/historyOrders", symbol="BTC-USDT", pageSize="10"
    )["data"]["orders"]
    assert [o["status"] for o in history] == ["CANCELED"]
    assert (
        signed(http, sim, trader, "GET", f"{SPOT}/trade/historyOrders", status="FILLED")["data"][
            "orders"
        ]
        == []
    )
    # Cancel everything: a second resting order, by symbol.
    signed(
        http,
        sim,
        trader,
        "POST",
        ORDER,
        symbol="BTC-USDT",
        side="BUY",
        type="LIMIT",
        quantity="0.01",
        price="40000",
    )
    every = signed(http, sim, trader, "POST", f"{SPOT}/trade/cancelOpenOrders", symbol="BTC-USDT")[
        "data"
    ]["orders"]
    assert [o["status"] for o in every] == ["CANCELED"] and "transactTime" in every[0]


def test_market_data_and_fee_rates_come_from_the_spot_ledger(
    sim: Simulator, http: requests.Session, trader: Account
) -> None:
    sim.set_price("BTC-USDT", "64000")  # the perpetual: a price of its own
    assert public(http, sim, f"{SPOT}/server/time")["data"]["serverTime"] > 0
    [row] = public(http, sim, f"{SPOT}/ticker/24hr", symbol="BTC-USDT")["data"]
    assert (row["lastPrice"], row["openPrice"], row["priceChangePercent"]) == (
        50000,
        64000,
        "-21.88%",
    )
    ticker = http.get(f"{sim.rest_url}{SPOT}/ticker/24hr").json()
    assert list(ticker) == ["code", "msg", "timestamp", "data"]
    assert len(ticker["data"]) == len(
        public(http, sim, f"{SPOT}/common/symbols")["data"]["symbols"]
    )
    unsigned = http.get(f"{sim.rest_url}{SPOT}/user/commissionRate", params={"symbol": "BTC-USDT"})
    assert unsigned.json()["code"] != 0  # signed only
    sim.expect_errors("signature|apikey")
    rates = signed(http, sim, trader, "GET", f"{SPOT}/user/commissionRate", symbol="BTC-USDT")
    assert rates["data"] == {"takerCommissionRate": 0.001, "makerCommissionRate": 0.001}


@pytest.mark.parametrize(
    ("method", "path", "params", "code", "says"),
    [
        (
            "POST",
            ORDER,
            {"symbol": "BTC-USDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "20000"},
            100202,
            "Insufficient assets",
        ),
        (
            "POST",
            ORDER,
            {
                "symbol": "BTC-USDT",
                "side": "SELL",
                "type": "LIMIT",
                "quantity": "1",
                "price": "60000",
            },
            100202,
            "Insufficient assets",
        ),
        (
            "POST",
            ORDER,
            {
                "symbol": "BTC-USDT",
                "side": "BUY",
                "type": "LIMIT",
                "quantity": "0.00001",
                "price": "49000",
            },
            100400,
            "entrust volume too low",
        ),
        (
            "POST",
            ORDER,
            {"symbol": "NOPE-USDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "10"},
            100421,
            "contract not exist",
        ),
        (
            "POST",
            ORDER,
            {"symbol": "BTC-USDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"},
            100400,
            "quoteOrderQty is required",
        ),
        ("POST", ORDER, {"symbol": "BTC-USDT", "type": "MARKET"}, 100400, "side and type"),
        ("POST", ORDER, {"side": "BUY", "type": "MARKET"}, 100400, "symbol is required"),
        (
            "POST",
            ORDER,
            {"symbol": "BTC-USDT", "side": "BUY", "type": "LIMIT", "quantity": "x", "price": "1"},
            100400,
            "quantity must be a number",
        ),
        (
            "GET",
            f"{SPOT}/trade/query",
            {"symbol": "NOPE-USDT", "orderId": "1"},
            100204,
            "does not exist",
        ),
        (
            "GET",
            f"{SPOT}/trade/query",
            {"symbol": "BTC-USDT", "orderId": "1"},
            100404,
            "order does not exist",
        ),
        ("GET", f"{SPOT}/trade/query", {"symbol": "BTC-USDT"}, 100400, "orderId or clientOrderID"),
        (
            "GET",
            f"{SPOT}/trade/query",
            {"symbol": "BTC-USDT", "orderId": "-1"},
            100400,
            "non-negative",
        ),
        (
            "POST",
            f"{SPOT}/trade/cancel",
            {"symbol": "BTC-USDT", "clientOrderID": "nope"},
            100400,
            "CANCELLED already",
        ),
        ("GET", f"{SPOT}/trade/myTrades", {}, 100400, "symbol is required"),
        ("GET", f"{SPOT}/trade/myTrades", {"symbol": "BTC-USDT", "limit": "1001"}, 100400, "limit"),
        ("GET", f"{SPOT}/trade/historyOrders", {"status": "OPEN"}, 100400, "status"),
        ("GET", f"{SPOT}/trade/historyOrders", {"pageSize": "101"}, 100400, "pageSize"),
        ("GET", f"{SPOT}/ticker/24hr", {"symbol": "NOPE-USDT"}, 100204, "does not exist"),
    ],
)
def test_refusals_answer_spot_codes_with_debug_msg_and_change_nothing(
    sim: Simulator,
    http: requests.Session,
    trader: Account,
    method: str,
    path: str,
    params: dict[str, str],
    code: int,
    says: str,
) -> None:
    sim.expect_errors(says)
    before = _balances(http, sim, trader)
    answer = signed(http, sim, trader, method, path, **params)
    assert list(answer) == ["code", "msg", "debugMsg"]
    assert answer["code"] == code and says in answer["msg"], answer
    assert _balances(http, sim, trader) == before
    assert signed(http, sim, trader, "GET", f"{SPOT}/trade/openOrders")["data"]["orders"] == []


def test_only_subscribed_spot_sockets_get_spot_events(
    sim: Simulator, http: requests.Session, trader: Account
) -> None:
    key = new_key(http, sim, trader)
    orders_only = connect(f"{sim.spot_ws_url}?listenKey={key}")
    swap = connect(f"{sim.ws_url}?listenKey={key}")
    try:
        _subscribe(orders_only, "spot.executionReport")
        sim.deposit(trader, "USDT", "1", product="spot")  # an ACCOUNT_UPDATE: not subscribed
        sim.place_order(
            trader,
            product="spot",
            symbol="BTC-USDT",
            side="BUY",
            type="LIMIT",
            quantity="0.01",
            price="40000",
        )
        assert recv_event(orders_only)["data"]["X"] == "PENDING"
        sim.deposit(trader, "USDT", "2")  # a swap deposit: the swap socket's first frame
        assert recv_event(swap)["a"]["B"][0]["bc"] == "2.00000000"
    finally:
        orders_only.close()
        swap.close()


def test_every_spot_operation_from_python(sim: Simulator, trader: Account) -> None:
    assert sim.deposit(trader, "BTC", "0.5", product="spot") == "0.5"
    assert sim.withdraw(trader, "BTC", "0.1", product="spot") == "0.4"
    placed = sim.place_order(
        trader,
        product="spot",
        symbol="BTC-USDT",
        side="SELL",
        type="LIMIT",
        quantity="0.2",
        price="52000",
    )
    filled = sim.fill(trader, placed["orderId"], "0.05")
    assert (filled["status"], filled["executedQty"]) == ("PARTIALLY_FILLED", "0.05")
    events = sim.set_price("BTC-USDT", "52000", product="spot")
    assert [e["X"] for e in events if e["e"] == "executionReport"] == ["FILLED"]
    view = sim.account_state(trader, product="spot")
    assert set(view) == {"balance", "openOrders"} and view["openOrders"] == {"orders": []}
    assert {b["asset"]: b["free"] for b in view["balance"]["balances"]}["BTC"] == "0.2"
    with pytest.raises(ValueError, match="one price"):
        sim.set_price("BTC-USDT", "1", last="2", product="spot")
    with pytest.raises(ValueError, match="spot has no positions"):
        sim.funding("BTC-USDT", "0.001", product="spot")
    sim.expect_errors("Insufficient")
    with pytest.raises(Refused):
        sim.withdraw(trader, "BTC", "5", product="spot")


def test_starting_balances_per_product_and_their_checks(sim: Simulator) -> None:
    flat = sim.add_account(balances={"USDT": "10"})
    assert sim.account_state(flat)["balance"]["balance"]["balance"] == "10.0000"
    assert sim.account_state(flat, product="spot")["balance"] == {"balances": []}
    both = sim.add_account(balances={"spot": {"ETH": "2"}, "coinm": {"BTC": "1"}})
    assert sim.account_state(both, product="spot")["balance"]["balances"] == [
        {"asset": "ETH", "free": "2", "locked": "0"}
    ]
    for bad in (
        {"USDT": "1", "spot": {"USDT": "1"}},
        {"spot": "1"},
        {"USDT": {"a": "1"}},
        {"spot": {"USDT": "-1"}},
    ):
        with pytest.raises(ValueError, match=r"balance|product"):
            sim.add_account("bad-key", "secret", balances=bad)  # type: ignore[arg-type]
        assert "bad-key" not in {a.api_key for a in sim.accounts()}


def test_spot_through_the_control_api(sim: Simulator, http: requests.Session) -> None:
    base = f"{sim.rest_url}/_sim"
    key = http.post(f"{base}/accounts", json={}).json()["api_key"]
    assert http.post(
        f"{base}/accounts/{key}/deposit",
        json={"asset": "USDT", "amount": "1000", "product": "spot"},
    ).json() == {"asset": "USDT", "balance": "1000"}
    price = http.post(
        f"{base}/prices", json={"symbol": "ETH-USDT", "price": "2000", "product": "spot"}
    )
    assert price.json() == {"symbol": "ETH-USDT", "events": []}
    order = {
        "product": "spot",
        "symbol": "ETH-USDT",
        "side": "BUY",
        "type": "LIMIT",
        "quantity": "0.1",
        "price": "1900",
    }
    placed = http.post(f"{base}/accounts/{key}/orders", json=order)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["data"]["orderId"]
    filled = http.post(
        f"{base}/accounts/{key}/fills", json={"order_id": order_id, "qty": "0.1"}
    ).json()
    assert filled["order"]["status"] == "FILLED"
    ledger = http.get(f"{base}/accounts/{key}/ledger", params={"product": "spot"}).json()
    assert {b["asset"]: b["free"] for b in ledger["balance"]["balances"]} == {
        "USDT": "810",
        "ETH": "0.0999",
    }
    refused = http.post(f"{base}/accounts/{key}/orders", json=order | {"quantity": "10"})
    assert refused.status_code == 400 and refused.json()["error"].startswith("100202")
    sim.expect_errors("Insufficient")
    assert Decimal(ledger["balance"]["balances"][0]["free"]) == 810


def test_an_account_update_subscription_is_answered_with_the_wallet_as_it_stands(
    sim: Simulator, http: requests.Session, trader: Account
) -> None:
    ws = connect(f"{sim.spot_ws_url}?listenKey={new_key(http, sim, trader)}")
    try:
        ws.send(json.dumps({"id": "a", "reqType": "sub", "dataType": "ACCOUNT_UPDATE"}))
        assert recv_event(ws) == {"id": "a", "code": 0, "msg": ""}
        init = recv_event(ws)
        schemas.validate(init, product="spot")
        assert init["a"]["m"] == "INIT"
        wallet = {b["a"]: Decimal(b["wb"]) for b in init["a"]["B"]}
        assert wallet["USDT"] == Decimal("10000")  # the ledger's spot wallet, not a default
    finally:
        ws.close()
