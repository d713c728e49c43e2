"""Every refusal of the USDT-M ledger and its endpoints answers BingX's code and changes
nothing (a snapshot before and after), and the constructors refuse bad knobs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bingx_sim.ledger import Ledger, OrderRequest, Refused, call
from bingx_sim.ledger.money import InvalidAmount, to_decimal

D = Decimal
KEY = "key-1"


def book(mode: str = "hedge") -> Ledger:
    made = Ledger(position_mode=mode)  # type: ignore[arg-type]
    made.open_account(KEY, {"USDT": "10000"})
    return made


def refused(ledger: Ledger, act: Any, code: int, says: str) -> None:
    before = ledger.snapshot()
    with pytest.raises(Refused) as caught:
        act()
    assert caught.value.error.code == code and says in caught.value.error.msg, caught.value.error
    assert ledger.snapshot() == before


@pytest.mark.parametrize(
    ("knobs", "says"),
    [
        ({"position_mode": "both"}, "position_mode"),
        ({"default_margin_type": "CROSS"}, "default_margin_type"),
        ({"rest_statuses": "loud"}, "rest_statuses"),
        ({"place_order_shape": "round"}, "place_order_shape"),
        ({"prices": {"BTC-USDT": "0"}}, "positive"),
    ],
)
def test_bad_knobs_are_refused(knobs: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Ledger(**knobs)


def test_accounts_are_opened_once_in_a_known_mode() -> None:
    ledger = book()
    with pytest.raises(ValueError, match="already exists"):
        ledger.open_account(KEY)
    with pytest.raises(ValueError, match="position_mode"):
        ledger.open_account("other", position_mode="both")  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount, match="not a decimal"):
        to_decimal(1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount, match="finite"):
        to_decimal("Infinity")


@pytest.mark.parametrize(
    ("request_", "says"),
    [
        (OrderRequest("BTCUSDT", "BUY", "MARKET", quantity=D(1)), "symbol not exist"),
        (OrderRequest("BTC-USDT", "BUY", "LIMIT", quantity=D(1), price=D(-1)), "greater than 0"),
        (
            OrderRequest(
                "BTC-USDT", "BUY", "LIMIT", quantity=D(1), price=D(1), time_in_force="GTD"
            ),
            "timeInForce",
        ),
        (
            OrderRequest(
                "BTC-USDT",
                "BUY",
                "STOP_MARKET",
                quantity=D(1),
                stop_price=D(70000),
                working_type="INDEX",
            ),
            "workingType",
        ),
        (
            OrderRequest(
                "BTC-USDT", "BUY", "STOP_MARKET", quote_order_qty=D(10), stop_price=D(70000)
            ),
            "quoteOrderQty only",
        ),
        (OrderRequest("BTC-USDT", "BUY", "MARKET", quote_order_qty=D(0)), "greater than 0"),
    ],
)
def test_order_shape_refusals(request_: OrderRequest, says: str) -> None:
    ledger = book()
    refused(ledger, lambda: ledger.place_order(KEY, request_, now_ms=1), 109400, says)


def test_one_way_refusals_and_a_close_position_stop_with_nothing_left() -> None:
    ledger = book("oneway")
    both = OrderRequest(
        "BTC-USDT", "SELL", "STOP_MARKET", stop_price=D(1000), close_position=True, reduce_only=True
    )
    refused(ledger, lambda: ledger.place_order(KEY, both, now_ms=1), 109400, "reduceOnly")
    ledger.place_order(KEY, OrderRequest("BTC-USDT", "BUY", "MARKET", quantity=D("0.01")), now_ms=2)
    stop = OrderRequest("BTC-USDT", "SELL", "STOP_MARKET", stop_price=D(60000), close_position=True)
    placed, _ = ledger.place_order(KEY, stop, now_ms=3)
    sell = OrderRequest("BTC-USDT", "SELL", "MARKET", quantity=D("0.01"), reduce_only=True)
    ledger.place_order(KEY, sell, now_ms=4)  # the position is gone before the stop fires
    ledger.set_price("BTC-USDT", "59000", now_ms=5)
    assert ledger.accounts[KEY].orders[placed.order_id].status == "CANCELED"


def test_operations_on_unknown_accounts_and_orders() -> None:
    ledger = book()
    assert ledger.cancel_all("nobody", now_ms=1) == ([], [])
    assert ledger.close_all_positions("nobody", now_ms=1) == ([], [])
    refused(ledger, lambda: ledger.fill(KEY, 12345, "0.01", now_ms=1), 109421, "does not exist")
    refused(
        ledger,
        lambda: ledger.find_order(KEY, "BTC-USDT"),
        109400,
        "Cannot have both orderId and clientOrderID fields empty",
    )
    resting, _ = ledger.place_order(
        KEY, OrderRequest("BTC-USDT", "BUY", "LIMIT", quantity=D("0.01"), price=D(1000)), now_ms=2
    )
    refused(ledger, lambda: ledger.fill(KEY, resting.order_id, "lots", now_ms=3), 109400, "qty")
    refused(
        ledger,
        lambda: ledger.set_margin_type(KEY, "BTC-USDT", "CROSS", now_ms=3),
        109400,
        "marginType",
    )
    mode: Any = "both"
    refused(
        ledger, lambda: ledger.set_position_mode(KEY, mode, now_ms=3), 109400, "dualSidePosition"
    )
    funding = ledger.funding("BTC-USDT", "0", now_ms=4)  # nobody pays zero
    assert funding == []


@pytest.mark.parametrize(
    ("method", "path", "params", "says"),
    [
        (
            "POST",
            "/openApi/swap/v2/trade/order",
            {"symbol": "BTC-USDT", "type": "MARKET"},
            "parameter side is must",
        ),
        ("GET", "/openApi/swap/v2/quote/bookTicker", {}, "parameter symbol is must"),
        (
            "GET",
            "/openApi/swap/v2/trade/order",
            {"symbol": "BTC-USDT", "orderId": "x1"},
            "non-negative integer",
        ),
        (
            "GET",
            "/openApi/swap/v2/quote/depth",
            {"symbol": "BTC-USDT", "limit": "0"},
            "limit must be between",
        ),
        ("GET", "/openApi/swap/v2/user/income", {"incomeType": "GIFT"}, "incomeType"),
        (
            "POST",
            "/openApi/swap/v2/trade/order",
            {"symbol": "BTC-USDT", "side": "BUY", "type": "STOP_MARKET", "stopGuaranteed": "true"},
            "stopGuaranteed",
        ),
        (
            "POST",
            "/openApi/swap/v2/trade/order",
            {"symbol": "BTC-USDT", "side": "BUY", "type": "MARKET", "positionId": "1"},
            "positionId",
        ),
        ("GET", "/openApi/swap/v2/trade/allFillOrders", {"tradingUnit": "USD"}, "tradingUnit"),
        ("GET", "/openApi/swap/v2/trade/allFillOrders", {}, "startTs is must"),
        (
            "POST",
            "/openApi/swap/v2/trade/leverage",
            {"symbol": "BTC-USDT", "side": "LONG"},
            "leverage is must",
        ),
        (
            "POST",
            "/openApi/swap/v1/positionSide/dual",
            {"dualSidePosition": "maybe"},
            "dualSidePosition",
        ),
    ],
)
def test_endpoint_parameter_refusals(
    method: str, path: str, params: dict[str, str], says: str
) -> None:
    ledger = book()
    refused(ledger, lambda: call(ledger, method, path, KEY, params, 1), 109400, says)
