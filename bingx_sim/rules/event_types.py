"""The one table of pushed event types: per product (USDT-M ``swap``, ``coinm``,
``spot``), its builder, its schema, and how that product's sockets get it.

The products are separate wallets on BingX with their own event shapes (coin-M: coin
margin and ``-USD`` symbols; spot: no positions, ``lk`` locked funds), so an event is
pushed to one product and reaches only that product's sockets. Adding an event type or
a product's shape means adding one row here: the control API's push, the JSON Schema
lookup and spot routing all read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from bingx_sim import events

__all__ = [
    "EVENT_TYPES",
    "PRODUCTS",
    "SPOT_TOPICS",
    "EventType",
    "Product",
    "Shape",
    "build",
    "frame_for",
    "ids_as_strings",
    "merge",
]

Event = dict[str, Any]
Product = Literal["swap", "coinm", "spot"]
PRODUCTS: tuple[str, ...] = get_args(Product)


@dataclass(frozen=True, slots=True)
class Shape:
    """How one product builds and delivers an event type."""

    builder: Callable[..., Event]
    schema: str
    """JSON Schema (``bingx_sim/schemas/``) of the frame as delivered."""
    topic: str | None = None
    """The spot subscription (``dataType``) needed to receive it (spot only)."""
    wrapped: bool = False
    """Delivered as ``{"code":0,"dataType":topic,"data":event}`` (spot only)."""


@dataclass(frozen=True, slots=True)
class EventType:
    """One ``"e"`` value and its shape on each product that has it."""

    name: str
    shapes: Mapping[str, Shape] = field(default_factory=dict)
    always: bool = False
    """Delivered to every socket of the key, subscribed or not (``listenKeyExpired``)."""
    pushable: bool = True
    """Tests may push it (the exchange's own events, like expiry, are not)."""

    # The USDT-M shape, as earlier versions exposed it.
    @property
    def builder(self) -> Callable[..., Event]:
        return next(iter(self.shapes.values())).builder

    @property
    def schema(self) -> str:
        return next(iter(self.shapes.values())).schema


EVENT_TYPES: Mapping[str, EventType] = {
    t.name: t
    for t in (
        EventType(
            "ACCOUNT_UPDATE",
            {
                "swap": Shape(events.account_update, "account_update"),
                "coinm": Shape(events.coinm_account_update, "coinm_account_update"),
                "spot": Shape(events.spot_account_update, "spot_account_update", "ACCOUNT_UPDATE"),
            },
        ),
        EventType(
            "ORDER_TRADE_UPDATE",
            {
                "swap": Shape(events.order_trade_update, "order_trade_update"),
                "coinm": Shape(events.coinm_order_trade_update, "coinm_order_trade_update"),
            },
        ),
        EventType(
            "ACCOUNT_CONFIG_UPDATE",
            {
                "swap": Shape(events.account_config_update, "account_config_update"),
                "coinm": Shape(events.coinm_account_config_update, "account_config_update"),
            },
        ),
        EventType(
            "SNAPSHOT",
            {
                "swap": Shape(events.config_snapshot, "snapshot"),
                "coinm": Shape(events.coinm_config_snapshot, "snapshot"),
            },
        ),
        EventType(
            "executionReport",
            {
                "spot": Shape(
                    events.spot_execution_report,
                    "spot_execution_report",
                    "spot.executionReport",
                    wrapped=True,
                )
            },
        ),
        EventType(
            "listenKeyExpired",
            {p: Shape(events.listen_key_expired, "listen_key_expired") for p in PRODUCTS},
            always=True,
            pushable=False,
        ),
    )
}

SPOT_TOPICS = frozenset(
    shape.topic
    for kind in EVENT_TYPES.values()
    for shape in kind.shapes.values()
    if shape.topic is not None
)
"""The ``dataType`` values a spot account socket accepts in a subscription."""


def frame_for(
    event: Event,
    stream: str,
    subscriptions: frozenset[str] | set[str],
    product: str | None = None,
) -> Event | None:
    """What a socket of ``stream`` (with these spot ``subscriptions``) receives for
    ``event`` pushed to ``product`` (default: the socket's own), or None: another
    product's event, a type that product does not have, a topic not subscribed.
    Unknown types reach swap and coin-M sockets of their product as they are."""
    if product is not None and product != stream:
        return None
    kind = EVENT_TYPES.get(str(event.get("e", "")))
    if kind is None:
        return event if stream != "spot" else None
    shape = kind.shapes.get(stream)
    if shape is None:
        return None
    if stream != "spot" or kind.always:
        return event
    if shape.topic is None or shape.topic not in subscriptions:
        return None
    if shape.wrapped:
        return {"code": 0, "dataType": shape.topic, "data": event}
    return event


def ids_as_strings(event: Event) -> Event:
    """The event with its order id as a string (``o.i`` on swap and coin-M, ``i`` on a
    spot ``executionReport``): the ``order_ids="str"`` option."""
    converted = dict(event)
    order = converted.get("o")
    if isinstance(order, dict) and isinstance(order.get("i"), int):
        converted["o"] = order | {"i": str(order["i"])}
    if converted.get("e") == "executionReport" and isinstance(converted.get("i"), int):
        converted["i"] = str(converted["i"])
    return converted


def merge(base: Event, override: Mapping[str, Any]) -> Event:
    """``base`` with ``override`` laid over it, nested objects merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merged[key] = merge(current, value)
        else:
            merged[key] = value
    return merged


def build(fields: Mapping[str, Any], now_ms: int, product: str = "swap") -> Event:
    """A full event from the fields a caller cares about: ``product``'s builder defaults
    for ``fields["e"]`` (stamped ``now_ms``) with ``fields`` laid over them.

    Raises ``KeyError`` naming the known types when ``e`` is not a pushable type of that
    product.
    """
    kind = EVENT_TYPES.get(str(fields.get("e")))
    shape = None if kind is None or not kind.pushable else kind.shapes.get(product)
    if shape is None:
        known = ", ".join(
            t.name for t in EVENT_TYPES.values() if t.pushable and product in t.shapes
        )
        raise KeyError(f"unknown {product} event type {fields.get('e')!r}; known: {known}")
    return merge(shape.builder(event_time=now_ms), fields)
