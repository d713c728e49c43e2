"""The fault desk: the part of the running state that holds the injected faults, the calls
they hold, and the one place each fault acts (a REST call, an upgrade, a socket, a frame).

:class:`~bingx_sim.core.state.SimState` holds one and its operations (``inject``,
``clear_fault``, ...) delegate here; the wire adapters ask it at the point where a fault
can act. Every method runs on the simulator's loop thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from bingx_sim.core import frames
from bingx_sim.core.journal import FaultFired, Journal
from bingx_sim.lab.faults import (
    ActiveFault,
    CorruptFrame,
    DelayFrames,
    Drop,
    DuplicateFrame,
    FaultPlan,
    FaultSpec,
    IgnorePongs,
    LoseEvents,
    RefuseConnect,
    ReorderEvents,
    RestDelay,
    RestError,
    RestHang,
    RestReset,
    Silence,
    SuppressTriggered,
)

if TYPE_CHECKING:
    from bingx_sim.core.registry import Registry
    from bingx_sim.core.sockets import Connection

__all__ = ["FaultDesk"]

_SOCKET_FAULTS = (Drop, Silence, IgnorePongs)
_REST_FAULTS = (RestError, RestDelay, RestReset, RestHang)
_CONDITIONAL = frozenset({"STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT"})


class FaultDesk:
    """Fault injection (see :mod:`bingx_sim.lab.faults`). It needs the journal (every
    firing is journaled), the socket registry (socket faults act on open sockets) and
    the exchange clock (for the journal's timestamps)."""

    def __init__(self, journal: Journal, sockets: Registry, now_ms: Callable[[], int]) -> None:
        self.plan = FaultPlan()
        self.journal = journal
        self.sockets = sockets
        self.now_ms = now_ms
        self._releases: dict[int, asyncio.Event] = {}
        # Frames a ReorderEvents fault holds back, per socket: (text, gzipped, fault id).
        self._held: dict[Connection, tuple[str, bytes | None, int]] = {}

    @property
    def idle(self) -> bool:
        """No fault is active or holding a call."""
        return self.plan.empty and not self._releases

    def forget(self) -> None:
        """Release every held call and forget every fault (a reset)."""
        self.release_all()
        self.plan.forget()
        self._held.clear()

    def socket_gone(self, conn: Connection) -> None:
        """A socket ended: a frame a fault held back for it has nobody to reach."""
        self._held.pop(conn, None)

    def suppressed(self, api_key: str, event: Mapping[str, Any]) -> bool:
        """Whether a ``SuppressTriggered`` fault keeps this event from being pushed at
        all (fired when it does): an order update of a triggered conditional order."""
        if not self.plan or event.get("e") != "ORDER_TRADE_UPDATE":
            return False
        order = event.get("o")
        if not isinstance(order, Mapping) or order.get("o") not in _CONDITIONAL:
            return False
        if order.get("x") == "NEW" and order.get("X") == "NEW":
            return False  # the placement, before any trigger, is pushed as usual
        active = self.plan.find(SuppressTriggered, api_key)
        if active is None:
            return False
        self.fired(active, f"push ORDER_TRADE_UPDATE {order.get('i')}")
        return True

    def rest_fault(self, api_key: str | None, method: str, path: str) -> ActiveFault | None:
        """The REST fault that applies to this call (matched by account, method and
        path), not yet fired."""
        return self.plan.find(_REST_FAULTS, api_key, method, path)

    # injecting and clearing -------------------------------------------------------

    def inject(self, spec: FaultSpec) -> ActiveFault:
        """Add a fault; one that acts on sockets acts on the open ones at once."""
        active = self.plan.add(spec)
        if isinstance(spec, _SOCKET_FAULTS):
            for conn in self.sockets:
                if active.spent or spec.api_key not in (None, conn.api_key):
                    continue
                self._socket_fault(active, conn)
        return active

    def hits(self, fault_id: int) -> int:
        return self.plan.hits(fault_id)

    def clear(self, fault_id: int) -> bool:
        """Clear one fault: hung calls are released (closed unanswered), silenced
        sockets speak again, even when its count is spent (what it started lasts until
        cleared). False when there is no such fault."""
        active = self.plan.remove(fault_id)
        if active is None:  # spent, and perhaps still holding a call or a socket
            finished = self.plan.finished
            active = next((a for a in finished if a.id == fault_id and not a.cleared), None)
        if active is None:
            return False
        active.cleared = True
        self._release(active)
        return True

    def clear_all(self) -> int:
        cleared = self.plan.clear()
        for active in cleared:
            self._release(active)
        return len(cleared)

    def _release(self, active: ActiveFault) -> None:
        event = self._releases.pop(active.id, None)
        if event is not None:
            event.set()
        for conn, (text, encoded, fault_id) in list(self._held.items()):
            if fault_id == active.id:  # a frame held back is late, never lost
                del self._held[conn]
                conn.send(text, encoded=encoded)
        for conn in self.sockets:  # undo what this fault did to sockets, nothing else
            if conn.mute_pings == active.id:
                conn.mute_pings = None
            if conn.mute_events == active.id:
                conn.mute_events = None
            if conn.ignore_pongs == active.id:
                conn.ignore_pongs = None

    def release_all(self) -> None:
        for event in self._releases.values():
            event.set()
        self._releases.clear()

    async def held(self, active: ActiveFault, seconds: float | None) -> bool:
        """Wait ``seconds`` (``None``: until released); True when released early (by
        clear, reset or stop: the call is then dropped unanswered)."""
        event = self._releases.setdefault(active.id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            return False
        return True

    # firing -------------------------------------------------------------------------

    def fired(self, active: ActiveFault, where: str) -> None:
        self.plan.fire(active)
        spec = active.spec
        self.journal.append(FaultFired(spec.name, active.id, spec.api_key, where, self.now_ms()))

    def unfired(self) -> list[str]:
        return [
            f"fault {a.spec.name} #{a.id} (times={a.spec.times}, per {a.spec.scope}) "
            "never fired: the test expected it to (inject it with required=False if not)"
            for a in self.plan.unfired()
        ]

    # where socket faults act --------------------------------------------------------

    def _socket_fault(self, active: ActiveFault, conn: Connection) -> None:
        spec = active.spec
        where = f"ws {conn.stream} {conn.listen_key[:12]}"
        if isinstance(spec, Drop):
            reason = spec.reason or "dropped by an injected fault"
            if spec.code is None:
                conn.drop(reason)
            else:
                conn.close(spec.code, reason)
        elif isinstance(spec, Silence):
            conn.mute_pings = active.id if spec.pings else conn.mute_pings
            conn.mute_events = active.id if spec.events else conn.mute_events
        elif isinstance(spec, IgnorePongs):
            conn.ignore_pongs = active.id
        self.fired(active, where)

    def socket_opened(self, conn: Connection) -> None:
        """A new socket meets the socket faults still active for its account."""
        for kind in _SOCKET_FAULTS:
            active = self.plan.find(kind, conn.api_key)
            if active is not None and not conn.closed:
                self._socket_fault(active, conn)

    def refusal(self, api_key: str, stream: str) -> RefuseConnect | None:
        """The upgrade fault for this account, fired; ``None`` to let it through."""
        active = self.plan.find(RefuseConnect, api_key)
        if active is None:
            return None
        self.fired(active, f"ws {stream} upgrade")
        assert isinstance(active.spec, RefuseConnect)
        return active.spec

    def deliver(self, conn: Connection, text: str, encoded: bytes | None = None) -> bool:
        """Send one event frame through the frame faults of its account (``encoded``:
        ``text`` already gzipped)."""
        if conn.mute_events is not None:
            return False
        if not self.plan and not self._held:  # the usual case: no lookups, no labels
            return conn.send(text, encoded=encoded)
        where = f"ws {conn.stream} {conn.listen_key[:12]}"
        lost = self.plan.find(LoseEvents, conn.api_key)
        if lost is not None:
            self.fired(lost, where)
            return False
        delay = 0.0
        delayed = self.plan.find(DelayFrames, conn.api_key)
        if delayed is not None:
            assert isinstance(delayed.spec, DelayFrames)
            delay = delayed.spec.seconds
            self.fired(delayed, where)
        corrupt = self.plan.find(CorruptFrame, conn.api_key)
        if corrupt is not None:
            assert isinstance(corrupt.spec, CorruptFrame)
            self.fired(corrupt, where)
            return conn.send_raw(_damaged(text, corrupt.spec.kind), text, delay=delay)
        held = self._held.pop(conn, None)
        if held is None:
            reorder = self.plan.find(ReorderEvents, conn.api_key)
            if reorder is not None:  # hold this one back until the next event
                self.fired(reorder, where)
                self._held[conn] = (text, encoded, reorder.id)
                return True
        copies = 1
        twice = self.plan.find(DuplicateFrame, conn.api_key)
        if twice is not None:
            self.fired(twice, where)
            copies = 2
        sent = False
        for _ in range(copies):
            sent = conn.send(text, delay=delay, encoded=encoded) or sent
        if held is not None:  # the event held back goes right after this one
            conn.send(held[0], delay=delay, encoded=held[1])
        return sent


def _damaged(text: str, kind: str) -> bytes | str:
    gzipped = frames.encode(text)
    if kind == "gzip":
        return b"\x1f\x8b" + bytes(b ^ 0x5A for b in gzipped[2:])  # a header, then noise
    if kind == "truncated":
        return gzipped[: max(3, len(gzipped) // 2)]
    return text[: max(1, len(text) // 2)]  # a text frame that is not JSON
