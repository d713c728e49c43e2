"""One open account socket, its outbox and its single writer.

Lives on the simulator's loop thread only. Everything that wants a frame on a socket
(a push, the expiry sweep, a heartbeat, an answer to the client, a close) calls the
synchronous :meth:`Connection.send` or :meth:`Connection.close`, which only *enqueue*;
the connection's one writer task (``Connection._write_out``) is the only code that
writes to the socket, in outbox order. So no operation ever waits on a client's socket,
two tasks never interleave writes, and a cancelled caller cannot stop a write half-way.

The outbox is bounded in bytes: a client that stops reading is dropped as a slow
consumer (see :meth:`Connection.drop`) instead of growing the simulator's memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bingx_sim.core import frames
from bingx_sim.core.journal import Journal, WsEvent, WsFrame

__all__ = ["Connection"]

log = logging.getLogger("bingx_sim.core.sockets")


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class _Pong:
    payload: bytes


@dataclass(frozen=True, slots=True)
class _Delayed:
    """A frame the writer holds back ``seconds`` (an injected ``DelayFrames``)."""

    data: bytes | str
    seconds: float


_Item = bytes | str | _Close | _Pong | _Delayed
_NONE: frozenset[str] = frozenset()


def _heartbeat(text: str, word: str) -> bool:
    """``Ping``/``Pong`` (any case), or spot's ``{"ping": ...}``/``{"pong": ...}``."""
    return text.lower() == word or text[:12].replace(" ", "").startswith('{"' + word + '"')


class Connection:
    """An accepted account websocket: which stream, whose key, what it subscribed to.

    Slotted, and its writer and outbox exist only while there is output: thousands of
    idle sockets are the usual load (``python -m bench --only scale``)."""

    __slots__ = (
        "_dropped",
        "_ended",
        "_finished",
        "_in_write",
        "_on_handed_over",
        "_outbox",
        "_queued_bytes",
        "_spawn",
        "_writer",
        "_writer_done",
        "api_key",
        "close_code",
        "close_reason",
        "frames_in",
        "frames_out",
        "ignore_pongs",
        "journal",
        "last_frame",
        "last_pong",
        "listen_key",
        "max_outbox_bytes",
        "mute_events",
        "mute_pings",
        "now_ms",
        "on_queued",
        "opened_at",
        "pings",
        "pongs",
        "remote",
        "silenced",
        "stream",
        "subscriptions",
        "transport",
        "ws",
    )

    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport | None,
        *,
        stream: str,
        listen_key: str,
        api_key: str,
        remote: str,
        journal: Journal,
        now_ms: Callable[[], int],
        last_pong: float,
        max_outbox_bytes: int,
        spawn: Callable[[Coroutine[Any, Any, None]], asyncio.Task[None]] | None = None,
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.stream = stream  # "swap", "coinm" or "spot"
        self.listen_key = listen_key
        self.api_key = api_key
        self.remote = remote
        self.journal = journal
        self.now_ms = now_ms
        self.last_pong = last_pong
        self.max_outbox_bytes = max_outbox_bytes
        # Spot sockets subscribe to topics; the others share the empty frozenset.
        self.subscriptions: set[str] | frozenset[str] = set() if stream == "spot" else _NONE
        self.silenced = False  # key expired or deleted and the socket was left open
        # Injected faults acting on this socket (the fault's id; None: not muted).
        self.mute_pings: int | None = None
        self.mute_events: int | None = None
        self.ignore_pongs: int | None = None
        # Tasks to cancel when the socket ends (not the writer); made when one is added.
        self.close_code: int | None = None
        self.close_reason = ""
        # What a person watching the socket wants to see (GET /_sim/sockets): counted
        # as frames are journaled, both ways.
        self.opened_at = last_pong  # real monotonic seconds
        self.frames_in = self.frames_out = self.pings = self.pongs = 0
        self.last_frame: tuple[str, str, int] | None = None  # direction, text, at_ms
        self._finished: asyncio.Future[None] | None = None  # made when first asked for
        self._outbox: deque[tuple[_Item, int]] | None = None  # only while there is output
        self._queued_bytes = 0
        self._spawn = spawn or asyncio.get_running_loop().create_task
        self._writer: asyncio.Task[None] | None = None  # runs only while there is output
        self._ended = False  # the reading side is done: write what is queued, then stop
        self._dropped = False
        self._in_write = False  # the writer is inside a write (suspended: kernel pushback)
        self._writer_done = False
        self._on_handed_over: list[Callable[[], None]] | None = None
        # Told of every enqueue, so the simulator knows which sockets may have frames
        # still to write without looking at every open socket.
        self.on_queued: Callable[[Connection], None] | None = None

    @property
    def finished(self) -> asyncio.Future[None]:
        """Done once the socket is gone (its writer handed over its last frame). Made
        on first use: an idle socket holds no future."""
        if self._finished is None:
            self._finished = asyncio.get_running_loop().create_future()
        return self._finished

    @property
    def closed(self) -> bool:
        """True once no further frame will be accepted (closing, closed or dropped)."""
        return self.close_code is not None or self.ws.closed

    @property
    def stalled(self) -> bool:
        """True when the kernel refuses more data: the client is not reading, and a
        close frame could not reach it either."""
        transport = self.transport
        return transport is not None and transport.get_write_buffer_size() > 0

    @property
    def queued_bytes(self) -> int:
        """Bytes enqueued and not yet handed to the transport."""
        return self._queued_bytes

    # enqueueing (synchronous, from any task on the loop) ---------------------------

    def _enqueue(self, item: _Item, size: int) -> None:
        if self._outbox is None:
            self._outbox = deque()
        self._outbox.append((item, size))
        self._queued_bytes += size
        if self._writer is None and not self._writer_done:
            self._writer = self._spawn(self._write_out())
        if self.on_queued is not None:
            self.on_queued(self)

    def send(
        self, text: str, *, gzip: bool = True, delay: float = 0.0, encoded: bytes | None = None
    ) -> bool:
        """Queue one frame (gzip binary, or plain text) and journal it; False when the
        socket takes no more frames, or was just dropped because its outbox overflowed.
        ``delay``: the writer holds it back that many real seconds (a fault).
        ``encoded``: ``text`` already gzipped (a fan-out encodes once for all sockets)."""
        if self.closed:
            return False
        data: bytes | str = text
        if gzip:
            data = encoded if encoded is not None else frames.encode(text)
        return self.send_raw(data, text, delay=delay)

    def send_raw(self, data: bytes | str, text: str, *, delay: float = 0.0) -> bool:
        """Queue ``data`` as it is (bytes: a binary frame), journaled as ``text``."""
        if self.closed:
            return False
        size = len(data) if isinstance(data, bytes) else len(data.encode())
        if self._queued_bytes + size > self.max_outbox_bytes:
            why = (
                f"slow consumer: {self._queued_bytes + size} bytes unread, over the "
                f"outbox limit of {self.max_outbox_bytes}"
            )
            self.drop(why, violation=why)
            return False
        self._enqueue(_Delayed(data, delay) if delay > 0 else data, size)
        binary, at_ms = isinstance(data, bytes), self.now_ms()
        self.journal.append(WsFrame("out", self.stream, self.listen_key, text, binary, at_ms))
        self.frames_out += 1
        self.pings += _heartbeat(text, "ping")
        self.last_frame = ("out", text, at_ms)
        return True

    def received(self, text: str, at_ms: int) -> None:
        """Count a message the client sent (journaled by the reader)."""
        self.frames_in += 1
        self.pongs += _heartbeat(text, "pong")
        self.last_frame = ("in", text, at_ms)

    def pong(self, payload: bytes) -> None:
        """Answer a protocol-level ping (aiohttp's autoping would write from the reader)."""
        if not self.closed:
            self._enqueue(_Pong(payload), len(payload))

    def close(
        self, code: int, reason: str, violation: str | None = None, *, flush: bool = True
    ) -> bool:
        """Close once, after the frames already queued (``flush=False`` discards them, as
        when answering the client's own close). The first reason wins and is journaled."""
        if self.close_code is not None:
            return False
        self.close_code, self.close_reason = code, reason
        self.journal.append(
            WsEvent("close", self.stream, self.listen_key, self.now_ms(), code, reason, violation)
        )
        if not flush:
            self._outbox = None
            self._queued_bytes = 0
        self._enqueue(_Close(code, reason), 0)
        return True

    def drop(self, reason: str, violation: str | None = None) -> None:
        """Cut the TCP connection with no close frame, so the client sees 1006.

        This is what happens to a client whose outbox overflows: a close frame would only
        queue behind the data it does not read, and an exchange that gives up on a peer
        drops the connection (``docs/contract.md``, "slow consumer"). Also used by
        ``stop()`` for clients that do not finish the close handshake in time.
        """
        if self._dropped:
            return
        self._dropped = True
        self._progressed()  # a dropped socket has nothing left to hand over
        if self.close_code is None:
            self.close_code, self.close_reason = 1006, reason
            self.journal.append(
                WsEvent(
                    "close", self.stream, self.listen_key, self.now_ms(), 1006, reason, violation
                )
            )
        self._outbox = None
        self._queued_bytes = 0
        if self.transport is not None:
            self.transport.abort()

    @property
    def handed_over(self) -> bool:
        """Nothing queued is still waiting for the writer's turn: it is all with the
        kernel, or the writer is blocked by a client that does not read, or it is gone."""
        return not self._outbox or self._in_write or self._dropped or self._writer_done

    def _progressed(self) -> None:
        if self._on_handed_over and self.handed_over:
            callbacks, self._on_handed_over = self._on_handed_over, None
            for callback in callbacks:
                callback()

    def when_handed_over(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the loop) once :attr:`handed_over`: at once if it is.
        A callback, not a task, so a facade call waits on no extra task per call.
        Never waits on the client: a write the kernel pushes back on counts as handed
        over."""
        if self.handed_over:
            callback()
        elif self._on_handed_over is None:
            self._on_handed_over = [callback]
        else:
            self._on_handed_over.append(callback)

    def end(self, peer_code: int | None) -> None:
        """The reading side is done: the writer finishes what is queued, then stops. If
        no close was recorded yet, the client went away (``peer_code``: its close code)."""
        if self.close_code is None:
            self.close_code, self.close_reason = peer_code or 1000, "closed by client"
            self.journal.append(
                WsEvent(
                    "close",
                    self.stream,
                    self.listen_key,
                    self.now_ms(),
                    self.close_code,
                    self.close_reason,
                )
            )
        self._ended = True
        if self._writer is None:
            self._writer_done = True
            self._progressed()

    async def drained(self) -> None:
        """After :meth:`end`: until the writer has written what was queued and stopped."""
        writer = self._writer
        if writer is not None:
            await writer

    # the one writer ------------------------------------------------------------------

    async def _write_out(self) -> None:
        """Write the outbox to the socket in order, then stop: the only code that writes
        to it. It runs only while there is something to write (started by the enqueue
        that finds none running), so an idle socket costs no task; at most one runs."""
        try:
            while not self._dropped:
                outbox = self._outbox
                if not outbox:
                    self._outbox = None  # an idle socket holds no outbox
                    if self._ended:
                        self._writer_done = True
                    self._writer = None
                    self._progressed()
                    return
                item, size = outbox.popleft()
                self._queued_bytes -= size
                # A write returns at once unless the kernel pushes back; only then does a
                # waiter of flushed() get to run and see _in_write.
                self._in_write = True
                self._progressed()
                if isinstance(item, _Delayed):  # held back on purpose: counts as handed over
                    await asyncio.sleep(item.seconds)
                    item = item.data
                if isinstance(item, bytes):
                    await self.ws.send_bytes(item)
                elif isinstance(item, str):
                    await self.ws.send_str(item)
                elif isinstance(item, _Pong):
                    await self.ws.pong(item.payload)
                else:
                    await self.ws.close(code=item.code, message=item.reason.encode()[:120])
                    self._writer_done = True  # nothing may follow a close frame
                    return
                self._in_write = False
            self._writer_done = True  # dropped
        except (ConnectionError, RuntimeError):
            self._writer_done = True  # the peer is gone: there is nothing left to write to
        except BaseException as error:  # cancelled at shutdown, or a failure of ours
            self._writer_done = True
            if not isinstance(error, Exception):
                raise
            log.warning("writer of a %s socket stopped: %r", self.stream, error)
            self.drop(f"simulator error while writing: {error!r}")
        finally:
            if self._writer is asyncio.current_task():
                self._writer = None
            self._progressed()
