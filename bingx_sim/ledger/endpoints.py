"""Endpoint operations: one pure function per BingX USDT-M REST endpoint.

Each takes ``(ledger, api_key, params, now_ms)``, ``params`` being the request's merged
string parameters (query and body, as the exchange reads them), checks them with BingX's
errors, calls the ledger and returns ``(data, effects)``: the payload for the envelope's
``data`` (``None``: no ``data`` field) and the stream events to push. A refusal raises
:class:`~bingx_sim.ledger.codes.Refused`.

:data:`ENDPOINTS` maps ``(method, path)`` to an :class:`Endpoint` row: the function, the
auth kind (``"signed"`` or ``"public"``) and the budget group (see :data:`BUDGETS`). The
REST layer turns each row into a route; it checks the signature, ``timestamp`` and
``recvWindow`` itself, so they are ignored here, as are parameters BingX ignores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, NamedTuple

from bingx_sim.ledger.params import decimal, integer, text

from . import render
from .effects import Effect
from .ledger import Ledger, OrderRequest

__all__ = [
    "BUDGETS",
    "ENDPOINTS",
    "Endpoint",
    "Handler",
    "Outcome",
    "call",
]

Outcome = tuple[Any, list[Effect]]
Handler = Callable[[Ledger, str, Mapping[str, str], int], Outcome]


class Endpoint(NamedTuple):
    """One row of :data:`ENDPOINTS`."""

    handler: Handler
    auth: Literal["signed", "public"]
    budget: str


BUDGETS: Final = {
    "market": "public market data, limited per IP",
    "account": "signed reads of the account (balance, positions, income, fee rate)",
    "query": "signed reads of orders and fills",
    "trade": "placing and cancelling orders, closing positions (BingX: 5/s per UID, IP "
    "group 3 for place and cancel)",
    "settings": "leverage, margin type, position mode (BingX: 2-5/s per UID, IP group 2)",
}
"""Budget group names and what they cover; the REST layer decides their limits."""

_SEVEN_DAYS_MS: Final = 7 * 86_400_000


# =========================================================================== parameters


def _required(ledger: Ledger, params: Mapping[str, str], name: str) -> str:
    value = text(params, name)
    if value is None:
        raise ledger.codes.refuse(109400, f"parameter {name} is must")
    return value


def _symbol(ledger: Ledger, params: Mapping[str, str], *, required: bool) -> str | None:
    symbol = text(params, "symbol")
    if symbol is None:
        if required:
            raise ledger.codes.refuse(109400, "parameter symbol is must")
        return None
    if "-" not in symbol:
        raise ledger.codes.unknown_symbol(symbol, ledger.CONTRACTS_PATH)
    ledger.contract(symbol)
    return symbol


def _bool(ledger: Ledger, params: Mapping[str, str], name: str) -> bool:
    value = text(params, name)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise ledger.codes.invalid(f"{name} must be true or false")
    return value.lower() == "true"


def _limit(ledger: Ledger, params: Mapping[str, str], default: int, cap: int) -> int:
    limit = integer(ledger, params, "limit")
    if limit is None:
        return default
    if not 1 <= limit <= cap:
        raise ledger.codes.invalid(f"limit must be between 1 and {cap}")
    return limit


# =============================================================================== public


def server_time(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    return render.server_time(now_ms), []


def contracts(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    return render.contracts(ledger, _symbol(ledger, params, required=False)), []


def price(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    return render.price(ledger, _symbol(ledger, params, required=False), now_ms), []


def ticker(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    return render.ticker(ledger, _symbol(ledger, params, required=False), now_ms), []


def premium_index(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    return render.premium_index(ledger, _symbol(ledger, params, required=False), now_ms), []


def book_ticker(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _symbol(ledger, params, required=True)
    assert symbol is not None
    return render.book_ticker(ledger, symbol), []


def depth(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _symbol(ledger, params, required=True)
    assert symbol is not None
    return render.depth(ledger, symbol, _limit(ledger, params, 20, 1000), now_ms), []


# ============================================================================== account


def balance_v3(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    return render.balance_v3(ledger, api_key), []


def balance_v2(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    return render.balance_v2(ledger, api_key), []


def positions(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    return render.positions(ledger, api_key, _symbol(ledger, params, required=False)), []


def commission_rate(
    ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    return render.commission_rate(ledger, _symbol(ledger, params, required=False)), []


_INCOME_TYPES: Final = frozenset(
    {"TRANSFER", "REALIZED_PNL", "FUNDING_FEE", "TRADING_FEE", "INSURANCE_CLEAR",
     "TRIAL_FUND", "ADL", "SYSTEM_DEDUCTION", "GTD_PRICE"}
)  # fmt: skip


def income(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _symbol(ledger, params, required=False)
    kind = text(params, "incomeType")
    if kind is not None and kind not in _INCOME_TYPES:
        raise ledger.codes.invalid("incomeType is not valid")
    rows = ledger.income_of(
        api_key,
        symbol,
        income_type=kind,
        start_ms=integer(ledger, params, "startTime"),
        end_ms=integer(ledger, params, "endTime"),
        limit=_limit(ledger, params, 100, 1000),
    )
    return render.income(rows), []


# =============================================================================== orders

_UNSUPPORTED_PARAMS: Final = ("stopLoss", "takeProfit", "priceRate", "activationPrice")


def _order_request(ledger: Ledger, params: Mapping[str, str]) -> OrderRequest:
    symbol = _symbol(ledger, params, required=True)
    assert symbol is not None
    side = _required(ledger, params, "side")
    kind = _required(ledger, params, "type")
    for name in _UNSUPPORTED_PARAMS:
        if text(params, name) is not None:
            raise ledger.codes.unsupported(f"parameter {name}")
    guaranteed = text(params, "stopGuaranteed")
    if guaranteed is not None and guaranteed.lower() != "false":
        raise ledger.codes.unsupported("stopGuaranteed")
    if text(params, "positionId") is not None:
        raise ledger.codes.unsupported("parameter positionId (separate isolated margin)")
    return OrderRequest(
        symbol=symbol,
        side=side,
        order_type=kind,
        quantity=decimal(ledger, params, "quantity"),
        price=decimal(ledger, params, "price") if kind == "LIMIT" else None,
        stop_price=decimal(ledger, params, "stopPrice"),
        position_side=text(params, "positionSide"),
        time_in_force=text(params, "timeInForce"),
        client_order_id=text(params, "clientOrderId", "clientOrderID", "newClientOrderId"),
        reduce_only=_bool(ledger, params, "reduceOnly"),
        close_position=_bool(ledger, params, "closePosition"),
        working_type=text(params, "workingType"),
        quote_order_qty=decimal(ledger, params, "quoteOrderQty"),
    )


def place_order(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    placed, effects = ledger.place_order(api_key, _order_request(ledger, params), now_ms=now_ms)
    return render.place_answer(ledger, api_key, placed), effects


def test_order(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    request = _order_request(ledger, params)
    placed, _ = ledger.place_order(api_key, request, now_ms=now_ms, test=True)
    return render.place_answer(ledger, api_key, placed), []


def _order_key(ledger: Ledger, params: Mapping[str, str]) -> tuple[str, int | None, str | None]:
    symbol = _symbol(ledger, params, required=True)
    assert symbol is not None
    order_id = integer(ledger, params, "orderId")
    client_id = text(params, "clientOrderId", "clientOrderID", "origClientOrderId")
    if order_id is None and client_id is None:
        raise ledger.codes.invalid(
            "Cannot have both orderId and clientOrderID fields empty,one must be filled"
        )
    return symbol, order_id, client_id


def cancel_order(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol, order_id, client_id = _order_key(ledger, params)
    cancelled, effects = ledger.cancel_order(
        api_key, symbol, order_id=order_id, client_order_id=client_id, now_ms=now_ms
    )
    account = ledger.account(api_key)
    return {"order": render.order(ledger, account, cancelled)}, effects


def cancel_all(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _symbol(ledger, params, required=False)
    kind = text(params, "type")
    cancelled, effects = ledger.cancel_all(api_key, symbol, order_type=kind, now_ms=now_ms)
    return render.cancel_all(ledger, api_key, cancelled), effects


def query_order(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol, order_id, client_id = _order_key(ledger, params)
    found = ledger.find_order(api_key, symbol, order_id=order_id, client_order_id=client_id)
    return {"order": render.order(ledger, ledger.account(api_key), found)}, []


def open_order(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol, order_id, client_id = _order_key(ledger, params)
    found = ledger.find_order(api_key, symbol, order_id=order_id, client_order_id=client_id)
    if not found.is_open:
        raise ledger.codes.order_not_found()
    return {"order": render.order(ledger, ledger.account(api_key), found)}, []


def open_orders(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _symbol(ledger, params, required=False)
    kind = text(params, "type")
    found = [o for o in ledger.open_orders(api_key, symbol) if kind is None or o.order_type == kind]
    return render.order_list(ledger, api_key, found), []


def all_orders(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _symbol(ledger, params, required=False)
    start = integer(ledger, params, "startTime")
    end = integer(ledger, params, "endTime")
    if start is not None and end is not None and end - start > _SEVEN_DAYS_MS:
        raise ledger.codes.invalid("the query time range cannot exceed 7 days")
    found = ledger.order_history(
        api_key,
        symbol,
        start_ms=start,
        end_ms=end,
        limit=_limit(ledger, params, 500, 1000),
        from_order_id=integer(ledger, params, "orderId"),
    )
    return render.order_list(ledger, api_key, found), []


def fill_orders(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    unit = text(params, "tradingUnit")
    if unit is not None and unit not in ("COIN", "CONT"):
        raise ledger.codes.invalid("tradingUnit must be COIN or CONT")
    start = integer(ledger, params, "startTs")
    end = integer(ledger, params, "endTs")
    if start is None:
        raise ledger.codes.refuse(109400, "parameter startTs is must")
    if end is None:
        raise ledger.codes.refuse(109400, "parameter endTs is must")
    fills = ledger.fills_of(
        api_key,
        _symbol(ledger, params, required=False),
        order_id=integer(ledger, params, "orderId"),
        start_ms=start,
        end_ms=end,
    )
    return render.fill_orders(ledger, api_key, fills), []


def close_all_positions(
    ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    symbol = _symbol(ledger, params, required=False)
    ids, effects = ledger.close_all_positions(api_key, symbol, now_ms=now_ms)
    return render.close_all(ids), effects


# ============================================================================= settings


def get_leverage(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _symbol(ledger, params, required=True)
    assert symbol is not None
    return render.leverage(ledger, api_key, symbol), []


def set_leverage(ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _symbol(ledger, params, required=True)
    assert symbol is not None
    side = _required(ledger, params, "side")
    value = integer(ledger, params, "leverage")
    if value is None:
        raise ledger.codes.refuse(109400, "parameter leverage is must")
    leverage, effects = ledger.set_leverage(api_key, symbol, side, value, now_ms=now_ms)
    return render.set_leverage(leverage, symbol), effects


def get_margin_type(
    ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    symbol = _symbol(ledger, params, required=True)
    assert symbol is not None
    return render.margin_type(ledger, api_key, symbol), []


def set_margin_type(
    ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    symbol = _symbol(ledger, params, required=True)
    assert symbol is not None
    kind = _required(ledger, params, "marginType")
    _, effects = ledger.set_margin_type(api_key, symbol, kind, now_ms=now_ms)
    return None, effects  # BingX answers {"code":0,"msg":""} with no data


def get_position_mode(
    ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    return render.position_mode(ledger.account(api_key).hedge), []


def set_position_mode(
    ledger: Ledger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    flag = _required(ledger, params, "dualSidePosition").lower()
    if flag not in ("true", "false"):
        raise ledger.codes.invalid("dualSidePosition must be true or false")
    mode, effects = ledger.set_position_mode(
        api_key, "hedge" if flag == "true" else "oneway", now_ms=now_ms
    )
    return render.position_mode(mode == "hedge"), effects


# ================================================================================ table

_SWAP: Final = "/openApi/swap"

ENDPOINTS: Final[Mapping[tuple[str, str], Endpoint]] = {
    ("GET", f"{_SWAP}/v2/server/time"): Endpoint(server_time, "public", "market"),
    ("GET", f"{_SWAP}/v2/quote/contracts"): Endpoint(contracts, "public", "market"),
    ("GET", f"{_SWAP}/v1/ticker/price"): Endpoint(price, "public", "market"),
    ("GET", f"{_SWAP}/v2/quote/price"): Endpoint(price, "public", "market"),
    ("GET", f"{_SWAP}/v2/quote/ticker"): Endpoint(ticker, "public", "market"),
    ("GET", f"{_SWAP}/v2/quote/premiumIndex"): Endpoint(premium_index, "public", "market"),
    ("GET", f"{_SWAP}/v2/quote/bookTicker"): Endpoint(book_ticker, "public", "market"),
    ("GET", f"{_SWAP}/v2/quote/depth"): Endpoint(depth, "public", "market"),
    ("GET", f"{_SWAP}/v3/user/balance"): Endpoint(balance_v3, "signed", "account"),
    ("GET", f"{_SWAP}/v2/user/balance"): Endpoint(balance_v2, "signed", "account"),
    ("GET", f"{_SWAP}/v2/user/positions"): Endpoint(positions, "signed", "account"),
    ("GET", f"{_SWAP}/v2/user/commissionRate"): Endpoint(commission_rate, "signed", "account"),
    ("GET", f"{_SWAP}/v2/user/income"): Endpoint(income, "signed", "account"),
    ("POST", f"{_SWAP}/v2/trade/order"): Endpoint(place_order, "signed", "trade"),
    ("POST", f"{_SWAP}/v2/trade/order/test"): Endpoint(test_order, "signed", "trade"),
    ("DELETE", f"{_SWAP}/v2/trade/order"): Endpoint(cancel_order, "signed", "trade"),
    ("GET", f"{_SWAP}/v2/trade/order"): Endpoint(query_order, "signed", "query"),
    ("DELETE", f"{_SWAP}/v2/trade/allOpenOrders"): Endpoint(cancel_all, "signed", "trade"),
    ("GET", f"{_SWAP}/v2/trade/openOrders"): Endpoint(open_orders, "signed", "query"),
    ("GET", f"{_SWAP}/v2/trade/openOrder"): Endpoint(open_order, "signed", "query"),
    ("GET", f"{_SWAP}/v2/trade/allOrders"): Endpoint(all_orders, "signed", "query"),
    ("GET", f"{_SWAP}/v2/trade/allFillOrders"): Endpoint(fill_orders, "signed", "query"),
    ("POST", f"{_SWAP}/v2/trade/closeAllPositions"): Endpoint(
        close_all_positions, "signed", "trade"
    ),
    ("GET", f"{_SWAP}/v2/trade/leverage"): Endpoint(get_leverage, "signed", "account"),
    ("POST", f"{_SWAP}/v2/trade/leverage"): Endpoint(set_leverage, "signed", "settings"),
    ("GET", f"{_SWAP}/v2/trade/marginType"): Endpoint(get_margin_type, "signed", "account"),
    ("POST", f"{_SWAP}/v2/trade/marginType"): Endpoint(set_margin_type, "signed", "settings"),
    ("GET", f"{_SWAP}/v1/positionSide/dual"): Endpoint(get_position_mode, "signed", "account"),
    ("POST", f"{_SWAP}/v1/positionSide/dual"): Endpoint(set_position_mode, "signed", "settings"),
}
"""Every endpoint the ledger answers: ``(method, path) → Endpoint``."""


def call(
    ledger: Ledger,
    method: str,
    path: str,
    api_key: str,
    params: Mapping[str, str],
    now_ms: int,
) -> Outcome:
    """Dispatch one request through :data:`ENDPOINTS` (a convenience for tests and the
    REST layer); an unknown route raises ``KeyError``."""
    return ENDPOINTS[(method, path)].handler(ledger, api_key, params, now_ms)
