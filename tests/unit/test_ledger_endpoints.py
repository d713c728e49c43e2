"""Endpoint operations and renderers: BingX's REST payloads from the ledger, the
parameter spellings clients send, and the table the REST layer routes from."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from bingx_sim.ledger import BUDGETS, ENDPOINTS, Ledger, Refused, call
from tests.unit.test_ledger_orders import KEY, frames, kinds, ledger

SWAP = "/openApi/swap"


def get(book: Ledger, path: str, params: dict[str, str] | None = None, now: int = 10) -> Any:
    data, effects = call(book, "GET", SWAP + path, KEY, params or {}, now)
    assert effects == []
    json.dumps(data)  # JSON-ready
    return data


def send(
    book: Ledger, method: str, path: str, params: dict[str, str], now: int = 10
) -> tuple[Any, list[Any]]:
    data, effects = call(book, method, SWAP + path, KEY, params, now)
    json.dumps(data)
    frames(effects)
    return data, effects


def refused_with(book: Ledger, method: str, path: str, params: dict[str, str]) -> Refused:
    before = book.snapshot()
    with pytest.raises(Refused) as caught:
        call(book, method, SWAP + path, KEY, params, 10)
    assert book.snapshot() == before
    return caught.value


BUY = {"symbol": "BTC-USDT", "side": "BUY", "positionSide": "LONG", "type": "MARKET",
       "quantity": "0.01"}  # fmt: skip


def test_the_table_covers_every_endpoint_once_with_a_known_auth_and_budget() -> None:
    paths = {path for _, path in ENDPOINTS}
    assert {
        f"{SWAP}/v2/server/time", f"{SWAP}/v2/quote/contracts", f"{SWAP}/v1/ticker/price",
        f"{SWAP}/v2/quote/price", f"{SWAP}/v2/quote/ticker", f"{SWAP}/v2/quote/premiumIndex",
        f"{SWAP}/v2/quote/bookTicker", f"{SWAP}/v2/quote/depth", f"{SWAP}/v3/user/balance",
        f"{SWAP}/v2/user/balance", f"{SWAP}/v2/user/positions", f"{SWAP}/v2/user/commissionRate",
        f"{SWAP}/v2/user/income", f"{SWAP}/v2/trade/order", f"{SWAP}/v2/trade/order/test",
        f"{SWAP}/v2/trade/allOpenOrders", f"{SWAP}/v2/trade/openOrders",
        f"{SWAP}/v2/trade/openOrder", f"{SWAP}/v2/trade/allOrders",
        f"{SWAP}/v2/trade/allFillOrders", f"{SWAP}/v2/trade/closeAllPositions",
        f"{SWAP}/v2/trade/leverage", f"{SWAP}/v2/trade/marginType",
        f"{SWAP}/v1/positionSide/dual",
    } == paths  # fmt: skip
    for (method, path), row in ENDPOINTS.items():
        assert method in ("GET", "POST", "DELETE") and row.budget in BUDGETS
        assert row.auth == ("public" if "/quote/" in path or "/server/" in path
                            or "/ticker/" in path else "signed")  # fmt: skip


def test_every_endpoint_answers_json_on_a_busy_ledger() -> None:
    book = ledger()
    send(book, "POST", "/v2/trade/order", BUY)
    send(book, "POST", "/v2/trade/order", BUY | {"type": "LIMIT", "price": "60000"})
    order_id = str(book.open_orders(KEY)[0].order_id)
    book.funding("BTC-USDT", "0.0001", now_ms=5)
    params: dict[str, dict[str, str]] = {
        "/v2/quote/bookTicker": {"symbol": "BTC-USDT"},
        "/v2/quote/depth": {"symbol": "BTC-USDT", "limit": "5"},
        "/v2/trade/order": {"symbol": "BTC-USDT", "orderId": order_id},
        "/v2/trade/openOrder": {"symbol": "BTC-USDT", "orderId": order_id},
        "/v2/trade/allFillOrders": {"tradingUnit": "COIN", "startTs": "0", "endTs": "99"},
        "/v2/trade/leverage": {"symbol": "BTC-USDT"},
        "/v2/trade/marginType": {"symbol": "BTC-USDT"},
    }
    for (method, path), _ in ENDPOINTS.items():
        if method == "GET":
            get(book, path.removeprefix(SWAP), params.get(path.removeprefix(SWAP)))


def test_contracts_carry_the_recorded_values() -> None:
    [btc] = get(Ledger(), "/v2/quote/contracts", {"symbol": "BTC-USDT"})
    assert btc == {
        "contractId": "100", "symbol": "BTC-USDT", "size": "0", "quantityPrecision": 4,
        "pricePrecision": 1, "feeRate": 0.0005, "makerFeeRate": 0.0002, "takerFeeRate": 0.0005,
        "tradeMinLimit": 0, "tradeMinQuantity": 0.0001, "tradeMinUSDT": 2,
        "maxLongLeverage": 125, "maxShortLeverage": 125, "currency": "USDT", "asset": "BTC",
        "status": 1, "apiStateOpen": "true", "apiStateClose": "true", "ensureTrigger": True,
        "triggerFeeRate": "0.00020000",
    }  # fmt: skip
    symbols = [c["symbol"] for c in get(Ledger(), "/v2/quote/contracts")]
    assert {"BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT", "DOGE-USDT"} <= set(symbols)


def test_market_data_follows_set_price() -> None:
    book = Ledger()
    book.set_price("ETH-USDT", "3500", last="3501.5", index="3499", now_ms=5)
    assert get(book, "/v1/ticker/price", {"symbol": "ETH-USDT"}) == {
        "symbol": "ETH-USDT", "price": "3501.50", "time": 10}  # fmt: skip
    premium = get(book, "/v2/quote/premiumIndex", {"symbol": "ETH-USDT"})
    assert (premium["markPrice"], premium["indexPrice"]) == ("3500.00", "3499.00")
    assert premium["nextFundingTime"] == 8 * 3_600_000
    assert get(book, "/v2/quote/bookTicker", {"symbol": "ETH-USDT"}) == {
        "book_ticker": {"symbol": "ETH-USDT", "bid_price": 3501.49, "bid_qty": 10,
                        "ask_price": 3501.51, "ask_qty": 10}}  # fmt: skip
    book_ = get(book, "/v2/quote/depth", {"symbol": "ETH-USDT", "limit": "3"})
    assert [b[0] for b in book_["bids"]] == ["3501.49", "3501.48", "3501.47"]
    assert [a[0] for a in book_["asks"]] == ["3501.53", "3501.52", "3501.51"]
    tick = get(book, "/v2/quote/ticker", {"symbol": "ETH-USDT"})
    assert (tick["openPrice"], tick["lastPrice"], tick["priceChangePercent"]) == (
        "3400.00", "3501.50", "2.99")  # fmt: skip
    assert isinstance(get(book, "/v2/quote/ticker"), list)


def test_balance_positions_and_orders_read_like_bingx() -> None:
    book = ledger()
    placed, _ = send(book, "POST", "/v2/trade/order", BUY | {"clientOrderID": "Bot-1"})
    assert placed["order"]["clientOrderID"] == "bot-1" and placed["order"]["orderId"] > 2**53
    [row] = get(book, "/v3/user/balance")
    assert set(row) == {"userId", "asset", "balance", "equity", "unrealizedProfit",
                        "realisedProfit", "availableMargin", "usedMargin", "freezedMargin",
                        "shortUid"}  # fmt: skip
    assert (row["balance"], row["usedMargin"], row["availableMargin"]) == (
        "999.6800", "128.0000", "871.6800")  # fmt: skip
    assert get(book, "/v2/user/balance")["balance"]["balance"] == "999.6800"
    [held] = get(book, "/v2/user/positions", {"symbol": "BTC-USDT"})
    assert (held["positionAmt"], held["positionSide"], held["leverage"]) == ("0.0100", "LONG", 5)
    assert held["realisedProfit"] == "-0.3200"
    found = get(book, "/v2/trade/order", {"symbol": "BTC-USDT", "clientOrderId": "BOT-1"})
    assert found["order"]["status"] == "FILLED" and found["order"]["leverage"] == "5X"
    fills = get(book, "/v2/trade/allFillOrders", {"startTs": "0", "endTs": "99"})
    assert fills["fill_orders"][0]["orderId"] == str(placed["order"]["orderId"])
    assert get(book, "/v2/user/commissionRate") == {
        "commission": {"takerCommissionRate": 0.0005, "makerCommissionRate": 0.0002}
    }


def test_resting_then_cancelled_order_statuses_as_rest_spells_them() -> None:
    book = ledger()
    placed, _ = send(book, "POST", "/v2/trade/order", BUY | {"type": "LIMIT", "price": "60000"})
    order_id = str(placed["order"]["orderId"])
    [resting] = get(book, "/v2/trade/openOrders")["orders"]
    assert resting["status"] == "PENDING"
    answer, effects = send(book, "DELETE", "/v2/trade/order",
                           {"symbol": "BTC-USDT", "orderId": order_id})  # fmt: skip
    assert answer["order"]["status"] == "CANCELLED" and kinds(effects) == ["OTU CANCELED/CANCELED"]
    error = refused_with(book, "GET", "/v2/trade/openOrder",
                         {"symbol": "BTC-USDT", "orderId": order_id})  # fmt: skip
    assert error.error.code == 109421
    normalized = ledger(rest_statuses="normalized")
    send(normalized, "POST", "/v2/trade/order", BUY | {"type": "LIMIT", "price": "60000"})
    assert get(normalized, "/v2/trade/openOrders")["orders"][0]["status"] == "NEW"


def test_the_flat_place_order_shape() -> None:
    book = ledger(place_order_shape="flat")
    answer, _ = send(book, "POST", "/v2/trade/order", BUY)
    assert answer["orderID"] == str(answer["orderId"]) and answer["status"] == "FILLED"
    assert answer["avgPrice"] == "64000.0" and answer["executedQty"] == "0.0100"


def test_settings_endpoints() -> None:
    book = ledger()
    answer, effects = send(book, "POST", "/v2/trade/leverage",
                           {"symbol": "ETH-USDT", "side": "SHORT", "leverage": "8"})  # fmt: skip
    assert answer == {"leverage": 8, "symbol": "ETH-USDT"} and len(effects) == 1
    assert get(book, "/v2/trade/leverage", {"symbol": "ETH-USDT"}) == {
        "longLeverage": 5,
        "shortLeverage": 8,
        "maxLongLeverage": 125,
        "maxShortLeverage": 125,
    }
    answer, _ = send(book, "POST", "/v2/trade/marginType",
                     {"symbol": "ETH-USDT", "marginType": "ISOLATED"})  # fmt: skip
    assert answer is None
    assert get(book, "/v2/trade/marginType", {"symbol": "ETH-USDT"}) == {"marginType": "ISOLATED"}
    assert get(book, "/v1/positionSide/dual") == {"dualSidePosition": "true"}
    answer, _ = send(book, "POST", "/v1/positionSide/dual", {"dualSidePosition": "false"})
    assert answer == {"dualSidePosition": "false"}


def test_close_all_and_cancel_all_answers() -> None:
    book = ledger()
    send(book, "POST", "/v2/trade/order", BUY)
    send(book, "POST", "/v2/trade/order", BUY | {"type": "LIMIT", "price": "60000"})
    answer, _ = send(book, "DELETE", "/v2/trade/allOpenOrders", {"symbol": "BTC-USDT"})
    assert answer["failed"] is None and answer["success"][0]["status"] == "CANCELLED"
    answer, _ = send(book, "POST", "/v2/trade/closeAllPositions", {})
    assert answer["failed"] is None and len(answer["success"]) == 1
    assert get(book, "/v2/user/positions") == []


def test_a_test_order_answers_without_effects() -> None:
    book = ledger()
    before = book.snapshot()
    answer, effects = send(book, "POST", "/v2/trade/order/test", BUY)
    assert effects == [] and answer["order"]["type"] == "MARKET" and book.snapshot() == before


@pytest.mark.parametrize(
    ("params", "code", "text"),
    [
        ({k: v for k, v in BUY.items() if k != "quantity"}, 109400, "parameter quantity is must"),
        (BUY | {"symbol": "BTCUSDT"}, 109400, "symbol not exist"),
        (BUY | {"quantity": "abc"}, 109400, "quantity must be a number"),
        (BUY | {"reduceOnly": "maybe"}, 109400, "reduceOnly must be true or false"),
        (BUY | {"stopLoss": '{"type":"STOP_MARKET"}'}, 109400, "not supported by bingx-sim"),
        (BUY | {"type": "TRAILING_STOP_MARKET"}, 109400, "not supported by bingx-sim"),
        (BUY | {"positionSide": "BOTH"}, 109400, "Hedge mode"),
        (BUY | {"quantity": "1"}, 101204, "Insufficient margin"),
    ],
)
def test_place_order_parameter_errors(params: dict[str, str], code: int, text: str) -> None:
    error = refused_with(ledger(), "POST", "/v2/trade/order", params)
    assert error.error.code == code and text in error.error.msg


def test_query_errors() -> None:
    book = ledger()
    error = refused_with(book, "GET", "/v2/trade/order", {"symbol": "BTC-USDT"})
    assert "Cannot have both orderId and clientOrderID fields empty" in error.error.msg
    error = refused_with(book, "GET", "/v2/trade/allFillOrders", {"startTs": "0"})
    assert error.error.msg == "parameter endTs is must"
    error = refused_with(book, "GET", "/v2/trade/allOrders",
                         {"startTime": "0", "endTime": str(8 * 86_400_000)})  # fmt: skip
    assert error.error.code == 109400
    legacy = ledger(error_codes="legacy")
    error = refused_with(legacy, "DELETE", "/v2/trade/order",
                         {"symbol": "BTC-USDT", "orderId": "1"})  # fmt: skip
    assert error.error.code == 80016


def test_income_filters_by_type_and_limit() -> None:
    book = ledger()
    send(book, "POST", "/v2/trade/order", BUY)
    book.deposit(KEY, "USDT", "5", now_ms=11)
    rows = get(book, "/v2/user/income", {"incomeType": "TRANSFER"})
    assert [(r["incomeType"], r["income"]) for r in rows] == [("TRANSFER", "5.0000")]
    assert len(get(book, "/v2/user/income", {"limit": "1"})) == 1
    assert isinstance(Decimal(rows[0]["income"]), Decimal)
