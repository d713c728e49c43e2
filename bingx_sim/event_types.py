"""The one table of pushed event types: builder, schema, and which sockets get them.

Adding an event type means adding one row here: the control API's ``POST
/_sim/accounts/{api_key}/events``, the JSON Schema lookup and spot routing all read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import events

__all__ = ["EVENT_TYPES", "SPOT_TOPICS", "EventType", "build", "frame_for", "merge"]

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class EventType:
    """How the exchange treats one ``"e"`` value on each kind of account socket."""

    name: str
    builder: Callable[..., Event]
    schema: str
    """JSON Schema (``bingx_sim/schemas/``) of the event on swap and coin-M sockets, or
    of the wrapped frame when ``spot_wrapped``."""
    spot_schema: str | None = None
    """Its schema on spot sockets, when spot gets it."""
    spot_topic: str | None = None
    """The spot subscription (``dataType``) it needs; None: spot never gets it."""
    spot_wrapped: bool = False
    """Spot delivers it as ``{"code":0,"dataType":topic,"data":event}``."""
    swap: bool = True
    """Swap and coin-M sockets get it (they take no subscriptions)."""
    always: bool = False
    """Every socket of the key gets it, subscribed or not (``listenKeyExpired``)."""
    pushable: bool = True
    """Tests may push it through the control API (not the exchange's own events)."""


EVENT_TYPES: Mapping[str, EventType] = {
    t.name: t
    for t in (
        EventType(
            "ACCOUNT_UPDATE",
            events.account_update,
            "account_update",
            spot_schema="spot_account_update",
            spot_topic="ACCOUNT_UPDATE",
        ),
        EventType("ORDER_TRADE_UPDATE", events.order_trade_update, "order_trade_update"),
        EventType("ACCOUNT_CONFIG_UPDATE", events.account_config_update, "account_config_update"),
        EventType("SNAPSHOT", events.config_snapshot, "snapshot"),
        EventType(
            "executionReport",
            events.spot_execution_report,
            "spot_execution_report",
            spot_topic="spot.executionReport",
            spot_wrapped=True,
            swap=False,
        ),
        EventType(
            "listenKeyExpired",
            events.listen_key_expired,
            "listen_key_expired",
            spot_schema="listen_key_expired",
            always=True,
            pushable=False,
        ),
    )
}

SPOT_TOPICS = frozenset(t.spot_topic for t in EVENT_TYPES.values() if t.spot_topic is not None)
"""The ``dataType`` values a spot account socket accepts in a subscription."""


def frame_for(event: Event, stream: str, subscriptions: frozenset[str] | set[str]) -> Event | None:
    """What a socket of ``stream`` with these spot ``subscriptions`` receives for
    ``event``, or None when it does not get it. Unknown types reach swap and coin-M only."""
    kind = EVENT_TYPES.get(str(event.get("e", "")))
    if stream != "spot":
        return event if kind is None or kind.swap else None
    if kind is None:
        return None
    if kind.always:
        return event
    if kind.spot_topic is None or kind.spot_topic not in subscriptions:
        return None
    if kind.spot_wrapped:
        return {"code": 0, "dataType": kind.spot_topic, "data": event}
    return event


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


def build(fields: Mapping[str, Any], now_ms: int) -> Event:
    """A full event from the fields a caller cares about: the builder's defaults for
    ``fields["e"]`` (stamped ``now_ms``) with ``fields`` laid over them.

    Raises ``KeyError`` naming the known types when ``e`` is not a pushable type.
    """
    kind = EVENT_TYPES.get(str(fields.get("e")))
    if kind is None or not kind.pushable:
        known = ", ".join(t.name for t in EVENT_TYPES.values() if t.pushable)
        raise KeyError(f"unknown event type {fields.get('e')!r}; known: {known}")
    return merge(kind.builder(event_time=now_ms), fields)
