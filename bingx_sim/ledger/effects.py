"""Effects: the account-stream events a ledger operation makes BingX push.

Every mutating ledger call returns ``(result, effects)``, ``effects`` being a list of
``(api_key, product, event)`` in push order; ``product`` is the ledger's product:
``"swap"`` (USDT-M, :class:`~bingx_sim.ledger.Ledger`), ``"coinm"``
(:class:`~bingx_sim.ledger.inverse.InverseLedger`) or ``"spot"``
(:class:`~bingx_sim.ledger.spot.SpotLedger`, which builds its own). The events are built
only with :mod:`bingx_sim.events`, with every field passed explicitly (no builder
default leaks into a ledger event) and ``event_time=now_ms``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from bingx_sim import events

from .contracts import Contract
from .money import ZERO, stream
from .state import Fill, Order

__all__ = [
    "PRODUCT",
    "Effect",
    "config_change",
    "order_update",
    "stream_margin_type",
    "wallet_change",
]

Event = dict[str, Any]
Effect = tuple[str, str, Event]
"""``(api_key, product, event)``: whose socket, which product, which frame."""

PRODUCT: Final = "swap"


def order_update(
    api_key: str,
    order: Order,
    contract: Contract,
    *,
    execution_type: str,
    fill: Fill | None,
    now_ms: int,
    realized_pnl: Decimal | None = None,
    product: str = PRODUCT,
) -> Effect:
    """``ORDER_TRADE_UPDATE`` for ``order`` as it stands now. ``fill`` is the execution
    this frame reports (``l``, ``L``, ``n``, ``rp``), ``None`` on status-only frames.
    ``realized_pnl`` overrides the fill's (a liquidation reports its whole margin loss).
    On coin-M the frame has no ``Z`` (no public coin-M frame says what it would hold)."""
    rp = fill.realized_pnl if fill is not None else ZERO
    fields: dict[str, Any] = {}
    if product != "coinm":
        fields["cumulative_quote"] = stream(order.cum_quote)
    build = events.coinm_order_trade_update if product == "coinm" else events.order_trade_update
    event = build(
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        quantity=stream(order.orig_qty),
        price=stream(order.price),
        average_price=stream(order.avg_price),
        execution_type=execution_type,
        status=order.status,
        order_id=order.order_id,
        client_order_id=order.client_order_id,
        position_side=order.position_side,
        last_filled_quantity=stream(fill.qty if fill is not None else ZERO),
        filled_quantity=stream(order.executed_qty),
        last_filled_price=stream(fill.price if fill is not None else ZERO),
        trigger_price=stream(order.stop_price if order.stop_price is not None else ZERO),
        reduce_only=order.reduce_only,
        commission=stream(fill.commission if fill is not None else ZERO),
        commission_asset=contract.margin_asset,
        realized_pnl=stream(rp if realized_pnl is None else realized_pnl),
        working_type=order.working_type,
        event_time=now_ms,
        **fields,
    )
    return (api_key, product, event)


def wallet_change(
    api_key: str,
    *,
    reason: str,
    balances: list[Event],
    positions: list[Event],
    now_ms: int,
    product: str = PRODUCT,
) -> Effect:
    """``ACCOUNT_UPDATE`` with ``a.m = reason`` (``ORDER``, ``FUNDING_FEE``, ``DEPOSIT``,
    ``WITHDRAW``); ``balances`` and ``positions`` built with ``events.balance`` /
    ``events.position`` (coin-M positions carry no ``iw``)."""
    build = events.coinm_account_update if product == "coinm" else events.account_update
    event = build(reason=reason, balances=balances, positions=positions, event_time=now_ms)
    return (api_key, product, event)


def config_change(
    api_key: str,
    *,
    symbol: str,
    long_leverage: int,
    short_leverage: int,
    margin_type: str,
    now_ms: int,
    product: str = PRODUCT,
) -> Effect:
    """``ACCOUNT_CONFIG_UPDATE``; ``margin_type`` is REST's ``CROSSED``/``ISOLATED``,
    sent as the stream's lowercase ``cross``/``isolated``."""
    build = (
        events.coinm_account_config_update if product == "coinm" else events.account_config_update
    )
    event = build(
        symbol=symbol,
        long_leverage=long_leverage,
        short_leverage=short_leverage,
        margin_mode=stream_margin_type(margin_type),
        event_time=now_ms,
    )
    return (api_key, product, event)


def stream_margin_type(margin_type: str) -> str:
    """REST ``CROSSED``/``ISOLATED`` → stream ``cross``/``isolated``."""
    return "isolated" if margin_type == "ISOLATED" else "cross"
