"""``UserDataStream``: a listen key and its account stream, kept alive for you.

The decisions live in :class:`bingx.policy.KeeperPolicy` (pure, unit- and
property-tested); this module only performs its actions (REST calls, opening and closing
the socket, recording transitions) and feeds back what happened. Threads: the socket's
receive thread only *reports* (it puts observations in an inbox and wakes the driver);
one driver at a time (the schedule thread, or your :meth:`UserDataStream.run_pending`)
holds the lock, reads the inbox and talks to the policy. No state is written by two
threads.
"""

from __future__ import annotations

import queue
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from typing import Self

from bingx_clocks import real_monotonic, wall_time_ms
from bingx_clocks.wakeups import Wakeups

from . import events as ev
from . import policy as p
from ._handlers import HandlerSlots
from .client import BingXClient
from .exceptions import BingXException, ListenKeyNotFound
from .policy import TRANSITION_KINDS, TransitionKind
from .stream import AccountDataStream, stream_url

__all__ = ["Transition", "TransitionKind", "UserDataStream"]

_MAX_STEPS = 32  # actions performed per run_pending, so a misbehaving world cannot spin


@dataclass(frozen=True, slots=True)
class Transition:
    """One step of the lifecycle; ``kind`` is a :data:`~bingx.policy.TransitionKind`."""

    kind: TransitionKind
    listen_key: str
    at_ms: int
    detail: str = ""


class UserDataStream(HandlerSlots):
    """A managed listen key plus account stream.

    ``poll_interval`` (real seconds) is how often a background thread checks the schedule;
    ``None`` runs no thread, and the test calls :meth:`run_pending` itself. Expiry and
    drops wake the thread at once. Backoff times are real seconds; ``backoff_jitter``
    is the fraction of each wait that is random (0: exact doubling). ``rate_limit`` is
    the most listen-key calls per second it makes (BingX documents 2).
    """

    def __init__(
        self,
        client: BingXClient,
        base_url: str | None = None,
        *,
        keepalive_interval: timedelta = timedelta(minutes=30),
        poll_interval: float | None = 0.25,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        backoff_jitter: float = 0.5,
        rate_limit: int = 2,
        connect_timeout: float = 10.0,
        idle_timeout: float = 30.0,
        seed: int | None = None,
    ) -> None:
        if keepalive_interval <= timedelta(0) or backoff_initial <= 0 or backoff_max <= 0:
            raise ValueError("keepalive_interval and backoff times must be positive")
        self.client = client
        self.base_url = stream_url(base_url)
        self.poll_interval = poll_interval
        self._policy = p.KeeperPolicy(
            keepalive_ms=int(keepalive_interval.total_seconds() * 1000),
            backoff_initial=backoff_initial,
            backoff_max=max(backoff_max, backoff_initial),
            jitter=backoff_jitter,
            rate_limit=rate_limit,
            # 10 % over the exchange's second: the exchange stamps calls when they
            # arrive, and a call's trip can be a few milliseconds shorter than the last.
            rate_period=1.1,
            rng=random.Random(seed),
        )
        self._connect_timeout, self._idle_timeout = connect_timeout, idle_timeout
        self._init_handlers("transition")
        self._lock = threading.RLock()  # held by whoever drives the policy
        self._inbox: queue.SimpleQueue[p.Observation] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._changed = threading.Condition()
        self._wakeups = Wakeups()
        self._stream: AccountDataStream | None = None
        self._thread: threading.Thread | None = None
        self.transitions: list[Transition] = []

    def on_transition(self, handler: Callable[[Transition], None]) -> None:
        """Every lifecycle step (see :class:`Transition`)."""
        self._handlers["transition"] = handler

    @property
    def listen_key(self) -> str | None:
        return self._policy.key

    @property
    def stream(self) -> AccountDataStream | None:
        return self._stream

    # transitions ------------------------------------------------------------------------

    def _note(self, kind: TransitionKind, key: str, detail: str = "") -> None:
        step = Transition(kind, key, wall_time_ms(), detail)
        with self._changed:
            self.transitions.append(step)
            self._changed.notify_all()
        self._wakeups.notify_all()
        self._call("transition", step)

    def _found(self, kind: TransitionKind, after: int) -> Transition | None:
        with self._changed:
            return next((t for t in self.transitions[after:] if t.kind == kind), None)

    def _no_transition(self, kind: str, timeout: float) -> TimeoutError:
        with self._changed:
            seen = ", ".join(t.kind for t in self.transitions) or "none"
        return TimeoutError(f"no {kind!r} transition within {timeout} s; saw: {seen}")

    async def wait_for_transition_async(
        self, kind: TransitionKind, timeout: float = 5.0, after: int = 0
    ) -> Transition:
        """:meth:`wait_for_transition` for async code: awaits without blocking the loop."""
        if kind not in TRANSITION_KINDS:
            raise ValueError(f"no transition kind {kind!r}; kinds: {sorted(TRANSITION_KINDS)}")
        return await self._wakeups.wait_until(
            lambda: self._found(kind, after), timeout, lambda: self._no_transition(kind, timeout)
        )

    def wait_for_transition(
        self, kind: TransitionKind, timeout: float = 5.0, after: int = 0
    ) -> Transition:
        """The first transition of ``kind`` at index >= ``after``; waits (real time).
        ``ValueError`` at once for a kind that does not exist."""
        if kind not in TRANSITION_KINDS:
            raise ValueError(f"no transition kind {kind!r}; kinds: {sorted(TRANSITION_KINDS)}")
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

    # lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        """Generate a key and connect; raises if either fails. Starts the schedule thread."""
        with self._lock:
            if self._policy.phase != "new":
                raise RuntimeError("a UserDataStream starts once")
            self._policy.start()
            for _ in range(2):  # generate, then connect: failures are raised, not retried
                for action in self._policy.poll(self._now()):
                    seen, error = self._perform(action)
                    if error is not None:
                        self.close()  # a key that was made is deleted, not leaked
                        raise error
                    if seen is not None:
                        self._apply(self._policy.observe(seen, self._now()))
        if self.poll_interval is not None:
            self._thread = threading.Thread(target=self._loop, name="bingx-keeper", daemon=True)
            self._thread.start()
        return self

    def run_pending(self) -> None:
        """Take in what the socket reported, then do what is due: extend, renew,
        reconnect (after its backoff). Call it yourself when ``poll_interval=None``.

        A call that is due but held back by the rate limit is waited for (at most the
        limit's period, 1.1 s): the step completes instead of silently deferring."""
        with self._lock:
            self._drain()
            for _ in range(_MAX_STEPS):
                actions = self._policy.poll(self._now())
                held = self._policy.held_until
                if not actions and held is not None:
                    if self._closing.wait(max(0.0, held - real_monotonic())):
                        return  # closing: the wait ends early and nothing more is done
                    continue
                if not actions:
                    return
                self._step(actions)

    def _step(self, actions: list[p.Action]) -> None:
        for action in actions:
            seen, _ = self._perform(action)
            if seen is not None:
                self._apply(self._policy.observe(seen, self._now()))
            self._drain()

    def close(self) -> None:
        """Stop the schedule, close the socket, delete the key. Idempotent."""
        if self._closing.is_set():
            return
        self._closing.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        with self._lock:
            self._apply(self._policy.close())
            deadline = real_monotonic() + 2.0  # the rate limit may hold the DELETE back
            while self._policy.phase == "closing" and real_monotonic() < deadline:
                actions = self._policy.poll(self._now())
                held = self._policy.held_until
                if not actions and held is None:
                    break
                if not actions and held is not None:
                    # A real-time wait for the rate limit (the event is already set).
                    threading.Event().wait(max(0.0, min(held, deadline) - real_monotonic()))
                self._step(actions)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # the driver -------------------------------------------------------------------------

    @staticmethod
    def _now() -> p.Now:
        return p.Now(wall_time_ms(), real_monotonic())

    def _loop(self) -> None:
        assert self.poll_interval is not None
        while not self._closing.is_set():
            wake_at = self._policy.next_wakeup(self._now())
            wait = self.poll_interval
            if wake_at is not None:
                wait = max(0.0, min(wait, wake_at - real_monotonic()))
            self._wake.wait(wait)  # a C lock timeout: real time, even inside a freeze
            self._wake.clear()
            if self._closing.is_set():
                return
            try:
                self.run_pending()
            except Exception as error:  # the schedule thread must survive anything
                self._call("error", error)

    def _drain(self) -> None:
        while True:
            try:
                seen = self._inbox.get_nowait()
            except queue.Empty:
                return
            self._apply(self._policy.observe(seen, self._now()))

    def _apply(self, actions: list[p.Action]) -> None:
        for action in actions:
            self._perform(action)

    def _perform(self, action: p.Action) -> tuple[p.Observation | None, BingXException | None]:
        """Do one action; what happened, and the error behind a failure."""
        keys = self.client.listen_key
        match action:
            case p.Note(kind, key, detail):
                self._note(kind, key, detail)
            case p.Disconnect():
                stream, self._stream = self._stream, None
                if stream is not None:
                    stream.disconnect()
            case p.Generate():
                try:
                    return p.Generated(keys().generate()["listenKey"]), None
                except BingXException as error:
                    self._call("error", error)
                    return p.GenerateFailed(str(error)), error
            case p.Extend(key):
                try:
                    keys().extend(key)
                    return p.Extended(key), None
                except ListenKeyNotFound as error:
                    return p.ExtendFailed(key, str(error), not_found=True), error
                except BingXException as error:
                    self._call("error", error)
                    return p.ExtendFailed(key, str(error)), error
            case p.Delete(key):
                try:
                    keys().delete(key)
                    return p.Deleted(key), None
                except ListenKeyNotFound:
                    return p.Deleted(key, already_gone=True), None
                except BingXException as error:
                    self._call("error", error)
                    return p.DeleteFailed(key, str(error)), error
            case p.Connect(key, attempt):
                return self._connect(key, attempt)
        return None, None

    def _connect(self, key: str, attempt: int) -> tuple[p.Observation, BingXException | None]:
        stream = AccountDataStream(
            key,
            self.base_url,
            connect_timeout=self._connect_timeout,
            idle_timeout=self._idle_timeout,
        )
        # Forward, not copy: a handler registered after start() reaches every stream.
        self._forward_to(stream)
        stream.observe(self._reporter(stream, key, attempt))
        try:
            stream.connect()
        except BingXException as error:
            if self._policy.ever_connected:
                self._call("error", error)
            return p.ConnectFailed(key, attempt, str(error)), error
        self._stream = stream
        return p.Connected(key, attempt), None

    def _reporter(
        self, stream: AccountDataStream, key: str, attempt: int
    ) -> Callable[[ev.Event | None], None]:
        """The socket's hook, on its receive thread: it reports and wakes the driver,
        nothing else (the driver may be joining this very thread)."""
        expiry_noted = False  # written by this receive thread only

        def report(event: ev.Event | None) -> None:
            nonlocal expiry_noted
            if self._closing.is_set():
                return
            if isinstance(event, ev.ListenKeyExpired):
                # Into the inbox first: whoever sees the note finds the observation there.
                self._inbox.put(p.KeyExpired(key))
                if not expiry_noted:  # the exchange may say it twice; we act once
                    expiry_noted = True
                    self._note("expired", key, "listenKeyExpired")
            elif event is None:
                reason = stream.close_reason or f"close code {stream.close_code}"
                self._inbox.put(p.Dropped(key, attempt, reason))
            else:
                return
            self._wake.set()

        return report
