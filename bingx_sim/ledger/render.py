"""Renderers: the exact ``data`` payloads of BingX's USDT-M REST endpoints, from a ledger.

Pure functions, no I/O: each takes the ledger (and what the request selects) and returns
JSON-ready values with BingX's field names, nesting and string-vs-number choices, as the
recorded answers show them (JKorf/BingX.Net's recorded HTTP fixtures, ccxt's static
responses, BingX's docs; see ``docs/account-model.md``). Money is a string with fixed
decimals (four for balances and PnL, the contract's precisions for prices and
quantities); the few fields BingX sends as JSON numbers (``bookTicker``,
``commissionRate``, contract rates, leverages, order ids) are numbers here too.

``None`` as a payload means "answer without a ``data`` field" (``POST marginType``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

from .contracts import Contract
from .ledger import Ledger
from .money import ZERO, fixed, num
from .state import Account, Fill, Income, Order, Position

__all__ = [
    "balance_v2",
    "balance_v3",
    "book_ticker",
    "cancel_all",
    "close_all",
    "commission_rate",
    "contracts",
    "depth",
    "fill_orders",
    "income",
    "leverage",
    "margin_type",
    "order",
    "order_list",
    "place_answer",
    "position_mode",
    "positions",
    "premium_index",
    "price",
    "rest_status",
    "server_time",
    "set_leverage",
    "ticker",
]

Json = Any
MONEY: Final = 4  # balances, PnL, margins: "194.8212" in the recorded v3 balance
COMMISSION: Final = 6  # an order's commission: "0.000000" in the recorded order
_DAY_MS: Final = 86_400_000
_FUNDING_PERIOD_MS: Final = 8 * 3_600_000  # funding at 00:00, 08:00, 16:00 UTC
_BOOK_LEVELS: Final = 20
_UTC8: Final = timezone(timedelta(hours=8))  # fill times come in UTC+8 ("...+0800")


def server_time(now_ms: int) -> Json:
    """``GET /openApi/swap/v2/server/time``."""
    return {"serverTime": now_ms}


# ================================================================================ market


def _contract_row(contract: Contract) -> Json:
    return {
        "contractId": contract.contract_id,
        "symbol": contract.symbol,
        "size": contract.size,
        "quantityPrecision": contract.quantity_precision,
        "pricePrecision": contract.price_precision,
        "feeRate": num(contract.fee_rate),
        "makerFeeRate": num(contract.maker_fee_rate),
        "takerFeeRate": num(contract.taker_fee_rate),
        "tradeMinLimit": contract.trade_min_limit,
        "tradeMinQuantity": num(contract.trade_min_quantity),
        "tradeMinUSDT": num(contract.trade_min_usdt),
        "maxLongLeverage": contract.max_long_leverage,
        "maxShortLeverage": contract.max_short_leverage,
        "currency": contract.currency,
        "asset": contract.asset,
        "status": contract.status,
        "apiStateOpen": "true" if contract.api_state_open else "false",
        "apiStateClose": "true" if contract.api_state_close else "false",
        "ensureTrigger": contract.ensure_trigger,
        "triggerFeeRate": fixed(contract.trigger_fee_rate, 8),
    }


def contracts(ledger: Ledger, symbol: str | None = None) -> Json:
    """``GET /openApi/swap/v2/quote/contracts``: always an array."""
    if symbol is not None:
        return [_contract_row(ledger.contract(symbol))]
    return [_contract_row(c) for c in ledger.contracts.values()]


def _one_or_all(ledger: Ledger, symbol: str | None, row: Any) -> Json:
    """An object for one symbol, an array of them without ``symbol`` (BingX's rule for
    price, ticker and premium index)."""
    if symbol is not None:
        ledger.contract(symbol)
        return row(symbol)
    return [row(s) for s in ledger.contracts]


def price(ledger: Ledger, symbol: str | None, now_ms: int) -> Json:
    """``GET /openApi/swap/v1/ticker/price`` (and the older ``/v2/quote/price``)."""

    def row(s: str) -> Json:
        contract = ledger.contract(s)
        return {
            "symbol": s,
            "price": fixed(ledger.prices[s].last, contract.price_precision),
            "time": now_ms,
        }

    return _one_or_all(ledger, symbol, row)


def _book_qty(contract: Contract, level: int) -> Decimal:
    """Synthetic depth: a thousand minimum lots at the best level, more further out."""
    return contract.trade_min_quantity * 1000 * (level + 1)


def ticker(ledger: Ledger, symbol: str | None, now_ms: int) -> Json:
    """``GET /openApi/swap/v2/quote/ticker`` (24 h): opened at the ledger's first price,
    widened by every ``set_price``; volume is what the ledger's accounts traded."""

    def row(s: str) -> Json:
        contract = ledger.contract(s)
        p = ledger.prices[s]
        pp, qp = contract.price_precision, contract.quantity_precision
        change = p.last - p.open
        percent = change / p.open * 100 if p.open else ZERO
        return {
            "symbol": s,
            "priceChange": fixed(change, pp),
            "priceChangePercent": fixed(percent, 2),
            "lastPrice": fixed(p.last, pp),
            "lastQty": fixed(p.last_qty, qp),
            "highPrice": fixed(p.high, pp),
            "lowPrice": fixed(p.low, pp),
            "volume": fixed(p.volume, qp),
            "quoteVolume": fixed(p.quote_volume, 2),
            "openPrice": fixed(p.open, pp),
            "openTime": now_ms - _DAY_MS,
            "closeTime": now_ms,
            "askPrice": fixed(p.last + contract.tick, pp),
            "askQty": fixed(_book_qty(contract, 0), qp),
            "bidPrice": fixed(p.last - contract.tick, pp),
            "bidQty": fixed(_book_qty(contract, 0), qp),
        }

    return _one_or_all(ledger, symbol, row)


def next_funding_time(now_ms: int) -> int:
    """The next 8-hourly funding instant after ``now_ms``."""
    return (now_ms // _FUNDING_PERIOD_MS + 1) * _FUNDING_PERIOD_MS


def premium_index(ledger: Ledger, symbol: str | None, now_ms: int) -> Json:
    """``GET /openApi/swap/v2/quote/premiumIndex``: mark, index, the last funding rate
    settled with ``Ledger.funding`` (eight decimals, as recorded)."""

    def row(s: str) -> Json:
        contract = ledger.contract(s)
        p = ledger.prices[s]
        return {
            "symbol": s,
            "markPrice": fixed(p.mark, contract.price_precision),
            "indexPrice": fixed(p.index, contract.price_precision),
            "lastFundingRate": fixed(p.funding_rate, 8),
            "nextFundingTime": next_funding_time(now_ms),
        }

    return _one_or_all(ledger, symbol, row)


def book_ticker(ledger: Ledger, symbol: str) -> Json:
    """``GET /openApi/swap/v2/quote/bookTicker``: snake_case numbers, as recorded."""
    contract = ledger.contract(symbol)
    last = ledger.prices[symbol].last
    qty = num(_book_qty(contract, 0))
    return {
        "book_ticker": {
            "symbol": symbol,
            "bid_price": num(last - contract.tick),
            "bid_qty": qty,
            "ask_price": num(last + contract.tick),
            "ask_qty": qty,
        }
    }


def depth(ledger: Ledger, symbol: str, limit: int, now_ms: int) -> Json:
    """``GET /openApi/swap/v2/quote/depth``: a synthetic book around the last price, one
    tick apart, best bid one tick below and best ask one tick above. Bids run best first;
    asks run from the worst down to the best, as in the recorded answer."""
    contract = ledger.contract(symbol)
    last = ledger.prices[symbol].last
    pp, qp = contract.price_precision, contract.quantity_precision
    levels = range(min(limit, _BOOK_LEVELS))
    bids = [
        [fixed(last - contract.tick * (i + 1), pp), fixed(_book_qty(contract, i), qp)]
        for i in levels
        if last - contract.tick * (i + 1) > 0
    ]
    asks = [
        [fixed(last + contract.tick * (i + 1), pp), fixed(_book_qty(contract, i), qp)]
        for i in reversed(levels)
    ]
    return {
        "T": now_ms,
        "bids": bids,
        "asks": asks,
        "bidsCoin": [list(level) for level in bids],
        "asksCoin": [list(level) for level in asks],
    }


# =============================================================================== account


def _balance_row(ledger: Ledger, account: Account, asset: str) -> Json:
    figures = ledger.balance(account.api_key, asset)
    return {
        "userId": account.user_id,
        "asset": asset,
        "balance": fixed(figures.wallet, MONEY),
        "equity": fixed(figures.equity, MONEY),
        "unrealizedProfit": fixed(figures.unrealized, MONEY),
        "realisedProfit": fixed(figures.realised, MONEY),
        "availableMargin": fixed(figures.available, MONEY),
        "usedMargin": fixed(figures.used, MONEY),
        "freezedMargin": fixed(figures.frozen, MONEY),
    }


def balance_v3(ledger: Ledger, api_key: str) -> Json:
    """``GET /openApi/swap/v3/user/balance``: an array, one row per wallet asset (a
    fresh account has one ``USDT`` row of zeros), each with ``shortUid``."""
    account = ledger.account(api_key)
    assets = list(account.wallet) or ["USDT"]
    return [_balance_row(ledger, account, a) | {"shortUid": account.user_id} for a in assets]


def balance_v2(ledger: Ledger, api_key: str, asset: str = "USDT") -> Json:
    """``GET /openApi/swap/v2/user/balance``: ``{"balance": {...}}``, one asset."""
    return {"balance": _balance_row(ledger, ledger.account(api_key), asset)}


def _position_row(ledger: Ledger, account: Account, position: Position) -> Json:
    contract = ledger.contract(position.symbol)
    pp, qp = contract.price_precision, contract.quantity_precision
    margin = ledger.position_margin(account, position)
    up = ledger.unrealized(position)
    lev = ledger.leverage_for(account, position.symbol, position.direction)
    mark = ledger.prices[position.symbol].mark
    pending = sum(
        (
            o.remaining
            for o in ledger.open_orders(account.api_key, position.symbol)
            if not o.is_conditional
            and o.position_side == position.side
            and ledger.is_closing(account, o)
        ),
        ZERO,
    )
    long = position.qty > 0
    # A simple estimate: the price at which the position's own margin is gone.
    liquidation = position.entry * (1 - Decimal(1) / lev if long else 1 + Decimal(1) / lev)
    return {
        "positionId": str(position.position_id),
        "symbol": position.symbol,
        "currency": contract.currency,
        "positionAmt": fixed(abs(position.qty), qp),
        "availableAmt": fixed(max(ZERO, abs(position.qty) - pending), qp),
        "positionSide": position.direction,
        "isolated": ledger.margin_type_of(account, position.symbol) == "ISOLATED",
        "avgPrice": fixed(position.entry, pp),
        "initialMargin": fixed(margin, MONEY),
        "margin": fixed(margin, MONEY),
        "leverage": lev,
        "unrealizedProfit": fixed(up, MONEY),
        "realisedProfit": fixed(position.realized, MONEY),
        "liquidationPrice": num(liquidation.quantize(contract.tick)),
        "pnlRatio": fixed(up / margin if margin else ZERO, MONEY),
        "maxMarginReduction": fixed(ZERO, MONEY),
        "riskRate": fixed(ZERO, MONEY),
        "markPrice": fixed(mark, pp),
        "positionValue": fixed(abs(position.qty) * mark, MONEY),
        "onlyOnePosition": not account.hedge,
        "createTime": position.create_time,
        "updateTime": position.update_time,
    }


def positions(ledger: Ledger, api_key: str, symbol: str | None = None) -> Json:
    """``GET /openApi/swap/v2/user/positions``: an array (``[]`` when flat);
    ``positionAmt`` unsigned with ``positionSide`` LONG/SHORT, also in one-way mode."""
    account = ledger.account(api_key)
    return [_position_row(ledger, account, p) for p in ledger.positions(api_key, symbol)]


def commission_rate(ledger: Ledger, symbol: str | None = None) -> Json:
    """``GET /openApi/swap/v2/user/commissionRate``: numbers, as recorded."""
    taker, maker = ledger.commission_rates(symbol)
    return {"commission": {"takerCommissionRate": num(taker), "makerCommissionRate": num(maker)}}


def income(rows: Iterable[Income]) -> Json:
    """``GET /openApi/swap/v2/user/income``: an array of rows, ids as strings."""
    return [
        {
            "symbol": r.symbol,
            "incomeType": r.income_type,
            "income": fixed(r.amount, MONEY),
            "asset": r.asset,
            "info": r.info,
            "time": r.time,
            "tranId": str(r.tran_id),
            "tradeId": r.trade_id,
        }
        for r in rows
    ]


# ================================================================================ orders


def rest_status(ledger: Ledger, order: Order) -> str:
    """REST's spelling of an order's status: a resting limit is ``PENDING``, an
    untriggered stop ``NEW``, a cancelled order ``CANCELLED`` (double L). With
    ``rest_statuses="normalized"`` the stream's spellings are used instead."""
    if ledger.rest_statuses == "normalized":
        return order.status
    if order.status == "NEW":
        return "NEW" if order.is_conditional else "PENDING"
    if order.status == "CANCELED":
        return "CANCELLED"
    return order.status


_NO_ATTACHED: Final = {"type": "", "quantity": 0, "stopPrice": 0, "price": 0, "workingType": ""}


def order(ledger: Ledger, account: Account, found: Order) -> Json:
    """The full order object of query, cancel, open and history answers."""
    contract = ledger.contract(found.symbol)
    pp, qp = contract.price_precision, contract.quantity_precision
    return {
        "symbol": found.symbol,
        "orderId": found.order_id,
        "side": found.side,
        "positionSide": found.position_side,
        "type": found.order_type,
        "origQty": fixed(found.orig_qty, qp),
        "price": fixed(found.price, pp),
        "executedQty": fixed(found.executed_qty, qp),
        "avgPrice": fixed(found.avg_price, pp),
        "cumQuote": fixed(found.cum_quote, MONEY),
        "stopPrice": "" if found.stop_price is None else fixed(found.stop_price, pp),
        "profit": fixed(found.profit, MONEY),
        "commission": fixed(found.commission, COMMISSION),
        "status": rest_status(ledger, found),
        "time": found.time,
        "updateTime": found.update_time,
        "clientOrderId": found.client_order_id,
        "leverage": f"{found.leverage}X",
        "takeProfit": dict(_NO_ATTACHED),
        "stopLoss": dict(_NO_ATTACHED),
        "advanceAttr": 0,
        "positionID": 0,
        "takeProfitEntrustPrice": 0,
        "stopLossEntrustPrice": 0,
        "orderType": "",
        "workingType": found.working_type,
        "onlyOnePosition": not account.hedge,
        "reduceOnly": found.reduce_only,
        "postOnly": found.post_only,
        "stopGuaranteed": False,
        "triggerOrderId": 0,
        "trailingStopRate": 0,
        "trailingStopDistance": 0,
    }


def order_list(ledger: Ledger, api_key: str, orders: Iterable[Order]) -> Json:
    """``{"orders": [...]}`` (open orders, order history)."""
    account = ledger.account(api_key)
    return {"orders": [order(ledger, account, o) for o in orders]}


def place_answer(ledger: Ledger, api_key: str, placed: Order) -> Json:
    """``POST /openApi/swap/v2/trade/order`` (and ``/order/test``). ``wrapped`` (the
    default): ``{"order": {...}}`` with the fields of the 2023-24 captures, prices and
    quantities as numbers. ``flat``: the 2025-26 shape, with the string twin ``orderID``
    and the order's state once placed (a market order is already filled)."""
    account = ledger.account(api_key)
    contract = ledger.contract(placed.symbol)
    stop = num(placed.stop_price) if placed.stop_price is not None else 0
    limit_price = num(placed.price) if placed.order_type == "LIMIT" else 0
    if ledger.place_order_shape == "wrapped":
        return {
            "order": {
                "symbol": placed.symbol,
                "orderId": placed.order_id,
                "side": placed.side,
                "positionSide": placed.position_side,
                "type": placed.order_type,
                "clientOrderID": placed.client_order_id,
                "workingType": placed.working_type,
                "price": limit_price,
                "quantity": num(placed.orig_qty),
                "stopPrice": stop,
                "timeInForce": placed.time_in_force,
                "reduceOnly": placed.reduce_only,
            }
        }
    quote = placed.quote_order_qty
    return {
        "orderId": placed.order_id,
        "orderID": str(placed.order_id),
        "symbol": placed.symbol,
        "positionSide": placed.position_side,
        "side": placed.side,
        "type": placed.order_type,
        "price": limit_price,
        "quantity": num(placed.orig_qty),
        "quoteOrderQty": num(quote) if quote is not None else 0,
        "stopPrice": stop,
        "workingType": placed.working_type,
        "clientOrderID": placed.client_order_id,
        "clientOrderId": placed.client_order_id,
        "timeInForce": placed.time_in_force,
        "priceRate": 0,
        "stopLoss": "",
        "takeProfit": "",
        "reduceOnly": placed.reduce_only,
        "activationPrice": 0,
        "closePosition": "true" if placed.close_position else "",
        "stopGuaranteed": "",
        "status": rest_status(ledger, placed),
        "avgPrice": fixed(placed.avg_price, contract.price_precision),
        "executedQty": fixed(placed.executed_qty, contract.quantity_precision),
        "onlyOnePosition": not account.hedge,
    }


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc8(ms: int) -> str:
    moment = datetime.fromtimestamp(ms // 1000, _UTC8)
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}.{ms % 1000:03d}+0800"


def fill_orders(ledger: Ledger, api_key: str, fills: Iterable[Fill]) -> Json:
    """``GET /openApi/swap/v2/trade/allFillOrders``: ``{"fill_orders": [...]}``, the
    order id as a string, ``filledTm`` in UTC and ``filledTime`` in UTC+8 as recorded."""
    account = ledger.account(api_key)
    rows = []
    for f in fills:
        contract = ledger.contract(f.symbol)
        kind = account.orders[f.order_id].order_type if f.order_id in account.orders else ""
        rows.append(
            {
                "filledTm": _utc(f.time),
                "volume": fixed(f.qty, contract.quantity_precision),
                "price": fixed(f.price, contract.price_precision),
                "amount": fixed(f.quote, MONEY),
                "commission": fixed(f.commission, MONEY),
                "currency": contract.currency,
                "orderId": str(f.order_id),
                "liquidatedPrice": fixed(f.price, contract.price_precision)
                if f.liquidation
                else "",
                "liquidatedMarginRatio": "",
                "filledTime": _utc8(f.time),
                "clientOrderID": f.client_order_id,
                "symbol": f.symbol,
                "onlyOnePosition": not account.hedge,
                "side": f.side,
                "type": kind,
                "positionSide": f.position_side,
            }
        )
    return {"fill_orders": rows}


def cancel_all(ledger: Ledger, api_key: str, cancelled: Iterable[Order]) -> Json:
    """``DELETE /openApi/swap/v2/trade/allOpenOrders``: ``{"success": [...], "failed":
    null}``."""
    account = ledger.account(api_key)
    return {"success": [order(ledger, account, o) for o in cancelled], "failed": None}


def close_all(order_ids: Iterable[int]) -> Json:
    """``POST /openApi/swap/v2/trade/closeAllPositions``: the closing orders' ids."""
    return {"success": list(order_ids), "failed": None}


# ============================================================================== settings


def leverage(ledger: Ledger, api_key: str, symbol: str) -> Json:
    """``GET /openApi/swap/v2/trade/leverage``: numbers."""
    contract = ledger.contract(symbol)
    account = ledger.account(api_key)
    return {
        "longLeverage": ledger.leverage_for(account, symbol, "LONG"),
        "shortLeverage": ledger.leverage_for(account, symbol, "SHORT"),
        "maxLongLeverage": contract.max_long_leverage,
        "maxShortLeverage": contract.max_short_leverage,
    }


def set_leverage(value: int, symbol: str) -> Json:
    """``POST /openApi/swap/v2/trade/leverage``."""
    return {"leverage": value, "symbol": symbol}


def margin_type(ledger: Ledger, api_key: str, symbol: str) -> Json:
    """``GET /openApi/swap/v2/trade/marginType``."""
    ledger.contract(symbol)
    return {"marginType": ledger.margin_type_of(ledger.account(api_key), symbol)}


def position_mode(hedge: bool) -> Json:
    """``GET``/``POST /openApi/swap/v1/positionSide/dual``: the flag as a *string*."""
    return {"dualSidePosition": "true" if hedge else "false"}
