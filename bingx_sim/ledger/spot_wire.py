"""Spot REST from the spot ledger: one pure function per endpoint and its renderer.

Each endpoint takes ``(book, api_key, params, now_ms)`` (``book`` a
:class:`~bingx_sim.ledger.spot.SpotLedger`, ``params`` the request's merged string
parameters) and returns ``(data, effects)``; a refusal raises
:class:`~bingx_sim.ledger.codes.Refused` with spot's codes. :data:`SPOT_ENDPOINTS` maps
``(method, path)`` to a :class:`ProductEndpoint` row naming its envelope too.

Shapes are the recorded answers' (JKorf/BingX.Net ``Endpoints/Spot/**.txt``, ccxt
4.5.90's docstrings): amounts as exact decimal strings without trailing zeros
(``"0.1557"``), order ids as JSON numbers, the fill commission and the commission
rates as JSON numbers; ``StopPrice`` with a capital S in query and list answers and
``stopPrice`` in a cancel answer, as recorded. Payload numbers are
:class:`~decimal.Decimal`, written exactly by :func:`~bingx_sim.ledger.money.wire_json`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final, Literal, NamedTuple

from bingx_sim.ledger.params import decimal, integer, text

from .money import ZERO, plain
from .spot import Effect, SpotFill, SpotLedger, SpotOrder, SpotOrderRequest

__all__ = [
    "SPOT_ENDPOINTS",
    "Envelope",
    "ProductEndpoint",
    "call",
    "order",
    "place_answer",
]

Json = Any
Outcome = tuple[Any, list[Effect]]
Envelope = Literal["swap", "spot", "timestamped"]
"""``spot``: ``{code, msg, debugMsg, data}``; ``timestamped``: ``{code, msg,
timestamp, data}``; ``swap``: ``{code, msg, data}``."""

_DAY_MS: Final = 86_400_000
_MAX_PAGE: Final = 100


class ProductEndpoint(NamedTuple):
    """One endpoint of a product's ledger: its function, auth kind, budget group and
    answer envelope."""

    handler: Callable[[Any, str, Mapping[str, str], int], Outcome]
    auth: Literal["signed", "public"]
    budget: str
    envelope: Envelope


# ========================================================================= parameters


def _symbol(book: SpotLedger, params: Mapping[str, str], *, required: bool) -> str | None:
    symbol = text(params, "symbol")
    if symbol is None:
        if required:
            raise book.codes.invalid("symbol is required")
        return None
    book.symbol(symbol)
    return symbol


def _required_symbol(book: SpotLedger, params: Mapping[str, str]) -> str:
    symbol = _symbol(book, params, required=True)
    assert symbol is not None
    return symbol


def _range(book: SpotLedger, params: Mapping[str, str], name: str, default: int, cap: int) -> int:
    value = integer(book, params, name)
    if value is None:
        return default
    if not 1 <= value <= cap:
        raise book.codes.invalid(f"{name} must be between 1 and {cap}")
    return value


# ========================================================================== renderers


def _status(found: SpotOrder) -> str:
    """REST and stream share spot's vocabulary: PENDING, PARTIALLY_FILLED, FILLED,
    CANCELED (one L)."""
    return found.status


def _orig_qty(found: SpotOrder) -> Decimal:
    """A MARKET buy sized by quote has no quantity of its own (the stream's ``q:0``);
    REST shows what it bought once filled (inferred)."""
    return found.orig_qty if found.orig_qty or not found.quote_order_qty else found.executed_qty


def _core(found: SpotOrder) -> dict[str, Any]:
    return {
        "symbol": found.symbol,
        "orderId": found.order_id,
        "price": plain(found.price),
    }


def _amounts(found: SpotOrder) -> dict[str, Any]:
    return {
        "origQty": plain(_orig_qty(found)),
        "executedQty": plain(found.executed_qty),
        "cummulativeQuoteQty": plain(found.cum_quote),
        "status": _status(found),
        "type": found.order_type,
        "side": found.side,
    }


def _client(found: SpotOrder) -> dict[str, Any]:
    return {"clientOrderID": found.client_order_id} if found.client_order_id else {}


def place_answer(found: SpotOrder) -> Json:
    """``POST /openApi/spot/v1/trade/order``: the order once placed (recorded shape)."""
    return _core(found) | {"transactTime": found.time} | _amounts(found) | _client(found)


def cancel_answer(found: SpotOrder) -> Json:
    """``POST /openApi/spot/v1/trade/cancel``: ``stopPrice`` (lower case) as recorded."""
    return _core(found) | {"stopPrice": "0"} | _amounts(found) | _client(found)


def order(found: SpotOrder) -> Json:
    """``GET /openApi/spot/v1/trade/query``: with ``fee`` (negative, a string) and
    ``feeAsset`` (the asset received)."""
    return (
        _core(found)
        | {"StopPrice": "0"}
        | _amounts(found)
        | {
            "time": found.time,
            "updateTime": found.update_time,
            "origQuoteOrderQty": plain(found.quote_order_qty),
            "fee": plain(found.fee),
            "feeAsset": found.fee_asset,
        }
        | _client(found)
    )


def _listed(found: SpotOrder) -> Json:
    """An order in ``openOrders`` / ``historyOrders``: ``fee`` a number, no ``feeAsset``
    (as recorded)."""
    return (
        _core(found)
        | {"StopPrice": "0"}
        | _amounts(found)
        | {
            "time": found.time,
            "updateTime": found.update_time,
            "origQuoteOrderQty": plain(found.quote_order_qty),
            "fee": found.fee,
        }
        | _client(found)
    )


def _fill(fill: SpotFill) -> Json:
    return {
        "symbol": fill.symbol,
        "id": fill.trade_id,
        "orderId": fill.order_id,
        "price": plain(fill.price),
        "qty": plain(fill.qty),
        "quoteQty": plain(fill.quote),
        "commission": fill.fee,
        "commissionAsset": fill.fee_asset,
        "time": fill.time,
        "isBuyer": fill.side == "BUY",
        "isMaker": fill.maker,
    }


def _ticker(book: SpotLedger, symbol: str, now_ms: int) -> Json:
    info = book.symbols[symbol]
    p = book.prices[symbol]
    change = p.last - p.open
    percent = (change / p.open * 100).quantize(Decimal("0.01"))
    depth = info.min_qty * 1000
    return {
        "symbol": symbol,
        "openPrice": p.open,
        "highPrice": p.high,
        "lowPrice": p.low,
        "lastPrice": p.last,
        "priceChange": change,
        "priceChangePercent": f"{plain(percent)}%",
        "volume": p.volume,
        "quoteVolume": p.quote_volume,
        "openTime": now_ms - _DAY_MS,
        "closeTime": now_ms,
        "askPrice": p.last + info.tick_size,
        "askQty": depth,
        "bidPrice": p.last - info.tick_size,
        "bidQty": depth,
    }


# ========================================================================== endpoints


def server_time(book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    return {"serverTime": now_ms}, []


def symbols(book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    """Every pair, or the one ``symbol`` names (none for a pair not listed)."""
    wanted = text(params, "symbol")
    rows = [s.wire() for s in book.symbols.values() if wanted is None or s.symbol == wanted]
    return {"symbols": rows}, []


def ticker(book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    """24 h statistics, always an array: opened at the ledger's first price, widened by
    every ``set_price``; volume is what the ledger's wallets traded."""
    symbol = _symbol(book, params, required=False)
    chosen = [symbol] if symbol is not None else list(book.symbols)
    return [_ticker(book, s, now_ms) for s in chosen], []


def balance(book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    """``{"balances": [{asset, free, locked}]}``: every asset the wallet has held."""
    account = book.account(api_key)
    rows = [
        {
            "asset": asset,
            "free": plain(account.free.get(asset, ZERO)),
            "locked": plain(account.locked.get(asset, ZERO)),
        }
        for asset in account.assets
    ]
    return {"balances": rows}, []


def commission_rate(
    book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    info = book.symbol(_required_symbol(book, params))
    return {
        "takerCommissionRate": info.taker_fee_rate,
        "makerCommissionRate": info.maker_fee_rate,
    }, []


def place_order(book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = text(params, "symbol")
    if symbol is None:
        raise book.codes.invalid("symbol is required")
    side, kind = text(params, "side"), text(params, "type")
    if side is None or kind is None:
        raise book.codes.invalid("side and type are required")
    request = SpotOrderRequest(
        symbol=symbol,
        side=side,
        order_type=kind,
        quantity=decimal(book, params, "quantity"),
        quote_order_qty=decimal(book, params, "quoteOrderQty"),
        price=decimal(book, params, "price"),
        time_in_force=text(params, "timeInForce"),
        client_order_id=text(params, "newClientOrderId", "clientOrderID", "clientOrderId"),
    )
    placed, effects = book.place_order(api_key, request, now_ms=now_ms)
    return place_answer(placed), effects


def _order_key(book: SpotLedger, params: Mapping[str, str]) -> tuple[str, int | None, str | None]:
    symbol = _required_symbol(book, params)
    order_id = integer(book, params, "orderId")
    client_id = text(params, "clientOrderID", "clientOrderId", "origClientOrderId")
    if order_id is None and client_id is None:  # wording inferred
        raise book.codes.invalid("orderId or clientOrderID is required")
    return symbol, order_id, client_id


def cancel_order(book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol, order_id, client_id = _order_key(book, params)
    cancelled, effects = book.cancel_order(
        api_key, symbol, order_id=order_id, client_order_id=client_id, now_ms=now_ms
    )
    return cancel_answer(cancelled), effects


def cancel_open_orders(
    book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    symbol = _symbol(book, params, required=False)
    cancelled, effects = book.cancel_all(api_key, symbol, now_ms=now_ms)
    return {"orders": [cancel_answer(o) | {"transactTime": now_ms} for o in cancelled]}, effects


def query_order(book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol, order_id, client_id = _order_key(book, params)
    found = book.find_order(api_key, symbol, order_id=order_id, client_order_id=client_id)
    return order(found), []


def open_orders(book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _symbol(book, params, required=False)
    return {"orders": [_listed(o) for o in book.open_orders(api_key, symbol)]}, []


_HISTORY_STATUSES: Final = frozenset({"FILLED", "CANCELED", "FAILED"})


def history_orders(
    book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int
) -> Outcome:
    """Newest first, ``pageSize`` (≤ 100, default 100) per ``pageIndex`` (from 1)."""
    symbol = _symbol(book, params, required=False)
    status = text(params, "status")
    if status is not None and status not in _HISTORY_STATUSES:
        raise book.codes.invalid("status must be FILLED, CANCELED or FAILED")
    size = _range(book, params, "pageSize", _MAX_PAGE, _MAX_PAGE)
    page = _range(book, params, "pageIndex", 1, 10_000)
    found = book.order_history(
        api_key,
        symbol,
        from_order_id=integer(book, params, "orderId"),
        start_ms=integer(book, params, "startTime"),
        end_ms=integer(book, params, "endTime"),
        status=status,
        order_type=text(params, "type"),
    )
    chosen = found[(page - 1) * size : page * size]
    return {"orders": [_listed(o) for o in chosen]}, []


def my_trades(book: SpotLedger, api_key: str, params: Mapping[str, str], now_ms: int) -> Outcome:
    symbol = _required_symbol(book, params)
    fills = book.fills_of(
        api_key,
        symbol,
        order_id=integer(book, params, "orderId"),
        start_ms=integer(book, params, "startTime"),
        end_ms=integer(book, params, "endTime"),
        from_id=integer(book, params, "fromId"),
        limit=_range(book, params, "limit", 500, 1000),
    )
    return {"fills": [_fill(f) for f in fills]}, []


# ============================================================================== table

_SPOT: Final = "/openApi/spot"

SPOT_ENDPOINTS: Final[Mapping[tuple[str, str], ProductEndpoint]] = {
    ("GET", f"{_SPOT}/v1/server/time"): ProductEndpoint(server_time, "public", "market", "spot"),
    ("GET", f"{_SPOT}/v1/common/symbols"): ProductEndpoint(symbols, "public", "market", "spot"),
    ("GET", f"{_SPOT}/v1/ticker/24hr"): ProductEndpoint(ticker, "public", "market", "timestamped"),
    ("GET", f"{_SPOT}/v1/account/balance"): ProductEndpoint(balance, "signed", "account", "spot"),
    ("GET", f"{_SPOT}/v1/user/commissionRate"): ProductEndpoint(
        commission_rate, "signed", "account", "spot"
    ),
    ("POST", f"{_SPOT}/v1/trade/order"): ProductEndpoint(place_order, "signed", "trade", "spot"),
    ("POST", f"{_SPOT}/v1/trade/cancel"): ProductEndpoint(cancel_order, "signed", "trade", "spot"),
    ("POST", f"{_SPOT}/v1/trade/cancelOpenOrders"): ProductEndpoint(
        cancel_open_orders, "signed", "trade", "spot"
    ),
    ("GET", f"{_SPOT}/v1/trade/query"): ProductEndpoint(query_order, "signed", "query", "spot"),
    ("GET", f"{_SPOT}/v1/trade/openOrders"): ProductEndpoint(
        open_orders, "signed", "query", "spot"
    ),
    ("GET", f"{_SPOT}/v1/trade/historyOrders"): ProductEndpoint(
        history_orders, "signed", "query", "spot"
    ),
    ("GET", f"{_SPOT}/v1/trade/myTrades"): ProductEndpoint(my_trades, "signed", "query", "spot"),
}
"""Every spot endpoint the spot ledger answers."""


def call(
    book: SpotLedger,
    method: str,
    path: str,
    api_key: str,
    params: Mapping[str, str],
    now_ms: int,
) -> Outcome:
    """Dispatch one spot request (``KeyError`` for a route not in the table)."""
    return SPOT_ENDPOINTS[(method, path)].handler(book, api_key, params, now_ms)
