"""Coin-M REST from the inverse ledger: one pure function per ``/openApi/cswap/v1``
endpoint and its renderer, as :mod:`~bingx_sim.ledger.spot_wire` is for spot.

Shapes follow the evidence there is (``docs/contract.md``, coin-M rows): ccxt 4.5.90's
docstrings quote real coin-M answers (contracts, balance, positions, an order placed,
an order cancelled) and BingX's 2026 coin-M reference (api-ai-skills) gives the rest.
Every answer carries ``timestamp`` in its envelope, as most of those examples do. Coin
amounts have 8 decimals (``"0.35707951"``), contract quantities are whole numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from bingx_sim.ledger.params import decimal, integer, text

from .contracts import Contract
from .inverse import InverseLedger
from .ledger import OrderRequest
from .money import ZERO, fixed, num
from .spot_wire import Outcome, ProductEndpoint
from .state import Account, Order, Position

__all__ = ["COINM_ENDPOINTS", "call", "contract_row", "order", "rest_status"]

Json = Any
COIN: Final = 8  # coin amounts: "0.00630398"

_RECORDED: Final = {
    "PENDING": "Pending",
    "NEW": "New",
    "PARTIALLY_FILLED": "PartiallyFilled",
    "FILLED": "Filled",
    "CANCELLED": "CANCELLED",
    "EXPIRED": "Expired",
}
_UNSUPPORTED_PARAMS: Final = ("stopLoss", "takeProfit", "priceRate", "activationPrice")


# ========================================================================= parameters


def _symbol(book: InverseLedger, params: Mapping[str, str], *, required: bool) -> str | None:
    symbol = text(params, "symbol")
    if symbol is None:
        if required:
            raise book.codes.refuse(109400, "parameter symbol is must")
        return None
    book.contract(symbol)
    return symbol


def _required_symbol(book: InverseLedger, params: Mapping[str, str]) -> str:
    symbol = _symbol(book, params, required=True)
    assert symbol is not None
    return symbol


# ========================================================================== renderers


def contract_row(contract: Contract) -> Json:
    """One row of ``GET /openApi/cswap/v1/market/contracts`` (types as ccxt's docstring:
    ``pricePrecision``/``status``/``timeOnline`` numbers, the sizes strings)."""
    return {
        "symbol": contract.symbol,
        "pricePrecision": contract.price_precision,
        "minTickSize": format(contract.contract_size, "f"),
        "minTradeValue": format(contract.trade_min_usdt, "f"),
        "minQty": fixed(contract.trade_min_quantity, 8),
        "status": contract.status,
        "timeOnline": contract.time_online,
        "displayName": contract.symbol,
    }


def rest_status(book: InverseLedger, found: Order) -> str:
    """As recorded (``statuses="recorded"``): ``Pending`` for a resting limit,
    ``PartiallyFilled``, ``Filled``, ``CANCELLED`` (upper case, two Ls, as the cancel
    answer was logged); an untriggered stop ``New`` and an expired order ``Expired``
    (inferred). ``statuses="upper"``: ``PENDING``, ``NEW``, ``PARTIALLY_FILLED``, ...."""
    status = found.status
    if status == "NEW":
        status = "NEW" if found.is_conditional else "PENDING"
    elif status == "CANCELED":
        status = "CANCELLED"
    return _RECORDED[status] if book.statuses == "recorded" else status


_NO_ATTACHED: Final = {
    "type": "",
    "quantity": 0,
    "stopPrice": 0,
    "price": 0,
    "workingType": "",
    "stopGuaranteed": "",
}


def order(book: InverseLedger, found: Order) -> Json:
    """The order object of cancel, detail, open and history answers: the id a string,
    ``quantity`` a number and ``origQty`` its text, coin money with 8 decimals."""
    contract = book.contract(found.symbol)
    pp = contract.price_precision
    return {
        "symbol": found.symbol,
        "orderId": str(found.order_id),
        "side": found.side,
        "positionSide": found.position_side,
        "type": found.order_type,
        "quantity": num(found.orig_qty),
        "origQty": fixed(found.orig_qty, 0),
        "price": fixed(found.price, pp),
        "executedQty": fixed(found.executed_qty, 0),
        "avgPrice": fixed(found.avg_price, pp),
        "cumQuote": fixed(found.cum_quote, COIN),
        "stopPrice": "" if found.stop_price is None else fixed(found.stop_price, pp),
        "profit": fixed(found.profit, COIN),
        "commission": fixed(found.commission, COIN),
        "status": rest_status(book, found),
        "time": found.time,
        "updateTime": found.update_time,
        "clientOrderId": found.client_order_id,
        "leverage": "",
        "takeProfit": dict(_NO_ATTACHED),
        "stopLoss": dict(_NO_ATTACHED),
        "advanceAttr": 0,
        "positionID": 0,
        "takeProfitEntrustPrice": 0,
        "stopLossEntrustPrice": 0,
        "orderType": "",
        "workingType": found.working_type,
    }


def place_answer(found: Order) -> Json:
    """``POST /openApi/cswap/v1/trade/order``: flat, prices and quantity as numbers
    (BingX's example; ccxt's docstring has the same fields)."""
    plain_kind = found.order_type in ("MARKET", "LIMIT")
    return {
        "orderId": found.order_id,
        "symbol": found.symbol,
        "positionSide": found.position_side,
        "side": found.side,
        "type": found.order_type,
        "price": num(found.price) if found.order_type == "LIMIT" else 0,
        "quantity": num(found.orig_qty),
        "stopPrice": num(found.stop_price) if found.stop_price is not None else 0,
        "workingType": "" if plain_kind else found.working_type,
        "timeInForce": found.time_in_force if found.order_type == "LIMIT" else "",
        "clientOrderId": found.client_order_id,
    }


def _liquidation_price(position: Position, leverage: int) -> Decimal:
    """Where the position's own margin is gone (an estimate, inferred): long
    ``entry * lev / (lev + 1)``, short ``entry * lev / (lev - 1)`` (0 at 1x)."""
    if position.qty > 0:
        return position.entry * leverage / (leverage + 1)
    return position.entry * leverage / (leverage - 1) if leverage > 1 else ZERO


def _position_row(book: InverseLedger, account: Account, position: Position) -> Json:
    contract = book.contract(position.symbol)
    pp = contract.price_precision
    lev = book.leverage_for(account, position.symbol, position.direction)
    pending = sum(
        (
            o.remaining
            for o in book.open_orders(account.api_key, position.symbol)
            if not o.is_conditional
            and o.position_side == position.side
            and book.is_closing(account, o)
        ),
        ZERO,
    )
    return {
        "symbol": position.symbol,
        "positionId": str(position.position_id),
        "positionSide": position.direction,
        "isolated": book.margin_type_of(account, position.symbol) == "ISOLATED",
        "positionAmt": fixed(abs(position.qty), 0),
        "availableAmt": fixed(max(ZERO, abs(position.qty) - pending), 0),
        "unrealizedProfit": fixed(book.unrealized(position), COIN),
        "initialMargin": fixed(book.position_margin(account, position), COIN),
        "liquidationPrice": num(_liquidation_price(position, lev).quantize(contract.tick)),
        "avgPrice": fixed(position.entry, pp),
        "leverage": lev,
        "markPrice": fixed(book.prices[position.symbol].mark, pp),
        "riskRate": fixed(ZERO, COIN),
        "maxMarginReduction": fixed(ZERO, COIN),
        "updateTime": position.update_time,
    }


# ========================================================================== endpoints


def contracts(book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    """Every contract, or the one ``symbol`` names (none for one not listed)."""
    wanted = text(params, "symbol")
    rows = [contract_row(c) for c in book.contracts.values() if wanted in (None, c.symbol)]
    return rows, []


def balance(book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    """An array, one row per coin the wallet holds."""
    account = book.account(api_key)
    rows = []
    for asset in account.wallet:
        figures = book.balance(api_key, asset)
        rows.append(
            {
                "asset": asset,
                "balance": fixed(figures.wallet, COIN),
                "equity": fixed(figures.equity, COIN),
                "unrealizedProfit": fixed(figures.unrealized, COIN),
                "availableMargin": fixed(figures.available, COIN),
                "usedMargin": fixed(figures.used, COIN),
                "freezedMargin": fixed(figures.frozen, COIN),
                "shortUid": account.user_id,
            }
        )
    return rows, []


def positions(book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _symbol(book, params, required=False)
    account = book.account(api_key)
    return [_position_row(book, account, p) for p in book.positions(api_key, symbol)], []


def commission_rate(
    book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    """Strings, as BingX's coin-M example (USDT-M's are numbers)."""
    taker, maker = book.commission_rates(None)
    return {
        "takerCommissionRate": format(taker, "f"),
        "makerCommissionRate": format(maker, "f"),
    }, []


def place_order(
    book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    symbol = _required_symbol(book, params)
    side = text(params, "side")
    kind = text(params, "type")
    if side is None or kind is None:
        raise book.codes.refuse(109400, "parameter side and type are must")
    if kind.startswith("TRIGGER_"):  # not among coin-M's documented types
        raise book.codes.invalid(f"type {kind} is not a valid coin-M order type")
    for name in _UNSUPPORTED_PARAMS:
        if text(params, name) is not None:
            raise book.codes.unsupported(f"parameter {name}")
    if text(params, "quoteOrderQty") is not None:
        raise book.codes.invalid("quoteOrderQty is not supported: coin-M orders are in contracts")
    request = OrderRequest(
        symbol=symbol,
        side=side,
        order_type=kind,
        quantity=decimal(book, params, "quantity"),
        price=decimal(book, params, "price") if kind == "LIMIT" else None,
        stop_price=decimal(book, params, "stopPrice"),
        position_side=text(params, "positionSide"),
        time_in_force=text(params, "timeInForce"),
        client_order_id=text(params, "clientOrderId", "clientOrderID"),
        reduce_only=(text(params, "reduceOnly") or "").lower() == "true",
        close_position=(text(params, "closePosition") or "").lower() == "true",
        working_type=text(params, "workingType"),
    )
    placed, effects = book.place_order(api_key, request, now_ms=now_ms)
    return place_answer(placed), effects


def _find(book: InverseLedger, api_key: str, params: Mapping[str, str]) -> Order:
    symbol = _required_symbol(book, params)
    return book.find_order(
        api_key,
        symbol,
        order_id=integer(book, params, "orderId"),
        client_order_id=text(params, "clientOrderId", "clientOrderID"),
    )


def cancel_order(
    book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    """``{"order": {...}}`` with status ``CANCELLED`` (ccxt's recorded answer)."""
    found = _find(book, api_key, params)
    cancelled, effects = book.cancel_order(
        api_key, found.symbol, order_id=found.order_id, now_ms=now_ms
    )
    return {"order": order(book, cancelled)}, effects


def order_detail(
    book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    return {"order": order(book, _find(book, api_key, params))}, []


def open_orders(
    book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    symbol = _symbol(book, params, required=False)
    return {"orders": [order(book, o) for o in book.open_orders(api_key, symbol)]}, []


def order_history(
    book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    """Closed orders (filled, cancelled), oldest first, ``limit`` (≤ 1000, default 100)."""
    symbol = _symbol(book, params, required=False)
    limit = integer(book, params, "limit")
    if limit is not None and not 1 <= limit <= 1000:
        raise book.codes.invalid("limit must be between 1 and 1000")
    found = book.order_history(
        api_key,
        symbol,
        start_ms=integer(book, params, "startTime"),
        end_ms=integer(book, params, "endTime"),
        limit=limit or 100,
        from_order_id=integer(book, params, "orderId"),
        closed_only=True,  # the page is of closed orders, however many are open
    )
    return {"orders": [order(book, o) for o in found]}, []


def get_leverage(
    book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    symbol = _required_symbol(book, params)
    contract = book.contract(symbol)
    long, short = book.leverage_of(api_key, symbol)
    return {
        "symbol": symbol,
        "longLeverage": long,
        "shortLeverage": short,
        "maxLongLeverage": contract.max_long_leverage,
        "maxShortLeverage": contract.max_short_leverage,
        "availableLongVol": "4000000",
        "availableShortVol": "4000000",
    }, []


def set_leverage(
    book: InverseLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    symbol = _required_symbol(book, params)
    side = text(params, "side")
    value = integer(book, params, "leverage")
    if side is None or value is None:
        raise book.codes.refuse(109400, "parameter side and leverage are must")
    _, effects = book.set_leverage(api_key, symbol, side, value, now_ms=now_ms)
    long, short = book.leverage_of(api_key, symbol)
    return {"symbol": symbol, "longLeverage": long, "shortLeverage": short}, effects


# ============================================================================== table

_CSWAP: Final = "/openApi/cswap/v1"


def _row(handler: Any, auth: Any, budget: str) -> ProductEndpoint:
    return ProductEndpoint(handler, auth, budget, "timestamped")


COINM_ENDPOINTS: Final[Mapping[tuple[str, str], ProductEndpoint]] = {
    ("GET", f"{_CSWAP}/market/contracts"): _row(contracts, "public", "market"),
    ("GET", f"{_CSWAP}/user/balance"): _row(balance, "signed", "account"),
    ("GET", f"{_CSWAP}/user/positions"): _row(positions, "signed", "account"),
    ("GET", f"{_CSWAP}/user/commissionRate"): _row(commission_rate, "signed", "account"),
    ("POST", f"{_CSWAP}/trade/order"): _row(place_order, "signed", "trade"),
    ("DELETE", f"{_CSWAP}/trade/cancelOrder"): _row(cancel_order, "signed", "trade"),
    ("GET", f"{_CSWAP}/trade/orderDetail"): _row(order_detail, "signed", "query"),
    ("GET", f"{_CSWAP}/trade/openOrders"): _row(open_orders, "signed", "query"),
    ("GET", f"{_CSWAP}/trade/orderHistory"): _row(order_history, "signed", "query"),
    ("GET", f"{_CSWAP}/trade/leverage"): _row(get_leverage, "signed", "account"),
    ("POST", f"{_CSWAP}/trade/leverage"): _row(set_leverage, "signed", "settings"),
}
"""Every coin-M endpoint the inverse ledger answers."""


def call(
    book: InverseLedger,
    method: str,
    path: str,
    api_key: str,
    params: Mapping[str, str],
    now_ms: int,
) -> Outcome:
    """Dispatch one coin-M request (``KeyError`` for a route not in the table)."""
    return COINM_ENDPOINTS[(method, path)].handler(book, api_key, params, now_ms)
