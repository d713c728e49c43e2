"""Pushing events: each serialised and gzipped once, then queued on every socket of the
account that takes it. :func:`prepare` is pure, so the facade runs it on the test's
thread and the loop neither encodes nor gives up the GIL for zlib per event; the
control API prepares on the loop. The fan-out is a mixin of
:class:`~bingx_sim.core.state.SimState`, like the fault operations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bingx_sim.core import frames
from bingx_sim.core.registry import Registry
from bingx_sim.core.sockets import Connection
from bingx_sim.rules.event_types import PRODUCTS, frame_for, ids_as_strings
from bingx_sim.rules.options import ContractOptions

__all__ = ["FanOut", "Prepared", "prepare"]


Deliver = Callable[[Connection, str, bytes | None], bool]


@dataclass(frozen=True, slots=True)
class Prepared:
    """An event ready to push: copied, shaped by the options, serialised and gzipped."""

    event: dict[str, Any]
    text: str
    encoded: bytes


def prepare(events: Iterable[Mapping[str, Any]], options: ContractOptions) -> list[Prepared]:
    """Serialise and gzip ``events`` as ``options`` say (``order_ids``). Pure and
    thread-safe: the facade calls it on the test's thread, so the loop neither encodes
    nor gives up the GIL for zlib. ``TypeError`` for an event JSON cannot hold, before
    anything is sent."""
    ready = []
    for source in events:
        event = dict(source)
        if options.order_ids == "str":
            event = ids_as_strings(event)
        text = frames.dumps(event)
        ready.append(Prepared(event, text, frames.encode(text)))
    return ready


class FanOut:
    """The part of the running state that routes an event to the sockets that take it.
    It needs the socket registry and the fault desk's ``deliver`` (the one place frame
    faults act)."""

    def __init__(self, sockets: Registry, deliver: Deliver) -> None:
        self.sockets = sockets
        self.deliver = deliver

    def push_prepared(
        self, api_key: str, prepared: Iterable[Prepared], product: str = "swap"
    ) -> list[int]:
        """Each prepared event, in order, to every live socket of the account's
        ``product`` that takes it; how many sockets took each."""
        if product not in PRODUCTS:
            raise ValueError(f"product must be one of {', '.join(PRODUCTS)}")
        conns = self.sockets.by_account(api_key)
        return [self._fan_out(conns, ready, product) for ready in prepared]

    def _fan_out(self, conns: list[Connection], ready: Prepared, product: str) -> int:
        """One event to the sockets that take it, gzipped once for all of them."""
        delivered = 0
        event = ready.event
        encoded: dict[str, bytes] = {ready.text: ready.encoded}  # per frame text
        for conn in conns:
            if conn.closed or conn.silenced:
                continue
            frame = frame_for(event, conn.stream, conn.subscriptions, product)
            if frame is None:
                continue
            body = ready.text if frame is event else frames.dumps(frame)
            data = encoded.get(body)
            if data is None:
                data = encoded[body] = frames.encode(body)
            if self.deliver(conn, body, data):
                delivered += 1
        return delivered
