"""``AccountDataStream``: the private account websocket, working on the real exchange.

Unlike the ``bingx-python`` SDK whose handler API it keeps, it un-gzips every binary frame,
answers the exchange's ``Ping`` with ``Pong`` (and spot's JSON ping with its pong), parses
events into :mod:`bingx.events`, and ``connect()`` really connects and starts receiving.
Handlers run on the receive thread; one that raises reaches ``on_error`` and the stream
carries on.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
import zlib
from collections import deque
from collections.abc import Callable
from typing import TypeVar

import websocket

from bingx_clocks import real_monotonic
from bingx_clocks.wakeups import Wakeups

from . import events as ev
from ._handlers import HandlerSlots
from .exceptions import ListenKeyNotFound, StreamException

__all__ = ["DEFAULT_STREAM_URL", "AccountDataStream"]

DEFAULT_STREAM_URL = "wss://open-api-swap.bingx.com/swap-market"
E = TypeVar("E", bound=ev.Event)


def stream_url(base_url: str | None) -> str:
    """``base_url``, else ``$BINGX_STREAM_URL`` (the ``bingx_sim`` fixtures set it),
    else the real USDT-M account stream."""
    return base_url or os.environ.get("BINGX_STREAM_URL") or DEFAULT_STREAM_URL


def _decode(opcode: int, data: bytes) -> str:
    if opcode == websocket.ABNF.OPCODE_BINARY:
        # 47 = 32 + 15: accept a gzip or zlib header, whichever the frame carries.
        return zlib.decompress(data, wbits=47).decode()
    return data.decode()


class AccountDataStream(HandlerSlots):
    """One account websocket for one listen key.

    ``idle_timeout`` (real seconds) declares the connection dead when not even a heartbeat
    arrived for that long; the exchange pings every 5 s.
    """

    def __init__(
        self,
        listen_key: str,
        base_url: str | None = None,
        *,
        connect_timeout: float = 10.0,
        idle_timeout: float = 30.0,
        history: int = 10_000,
    ) -> None:
        self.listen_key = listen_key
        self.base_url = stream_url(base_url)
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout
        self.ws: websocket.WebSocket | None = None
        self.close_code: int | None = None
        self.close_reason = ""
        self._init_handlers("close")
        self._internal: list[Callable[[ev.Event | None], None]] = []
        self._thread: threading.Thread | None = None
        self._closing = False
        self._done = threading.Event()
        self._received: deque[ev.Event] = deque(maxlen=history)
        self._arrived = threading.Condition()
        self._wakeups = Wakeups()

    @property
    def url(self) -> str:
        joiner = "&" if "?" in self.base_url else "?"
        return f"{self.base_url}{joiner}listenKey={self.listen_key}"

    @property
    def connected(self) -> bool:
        return self._thread is not None and not self._done.is_set()

    # handler registration: the SDK's API (HandlerSlots), plus on_close ------------

    def on_close(self, handler: Callable[[], None]) -> None:
        """Called once when the socket is gone, whoever closed it."""
        self._handlers["close"] = handler

    def observe(self, hook: Callable[[ev.Event | None], None]) -> None:
        """Call ``hook`` on the receive thread with every event, before the handlers run,
        then once with ``None`` when the socket is gone (how :class:`bingx.UserDataStream`
        follows its socket)."""
        self._internal.append(hook)

    # lifecycle --------------------------------------------------------------------

    def connect(self) -> None:
        """Open the socket and start the receive thread. Raises
        :class:`~bingx.exceptions.ListenKeyNotFound` when the exchange refuses the key."""
        if self._thread is not None:
            if self._done.is_set():
                raise StreamException("this stream was closed; create a new one to reconnect")
            return
        try:
            self.ws = websocket.create_connection(
                self.url, timeout=self.connect_timeout, enable_multithread=True
            )
        except websocket.WebSocketBadStatusException as error:
            status = error.status_code
            kind = ListenKeyNotFound if status in (401, 403, 404) else StreamException
            raise kind(
                f"the exchange refused the account stream (HTTP {status})", status=status
            ) from error
        except (OSError, websocket.WebSocketException) as error:
            raise StreamException(
                f"could not open {self.base_url}: {error}", original_exception=error
            ) from error
        self.ws.settimeout(self.idle_timeout)
        self._thread = threading.Thread(
            target=self._receive, name=f"bingx-stream-{self.listen_key[:8]}", daemon=True
        )
        self._thread.start()

    def subscribe(self, *data_types: str) -> None:
        """Spot only: ``spot.executionReport`` and/or ``ACCOUNT_UPDATE``. The swap and
        coin-M account streams push everything unasked and answer any message with an
        80014 error frame, so never call this on them."""
        if self.ws is None or not self.connected:
            raise StreamException("connect() before subscribe()")
        for data_type in data_types:
            request = {"id": uuid.uuid4().hex, "reqType": "sub", "dataType": data_type}
            self.ws.send(json.dumps(request))

    def listen(self) -> None:
        """Connect if needed and block until the stream closes."""
        self.connect()
        assert self._thread is not None
        try:
            while not self._done.wait(0.5):  # wakes to let Ctrl-C through
                pass
        except KeyboardInterrupt:
            self.disconnect()
            raise

    def listen_async(self) -> None:
        """Connect if needed and return; events arrive on the receive thread."""
        self.connect()

    def disconnect(self, timeout: float = 2.0) -> None:
        """Close the socket and join the receive thread. Idempotent, safe from handlers."""
        self._closing = True
        ws, thread = self.ws, self._thread
        if ws is None or thread is None:
            return
        if not self._done.is_set():
            with contextlib.suppress(OSError, websocket.WebSocketException):
                ws.send_close()
        if thread is threading.current_thread():
            return  # a handler asked; the receive loop ends when it returns
        if not self._done.wait(timeout):
            ws.abort()  # type: ignore[no-untyped-call]  # the server did not answer the close: cut the socket
        thread.join(timeout)

    def wait_closed(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    def _take(self, kind: type[E]) -> E | None:
        with self._arrived:
            for item in self._received:
                if isinstance(item, kind):
                    self._received.remove(item)
                    return item
        return None

    def _no_event(self, kind: type[E], timeout: float) -> TimeoutError:
        with self._arrived:
            seen = [type(e).__name__ for e in self._received] or ["nothing"]
        return TimeoutError(f"no {kind.__name__} within {timeout} s; queued: {', '.join(seen)}")

    async def next_event_async(self, kind: type[E] = ev.Event, timeout: float = 5.0) -> E:  # type: ignore[assignment]
        """:meth:`next_event` for async code: awaits without blocking the event loop.
        Raises ``TimeoutError`` (at once once the stream has closed and nothing waits)."""

        def ready() -> E | None:
            found = self._take(kind)
            if found is None and self._done.is_set():
                raise self._no_event(kind, timeout)
            return found

        return await self._wakeups.wait_until(ready, timeout, lambda: self._no_event(kind, timeout))

    def next_event(self, kind: type[E] = ev.Event, timeout: float = 5.0) -> E:  # type: ignore[assignment]
        """Take the oldest received, not yet taken event of ``kind``; wait for one if none.

        Its handlers have already run when it is returned. Thread-safe, waits on a
        condition with a real-time deadline, raises ``TimeoutError`` listing what did
        arrive (at once if the stream has closed).
        """
        deadline = real_monotonic() + timeout
        with self._arrived:
            while True:
                for item in self._received:
                    if isinstance(item, kind):
                        self._received.remove(item)
                        return item
                remaining = deadline - real_monotonic()
                if remaining <= 0 or self._done.is_set():  # closed: nothing more will come
                    seen = [type(e).__name__ for e in self._received] or ["nothing"]
                    raise TimeoutError(
                        f"no {kind.__name__} within {timeout} s; queued: {', '.join(seen)}"
                    )
                self._arrived.wait(remaining)

    # the receive thread -----------------------------------------------------------

    def _dispatch(self, event: ev.Event) -> None:
        for hook in self._internal:
            hook(event)
        self._call("event", event)
        if isinstance(event, ev.AccountUpdate):
            a = event.raw.get("a")
            if isinstance(a, dict) and "B" in a:
                self._call("balance", a["B"])
            if isinstance(a, dict) and "P" in a:
                self._call("position", a["P"])
        elif isinstance(event, ev.OrderUpdate):
            self._call("order", event.raw.get("o"))
        elif isinstance(event, ev.SpotOrderUpdate):
            self._call("order", event.raw.get("data"))
        elif isinstance(event, ev.ConfigUpdate):
            self._call("config", event)
        elif isinstance(event, ev.ListenKeyExpired):
            self._call("expired", event)
        elif isinstance(event, ev.StreamError):
            self._call("error", StreamException(f"[{event.code}] {event.msg}", event.code))
        # Queued last, so when next_event() returns an event its handlers have run.
        with self._arrived:
            self._received.append(event)
            self._arrived.notify_all()
        self._wakeups.notify_all()

    def _handle_text(self, ws: websocket.WebSocket, text: str) -> None:
        if text == "Ping":
            ws.send("Pong")
            return
        try:
            payload = json.loads(text)
        except ValueError:
            self._call("error", StreamException(f"unparseable frame: {text[:80]!r}"))
            return
        if not isinstance(payload, dict):
            return
        if "ping" in payload:  # spot's heartbeat
            ws.send(json.dumps({"pong": payload["ping"], "time": payload.get("time")}))
            return
        if "pong" in payload or ("id" in payload and payload.get("code") == 0):
            return  # heartbeat echo or subscription ack
        event = ev.parse_event(payload)
        if isinstance(event, ev.UnknownEvent) and event.problem:
            self._call("error", StreamException(f"unreadable {event.type} event: {event.problem}"))
        self._dispatch(event)

    def _receive(self) -> None:
        ws = self.ws
        assert ws is not None
        try:
            while True:
                try:
                    opcode, data = ws.recv_data()
                except websocket.WebSocketTimeoutException:
                    self.close_reason = f"no frame for {self.idle_timeout:g} s"
                    self._call("error", StreamException(self.close_reason))
                    return
                except (OSError, websocket.WebSocketException) as error:
                    if not self._closing:
                        self.close_reason = f"connection lost: {error}"
                        self._call("error", StreamException(self.close_reason))
                    return
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    self.close_code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
                    self.close_reason = data[2:].decode("utf-8", "replace")
                    return
                try:
                    text = _decode(opcode, data)
                except (zlib.error, UnicodeDecodeError) as error:
                    self._call("error", StreamException(f"undecodable frame: {error}"))
                    continue
                try:
                    self._handle_text(ws, text)
                except (OSError, websocket.WebSocketException) as error:  # Pong not sent
                    if not self._closing:
                        self.close_reason = f"connection lost: {error}"
                        self._call("error", StreamException(self.close_reason))
                    return
        finally:
            ws.shutdown()  # type: ignore[no-untyped-call]
            self._done.set()
            with self._arrived:
                self._arrived.notify_all()
            self._wakeups.notify_all()
            for hook in self._internal:
                hook(None)
            self._call("close")
