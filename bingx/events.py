"""Typed, immutable account-stream events parsed from the exchange's frames.

Money becomes :class:`~decimal.Decimal` (the exchange sends strings on swap and numbers on
spot; both parse exactly), order ids stay Python ints (they exceed 2**53), and every event
keeps the ``raw`` dict it came from, read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

__all__ = [
    "AccountUpdate",
    "Balance",
    "ConfigUpdate",
    "Event",
    "ListenKeyExpired",
    "OrderUpdate",
    "Position",
    "SpotOrderUpdate",
    "StreamError",
    "UnknownEvent",
    "parse_event",
]

Raw = Mapping[str, Any]


def _dec(value: Any) -> Decimal:
    if type(value) is str and value:  # what the exchange sends: straight to Decimal
        try:
            return Decimal(value)
        except InvalidOperation:
            return Decimal(0)
    if not isinstance(value, str | int | float) or isinstance(value, bool) or value == "":
        return Decimal(0)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):  # ValueError: an int too long to print
        return Decimal(0)


def _int(value: Any) -> int:
    """Ids and times: a 64-bit integer (order ids pass 2**53), else 0."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400 is inf
        return 0
    return number if -(2**63) <= number < 2**64 else 0


def _items(value: Any) -> list[dict[str, Any]]:
    """A JSON list of objects (``None``: empty). Anything else (``"B": 1``) is not an
    event this client can type: ``TypeError``, which :func:`parse_event` reports."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise TypeError(f"expected a list of objects, got {type(value).__name__}")
    return value


def _freeze(raw: dict[str, Any]) -> Raw:
    return MappingProxyType(raw)


@dataclass(frozen=True, slots=True)
class Event:
    """Every event has a type (``e``), an event time in ms (``E``) and its raw dict."""

    type: str
    event_time: int
    raw: Raw = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Balance:
    asset: str
    wallet_balance: Decimal
    cross_wallet_balance: Decimal
    balance_change: Decimal
    locked: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    amount: Decimal
    entry_price: Decimal
    unrealized_pnl: Decimal
    margin_type: str
    isolated_wallet: Decimal
    side: str
    realized_pnl: Decimal


@dataclass(frozen=True, slots=True)
class AccountUpdate(Event):
    """``ACCOUNT_UPDATE``: balances and (swap) positions changed, for ``reason``."""

    reason: str = ""
    balances: tuple[Balance, ...] = ()
    positions: tuple[Position, ...] = ()
    transaction_time: int = 0


@dataclass(frozen=True, slots=True)
class OrderUpdate(Event):
    """``ORDER_TRADE_UPDATE`` (USDT-M / coin-M): a new order, a fill, a status change."""

    symbol: str = ""
    order_id: int = 0
    client_order_id: str = ""
    side: str = ""
    order_type: str = ""
    quantity: Decimal = Decimal(0)
    price: Decimal = Decimal(0)
    average_price: Decimal = Decimal(0)
    execution_type: str = ""
    status: str = ""
    last_filled_quantity: Decimal = Decimal(0)
    filled_quantity: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    commission_asset: str = ""
    position_side: str = ""
    realized_pnl: Decimal = Decimal(0)
    trade_time: int = 0
    last_filled_price: Decimal = Decimal(0)
    """``L``: the price of this fill (``average_price`` is over all fills)."""
    cumulative_quote: Decimal = Decimal(0)
    """``Z``: the quote value filled so far (absent in older frames: 0)."""
    trigger_price: Decimal = Decimal(0)
    """``sp``: a stop or take-profit's trigger price (0: none)."""
    reduce_only: bool = False
    """``ro``."""
    working_type: str = ""
    """``wt``: what a trigger watches, ``MARK_PRICE`` or ``CONTRACT_PRICE``."""


@dataclass(frozen=True, slots=True)
class SpotOrderUpdate(Event):
    """Spot ``executionReport`` (arrives wrapped as ``spot.executionReport``)."""

    symbol: str = ""
    order_id: int = 0
    client_order_id: str = ""
    side: str = ""
    order_type: str = ""
    quantity: Decimal = Decimal(0)
    price: Decimal = Decimal(0)
    execution_type: str = ""
    status: str = ""
    filled_quantity: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class ConfigUpdate(Event):
    """``ACCOUNT_CONFIG_UPDATE``, or a periodic config ``SNAPSHOT`` (``snapshot=True``)."""

    symbol: str = ""
    long_leverage: int = 0
    short_leverage: int = 0
    margin_mode: str = ""
    snapshot: bool = False


@dataclass(frozen=True, slots=True)
class ListenKeyExpired(Event):
    """The key behind this stream expired: nothing more will come until a new key."""

    listen_key: str = ""


@dataclass(frozen=True, slots=True)
class StreamError(Event):
    """An error frame from the exchange, such as 80014 for an unexpected message."""

    code: int = 0
    msg: str = ""


@dataclass(frozen=True, slots=True)
class UnknownEvent(Event):
    """An event this client cannot type; ``raw`` has everything. ``problem`` says what
    was wrong with a known event type (empty for a type this client does not model)."""

    problem: str = ""


def _balances(items: Any) -> tuple[Balance, ...]:
    return tuple(
        Balance(
            str(b.get("a", "")),
            _dec(b.get("wb")),
            _dec(b.get("cw")),
            _dec(b.get("bc")),
            _dec(b.get("lk")),
        )
        for b in _items(items)
    )


def _positions(items: Any) -> tuple[Position, ...]:
    return tuple(
        Position(
            str(p.get("s", "")),
            _dec(p.get("pa")),
            _dec(p.get("ep")),
            _dec(p.get("up")),
            str(p.get("mt", "")),
            _dec(p.get("iw")),
            str(p.get("ps", "")),
            _dec(p.get("cr")),
        )
        for p in _items(items)
    )


def _order(raw: Raw, kind: str, when: int) -> OrderUpdate:
    o = raw.get("o") if isinstance(raw.get("o"), dict) else {}
    assert isinstance(o, dict)
    return OrderUpdate(
        kind,
        when,
        raw,
        symbol=str(o.get("s", "")),
        order_id=_int(o.get("i")),
        client_order_id=str(o.get("c", "")),
        side=str(o.get("S", "")),
        order_type=str(o.get("o", "")),
        quantity=_dec(o.get("q")),
        price=_dec(o.get("p")),
        average_price=_dec(o.get("ap")),
        execution_type=str(o.get("x", "")),
        status=str(o.get("X", "")),
        last_filled_quantity=_dec(o.get("l")),
        filled_quantity=_dec(o.get("z")),
        commission=_dec(o.get("n")),
        commission_asset=str(o.get("N", "")),
        position_side=str(o.get("ps", "")),
        realized_pnl=_dec(o.get("rp")),
        trade_time=_int(o.get("T")),
        last_filled_price=_dec(o.get("L")),
        cumulative_quote=_dec(o.get("Z")),
        trigger_price=_dec(o.get("sp")),
        reduce_only=o.get("ro") is True,
        working_type=str(o.get("wt", "")),
    )


def _spot_order(raw: Raw, data: dict[str, Any]) -> SpotOrderUpdate:
    return SpotOrderUpdate(
        "executionReport",
        _int(data.get("E")),
        raw,
        symbol=str(data.get("s", "")),
        order_id=_int(data.get("i")),
        client_order_id=str(data.get("C", "")),
        side=str(data.get("S", "")),
        order_type=str(data.get("o", "")),
        quantity=_dec(data.get("q")),
        price=_dec(data.get("p")),
        execution_type=str(data.get("x", "")),
        status=str(data.get("X", "")),
        filled_quantity=_dec(data.get("z")),
    )


def parse_event(payload: dict[str, Any]) -> Event:
    """One decoded frame to its typed event. Never raises: what it cannot type becomes
    :class:`UnknownEvent` with the raw dict (and, for a malformed known type, why)."""
    raw = _freeze(payload)
    try:
        return _typed(payload, raw)
    except Exception as error:  # odd input must never end a stream
        kind = payload.get("e")
        name = kind if isinstance(kind, str) and kind else "unknown"
        problem = f"{type(error).__name__}: {error}"[:200]
        return UnknownEvent(name, _int(payload.get("E")), raw, problem=problem)


def _typed(payload: dict[str, Any], raw: Raw) -> Event:
    data = payload.get("data")
    if payload.get("dataType") == "spot.executionReport" and isinstance(data, dict):
        return _spot_order(raw, data)
    kind = str(payload.get("e", ""))
    when = _int(payload.get("E"))
    if not kind and "code" in payload and payload.get("code") not in (0, None):
        return StreamError(
            "error", when, raw, _int(payload.get("code")), str(payload.get("msg", ""))
        )
    if kind == "ACCOUNT_UPDATE":
        a = payload.get("a") if isinstance(payload.get("a"), dict) else {}
        assert isinstance(a, dict)
        return AccountUpdate(
            kind,
            when,
            raw,
            reason=str(a.get("m", "")),
            balances=_balances(a.get("B")),
            positions=_positions(a.get("P")),
            transaction_time=_int(payload.get("T")),
        )
    if kind == "ORDER_TRADE_UPDATE":
        return _order(raw, kind, when)
    if kind in ("ACCOUNT_CONFIG_UPDATE", "SNAPSHOT") and isinstance(payload.get("ac"), dict):
        ac = payload["ac"]
        return ConfigUpdate(
            kind,
            when,
            raw,
            symbol=str(ac.get("s", "")),
            long_leverage=_int(ac.get("l")),
            short_leverage=_int(ac.get("S")),
            margin_mode=str(ac.get("mt", "")),
            snapshot=kind == "SNAPSHOT",
        )
    if kind == "listenKeyExpired":
        return ListenKeyExpired(kind, when, raw, listen_key=str(payload.get("listenKey", "")))
    return UnknownEvent(kind or "unknown", when, raw)
