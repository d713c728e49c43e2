"""Builders for the events the exchange pushes on account streams.

Field names, string-vs-number choices and nesting follow the exchange (``docs/contract.md``,
"Pushed events", and the real frames in ``tests/unit/real_frames/``): money is a JSON string
on swap and a JSON number on spot, order ids are integers above 2**53 (real frames also send
them as strings; ``order_ids="str"`` does). Every argument has a realistic default so a test
states only what it cares about.
"""

from __future__ import annotations

import itertools
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from bingx_clocks import wall_time_ms

__all__ = [
    "account_config_update",
    "account_update",
    "balance",
    "coinm_account_config_update",
    "coinm_account_update",
    "coinm_config_snapshot",
    "coinm_order_trade_update",
    "config_snapshot",
    "listen_key_expired",
    "order_trade_update",
    "position",
    "spot_account_update",
    "spot_execution_report",
]

Event = dict[str, Any]
# Real order ids are 19-digit integers beyond 2**53; counting up keeps them unique.
_order_ids = itertools.count(1_627_970_445_070_303_232)


def _now(event_time: int | None) -> int:
    return wall_time_ms() if event_time is None else event_time


_EIGHT_PLACES = Decimal("0.00000001")
_WIDE = Context(prec=80)


def _quote(quantity: str, price: str) -> str:
    """``quantity * price`` written as swap money is (8 decimals, ``"640.00000000"``)."""
    try:
        value = _WIDE.multiply(Decimal(quantity), Decimal(price))
        value = value.quantize(_EIGHT_PLACES, context=_WIDE)
    except InvalidOperation:
        raise ValueError(
            f"cannot work out cumulative_quote from filled quantity {quantity!r} and "
            f"average_price {price!r}; pass cumulative_quote"
        ) from None
    return format(abs(value) if value.is_zero() else value, "f")


def balance(
    asset: str = "USDT",
    wallet_balance: str = "5277.59264687",
    cross_wallet_balance: str = "5233.21709203",
    balance_change: str = "0",
) -> Event:
    """One ``a.B[]`` entry: ``a`` asset, ``wb`` wallet, ``cw`` cross wallet, ``bc`` change."""
    return {"a": asset, "wb": wallet_balance, "cw": cross_wallet_balance, "bc": balance_change}


def position(
    symbol: str = "BTC-USDT",
    amount: str = "0.01000000",
    entry_price: str = "64000.00000000",
    unrealized_pnl: str = "0.00000000",
    margin_type: str = "isolated",
    isolated_wallet: str = "64.00000000",
    side: str = "LONG",
    realized_pnl: str = "0.00000000",
) -> Event:
    """One ``a.P[]`` entry, including ``cr`` (realized PnL, added 2024-08-22)."""
    return {
        "s": symbol,
        "pa": amount,
        "ep": entry_price,
        "up": unrealized_pnl,
        "mt": margin_type,
        "iw": isolated_wallet,
        "ps": side,
        "cr": realized_pnl,
    }


def account_update(
    *,
    reason: str = "ORDER",
    balances: list[Event] | None = None,
    positions: list[Event] | None = None,
    event_time: int | None = None,
) -> Event:
    """USDT-M ``ACCOUNT_UPDATE``: a balance or position changed."""
    now = _now(event_time)
    return {
        "e": "ACCOUNT_UPDATE",
        "E": now,
        "T": now,
        "a": {
            "m": reason,
            "B": [balance()] if balances is None else balances,
            "P": [position()] if positions is None else positions,
        },
    }


def order_trade_update(
    *,
    symbol: str = "BTC-USDT",
    side: str = "BUY",
    order_type: str = "MARKET",
    quantity: str = "0.01000000",
    price: str = "64000.00000000",
    average_price: str = "64000.00000000",
    execution_type: str = "TRADE",
    status: str = "FILLED",
    order_id: int | str | None = None,
    client_order_id: str = "",
    position_side: str = "LONG",
    last_filled_quantity: str | None = None,
    filled_quantity: str | None = None,
    last_filled_price: str | None = None,
    cumulative_quote: str | None = None,
    trigger_price: str | None = None,
    reduce_only: bool | None = None,
    commission: str = "-0.25600000",
    commission_asset: str = "USDT",
    realized_pnl: str = "0.00000000",
    working_type: str = "MARK_PRICE",
    event_time: int | None = None,
) -> Event:
    """USDT-M ``ORDER_TRADE_UPDATE``: a new order, a fill or a status change.

    ``l``/``z`` default to the whole quantity when ``status`` is ``FILLED`` (else zero),
    ``L`` (``last_filled_price``) to ``average_price``, ``Z`` (``cumulative_quote``) to
    ``z * ap`` with 8 decimals, ``sp`` (``trigger_price``) to ``"0"`` (no trigger) and
    ``ro`` (``reduce_only``) to false. ``order_id`` may be a string, as real frames send it.
    """
    now = _now(event_time)
    filled = quantity if status == "FILLED" else "0.00000000"
    cumulative = filled if filled_quantity is None else filled_quantity
    quote = _quote(cumulative, average_price) if cumulative_quote is None else cumulative_quote
    return {
        "e": "ORDER_TRADE_UPDATE",
        "E": now,
        "T": now,
        "o": {
            "s": symbol,
            "c": client_order_id,
            "i": next(_order_ids) if order_id is None else order_id,
            "S": side,
            "o": order_type,
            "q": quantity,
            "p": price,
            "ap": average_price,
            "x": execution_type,
            "X": status,
            "N": commission_asset,
            "n": commission,
            "T": now,
            "wt": working_type,
            "ps": position_side,
            "rp": realized_pnl,
            "l": filled if last_filled_quantity is None else last_filled_quantity,
            "z": cumulative,
            "L": average_price if last_filled_price is None else last_filled_price,
            "Z": quote,
            "sp": "0" if trigger_price is None else trigger_price,
            "ro": False if reduce_only is None else reduce_only,
        },
    }


def _config(symbol: str, long_leverage: int, short_leverage: int, margin_mode: str) -> Event:
    return {"s": symbol, "l": long_leverage, "S": short_leverage, "mt": margin_mode}


def account_config_update(
    *,
    symbol: str = "BTC-USDT",
    long_leverage: int = 10,
    short_leverage: int = 10,
    margin_mode: str = "cross",
    event_time: int | None = None,
) -> Event:
    """``ACCOUNT_CONFIG_UPDATE``: leverage or margin mode changed (numbers, not strings)."""
    return {
        "e": "ACCOUNT_CONFIG_UPDATE",
        "E": _now(event_time),
        "ac": _config(symbol, long_leverage, short_leverage, margin_mode),
    }


def config_snapshot(
    *,
    symbol: str = "BTC-USDT",
    long_leverage: int = 1,
    short_leverage: int = 1,
    margin_mode: str = "isolated",
    event_time: int | None = None,
) -> Event:
    """The periodic ``SNAPSHOT`` config frame seen on VST (one per symbol)."""
    return {
        "e": "SNAPSHOT",
        "E": _now(event_time),
        "ac": _config(symbol, long_leverage, short_leverage, margin_mode),
    }


def coinm_account_config_update(
    *,
    symbol: str = "BTC-USD",
    long_leverage: int = 10,
    short_leverage: int = 10,
    margin_mode: str = "cross",
    event_time: int | None = None,
) -> Event:
    """Coin-M ``ACCOUNT_CONFIG_UPDATE``: as USDT-M, for a ``-USD`` symbol."""
    return account_config_update(
        symbol=symbol,
        long_leverage=long_leverage,
        short_leverage=short_leverage,
        margin_mode=margin_mode,
        event_time=event_time,
    )


def coinm_config_snapshot(
    *,
    symbol: str = "BTC-USD",
    long_leverage: int = 1,
    short_leverage: int = 1,
    margin_mode: str = "isolated",
    event_time: int | None = None,
) -> Event:
    """A ``SNAPSHOT`` config frame for a coin-M symbol (VST was seen sending them on USDT-M
    only; this is for a test that pushes one to coin-M sockets anyway)."""
    return config_snapshot(
        symbol=symbol,
        long_leverage=long_leverage,
        short_leverage=short_leverage,
        margin_mode=margin_mode,
        event_time=event_time,
    )


def coinm_account_update(
    *,
    reason: str = "ORDER",
    balances: list[Event] | None = None,
    positions: list[Event] | None = None,
    event_time: int | None = None,
) -> Event:
    """Coin-M ``ACCOUNT_UPDATE``: margin in the coin (``BTC``), ``BTC-USD`` contracts,
    and no ``iw`` (isolated wallet) on positions."""
    coin = [balance("BTC", "0.52000000", "0.51000000", "0")]
    held = position("BTC-USD", "10", "64000.0", "0.00000000")
    held.pop("iw")
    return account_update(
        reason=reason,
        balances=coin if balances is None else balances,
        positions=[held] if positions is None else positions,
        event_time=event_time,
    )


def coinm_order_trade_update(
    *,
    symbol: str = "BTC-USD",
    quantity: str = "10",
    commission_asset: str = "BTC",
    commission: str = "-0.00000400",
    event_time: int | None = None,
    **fields: Any,
) -> Event:
    """Coin-M ``ORDER_TRADE_UPDATE``: contracts of a ``-USD`` symbol, fees in the coin.

    ``Z`` is sent only when ``cumulative_quote`` is given: ``z * ap`` (the USDT-M default)
    is not the quote value of inverse contracts, and no coin-M frame is public to say what is.
    """
    quote = fields.pop("cumulative_quote", None)
    event = order_trade_update(
        symbol=symbol,
        quantity=quantity,
        commission_asset=commission_asset,
        commission=commission,
        cumulative_quote="" if quote is None else quote,
        event_time=event_time,
        **fields,
    )
    if quote is None:
        del event["o"]["Z"]
    return event


def listen_key_expired(listen_key: str, *, event_time: int | None = None) -> Event:
    """``listenKeyExpired``: pushed when the connection's key expires."""
    return {"e": "listenKeyExpired", "E": _now(event_time), "listenKey": listen_key}


def spot_execution_report(
    *,
    symbol: str = "ETH-USDT",
    side: str = "BUY",
    order_type: str = "LIMIT",
    quantity: float = 0.1,
    price: float = 2000,
    execution_type: str = "NEW",
    status: str = "PENDING",
    order_id: int | str | None = None,
    client_order_id: str = "",
    event_time: int | None = None,
    last_filled_quantity: float = 0,
    filled_quantity: float = 0,
    last_filled_price: float = 0,
    commission: float = 0,
    commission_asset: str = "",
    trade_time: int = 0,
    trade_id: int = 0,
    order_time: int | None = None,
    cumulative_quote: float = 0,
    last_quote: float = 0,
    quote_order_quantity: float = 0,
    maker: bool = False,
) -> Event:
    """Spot ``executionReport`` (the stream wraps it as ``spot.executionReport``).

    Spot sends money as JSON numbers, unlike swap. ``C`` (client order id) is always sent
    here; real frames without one omit it (the schema allows both). The fill fields
    default to a frame without a fill: ``l``, ``z``, ``L``, ``n``, ``T``, ``t``, ``Z``,
    ``Y``, ``Q`` 0, ``N`` empty, ``m`` false, ``O`` (order time) the event time.
    """
    now = _now(event_time)
    return {
        "e": "executionReport",
        "E": now,
        "s": symbol,
        "S": side,
        "o": order_type,
        "q": quantity,
        "p": price,
        "x": execution_type,
        "X": status,
        "i": next(_order_ids) if order_id is None else order_id,
        "l": last_filled_quantity,
        "z": filled_quantity,
        "L": last_filled_price,
        "n": commission,
        "N": commission_asset,
        "T": trade_time,
        "t": trade_id,
        "O": now if order_time is None else order_time,
        "Z": cumulative_quote,
        "Y": last_quote,
        "Q": quote_order_quantity,
        "C": client_order_id,
        "m": maker,
    }


def spot_account_update(
    *,
    reason: str = "ORDER",
    balances: list[Event] | None = None,
    event_time: int | None = None,
) -> Event:
    """Spot ``ACCOUNT_UPDATE``: unwrapped, no positions, ``lk`` for locked funds."""
    now = _now(event_time)
    default = [{"a": "USDT", "bc": "0", "cw": "1000.00000000", "lk": "0", "wb": "1000.00000000"}]
    return {
        "e": "ACCOUNT_UPDATE",
        "E": now,
        "T": now,
        "a": {"B": default if balances is None else balances, "m": reason},
    }
