"""``UserDataStream``: a listen key and its account stream, kept alive for you.

It does what everyone writes by hand and gets wrong: extend the key every 30 minutes of
*wall-clock* time (so freezegun and time-machine move the schedule), generate a new key
and reconnect when the key expires, reconnect with capped exponential backoff on *real*
monotonic time when the socket drops, and delete the key on close.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from typing import Self

from bingx_clocks import real_monotonic, wall_time_ms

from . import events as ev
from ._handlers import STREAM_SLOTS, HandlerSlots
from .client import BingXClient
from .exceptions import BingXException, ListenKeyNotFound
from .stream import DEFAULT_STREAM_URL, AccountDataStream

__all__ = ["Transition", "UserDataStream"]


@dataclass(frozen=True, slots=True)
class Transition:
    """One step of the lifecycle.

    ``kind`` is one of ``connected``, ``extended``, ``extend_failed``, ``expired``,
    ``renewed``, ``dropped``, ``reconnected``, ``reconnect_failed``, ``closed``.
    """

    kind: str
    listen_key: str
    at_ms: int
    detail: str = ""


class UserDataStream(HandlerSlots):
    """A managed listen key plus account stream.

    ``poll_interval`` (real seconds) is how often a background thread checks the schedule;
    ``None`` runs no thread, and the test calls :meth:`run_pending` itself. Expiry and
    drops wake the thread at once, so renewal does not wait for the next poll.
    """

    def __init__(
        self,
        client: BingXClient,
        base_url: str = DEFAULT_STREAM_URL,
        *,
        keepalive_interval: timedelta = timedelta(minutes=30),
        poll_interval: float | None = 0.25,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        connect_timeout: float = 10.0,
        idle_timeout: float = 30.0,
    ) -> None:
        if keepalive_interval <= timedelta(0) or backoff_initial <= 0 or backoff_max <= 0:
            raise ValueError("keepalive_interval and backoff times must be positive")
        self.client = client
        self.base_url = base_url
        self.keepalive_ms = int(keepalive_interval.total_seconds() * 1000)
        self.poll_interval = poll_interval
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self._connect_timeout, self._idle_timeout = connect_timeout, idle_timeout
        self._init_handlers("transition")
        self._lock = threading.RLock()
        self._changed = threading.Condition()
        self._wake = threading.Event()
        self._key: str | None = None
        self._stream: AccountDataStream | None = None
        self._stream_started = 0.0
        self._last_extend_ms = 0
        self._expired = False
        self._delay = backoff_initial
        self._retry_at = 0.0
        self._closed = False
        self._thread: threading.Thread | None = None
        self.transitions: list[Transition] = []

    # handlers: the stream's (HandlerSlots, applied to every stream it opens), plus --

    def on_transition(self, handler: Callable[[Transition], None]) -> None:
        """Every lifecycle step (see :class:`Transition`)."""
        self._handlers["transition"] = handler

    # state ------------------------------------------------------------------------

    @property
    def listen_key(self) -> str | None:
        return self._key

    @property
    def stream(self) -> AccountDataStream | None:
        return self._stream

    def _note(self, kind: str, detail: str = "") -> None:
        step = Transition(kind, self._key or "", wall_time_ms(), detail)
        with self._changed:
            self.transitions.append(step)
            self._changed.notify_all()
        self._call("transition", step)

    def wait_for_transition(self, kind: str, timeout: float = 5.0, after: int = 0) -> Transition:
        """The first transition of ``kind`` at index >= ``after``; waits (real time)."""
        deadline = real_monotonic() + timeout
        with self._changed:
            while True:
                for step in self.transitions[after:]:
                    if step.kind == kind:
                        return step
                remaining = deadline - real_monotonic()
                if remaining <= 0:
                    seen = ", ".join(t.kind for t in self.transitions) or "none"
                    raise TimeoutError(f"no {kind!r} transition within {timeout} s; saw: {seen}")
                self._changed.wait(remaining)

    # lifecycle --------------------------------------------------------------------

    def start(self) -> Self:
        """Generate a key and connect; raises if either fails. Starts the schedule thread."""
        with self._lock:
            if self._key is not None or self._closed:
                raise RuntimeError("a UserDataStream starts once")
            self._key = self.client.listen_key().generate()["listenKey"]
            self._last_extend_ms = wall_time_ms()
            self._open(raise_errors=True)
        if self.poll_interval is not None:
            self._thread = threading.Thread(target=self._loop, name="bingx-keeper", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        assert self.poll_interval is not None
        while not self._closed:
            until_retry = self._retry_at - real_monotonic()
            wait = min(self.poll_interval, until_retry) if until_retry > 0 else self.poll_interval
            self._wake.wait(wait)  # a C lock timeout: real time, even inside a freeze
            self._wake.clear()
            if self._closed:
                return
            try:
                self.run_pending()
            except Exception as error:  # the schedule thread must survive anything
                self._call("error", error)

    def _hook(self, stream: AccountDataStream) -> Callable[[ev.Event | None], None]:
        # Runs on the stream's receive thread: it only sets flags and wakes the
        # scheduler, never takes the lock (run_pending may be joining that thread).
        def hook(event: ev.Event | None) -> None:
            if stream is not self._stream or self._closed:
                return
            if isinstance(event, ev.ListenKeyExpired):
                self._expired = True
                self._note("expired", "listenKeyExpired")
                self._wake.set()
            elif event is None:
                if self._expired:
                    return  # the exchange closes an expired key's socket: renewal follows
                self._back_off(after_drop=True)
                self._note("dropped", stream.close_reason or f"close code {stream.close_code}")
                self._wake.set()

        return hook

    def _open(self, *, raise_errors: bool = False) -> None:
        assert self._key is not None
        stream = AccountDataStream(
            self._key,
            self.base_url,
            connect_timeout=self._connect_timeout,
            idle_timeout=self._idle_timeout,
        )
        # Forward, not copy: a handler registered after start() reaches every stream.
        for slot in (*STREAM_SLOTS, "event", "error"):
            stream._handlers[slot] = functools.partial(self._call, slot)
        stream._add_internal(self._hook(stream))
        reconnect = self._stream_started > 0
        try:
            self._stream = stream
            stream.connect()
        except ListenKeyNotFound:
            self._stream = None
            if raise_errors:
                raise
            self._expired = True  # the key is gone: renew at once
            self._wake.set()
            return
        except BingXException as error:
            self._stream = None
            if raise_errors:
                raise
            self._call("error", error)
            self._note("reconnect_failed", f"{error}; next try in {self._back_off():g} s")
            return
        self._stream_started = real_monotonic()
        self._note("reconnected" if reconnect else "connected")

    def _renew(self) -> None:
        old, self._stream = self._stream, None
        if old is not None:
            old.disconnect()
        try:
            key = self.client.listen_key().generate()["listenKey"]
        except BingXException as error:
            self._call("error", error)
            self._back_off()
            return
        self._key, self._expired = key, False
        self._last_extend_ms = wall_time_ms()
        self._note("renewed")
        self._open()

    def run_pending(self) -> None:
        """One step of the schedule: renew an expired key, extend a due one, reconnect a
        dropped stream whose backoff has passed. Thread-safe; call it yourself when
        ``poll_interval=None``."""
        with self._lock:
            if self._closed or self._key is None:
                return
            if self._expired:
                if real_monotonic() >= self._retry_at:
                    self._renew()
                return
            if wall_time_ms() - self._last_extend_ms >= self.keepalive_ms:
                self._extend()
                if self._expired:
                    return
            stream = self._stream
            if (stream is None or not stream.connected) and real_monotonic() >= self._retry_at:
                if stream is not None:
                    stream.disconnect()  # joins its finished receive thread
                self._open()

    def _extend(self) -> None:
        assert self._key is not None
        try:
            self.client.listen_key().extend(self._key)
        except ListenKeyNotFound:
            self._expired = True
            self._note("expired", "extend answered 404")
            self._renew()
            return
        except BingXException as error:  # network trouble: try again next poll
            self._call("error", error)
            self._note("extend_failed", str(error))
            return
        self._last_extend_ms = wall_time_ms()
        self._note("extended")

    def _back_off(self, *, after_drop: bool = False) -> float:
        """Schedule the next attempt on real time; return the wait. A drop of a connection
        that stayed up for ``backoff_max`` resets the delay: that is not a crash loop.
        Failed attempts never reset it, however long the outage lasts."""
        lived = real_monotonic() - self._stream_started
        if after_drop and lived >= self.backoff_max:
            self._delay = self.backoff_initial
        wait = self._delay
        self._retry_at = real_monotonic() + wait
        self._delay = min(self._delay * 2, self.backoff_max)
        return wait

    def close(self) -> None:
        """Stop the schedule, delete the key, close the socket. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._wake.set()
            stream, self._stream = self._stream, None
            outcome = ""
            if self._key is not None:
                try:
                    self.client.listen_key().delete(self._key)
                    outcome = "listen key deleted"
                except ListenKeyNotFound:
                    outcome = "listen key was already gone"
                except BingXException as error:
                    self._call("error", error)
                    outcome = f"delete failed: {error}"
            if stream is not None:
                stream.disconnect()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self._note("closed", outcome)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
