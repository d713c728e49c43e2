"""The listen-key lifecycle as a pure policy: what to do next, given what happened.

:class:`KeeperPolicy` is a synchronous state machine with no I/O, no threads and no clock
reads. It is fed *observations* (a call's outcome, a drop, a ``listenKeyExpired``) with
the time they happened (:class:`Now`: the wall clock for the keep-alive schedule, which
freezegun and time-machine move, and the real monotonic clock for backoff and the rate
limit, which they must not), and it answers with *actions* (generate, extend, delete,
connect, disconnect, note a transition). :class:`bingx.UserDataStream` is the thin driver
that performs them. Every rule is in this module; ``docs/keeper.md`` has the table.

Rules, in short:

* extend every ``keepalive_ms`` of wall-clock time while connected;
* after any failed connect or any drop, the key's fate is *asked*, not assumed: the next
  attempt starts with an extend (alive: connect again; 404: renew), so a refusal that is
  not about the key (too many sockets, maintenance) never mints keys;
* on ``listenKeyExpired`` or any 404 for our key, generate a new key at once and connect;
  a key the exchange said is dead is never connected with again;
* every retry (generate, connect, key check, keep-alive extend) waits a capped
  exponential backoff with jitter, on the real monotonic clock;
* listen-key calls (generate, extend, delete) never exceed ``rate_limit`` per
  ``rate_period`` seconds (BingX documents 2 per second), counted on whichever clock
  moved further (:class:`RateLimit`), so time travel in tests costs no real seconds;
* a new key is only generated once the old one is known dead, so at most one key of
  ours is alive; :meth:`KeeperPolicy.close` deletes the last one.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

# The vocabulary (observations, actions, transition kinds) has its one home and its one
# list of names in ``policy_types``; ``bingx.policy`` re-exports all of it.
from .policy_types import *  # noqa: F403
from .policy_types import (
    Action,
    Connect,
    Connected,
    ConnectFailed,
    Delete,
    Deleted,
    DeleteFailed,
    Disconnect,
    Dropped,
    Extend,
    Extended,
    ExtendFailed,
    Generate,
    Generated,
    GenerateFailed,
    KeyExpired,
    Note,
    Now,
    Observation,
    Phase,
    TransitionKind,
)

# building blocks -----------------------------------------------------------------------


@dataclass
class Backoff:
    """Capped exponential backoff with "equal jitter": the n-th consecutive failure
    waits between half and all of ``min(initial * 2**n, maximum)``."""

    initial: float
    maximum: float
    jitter: float = 0.5
    failures: int = 0

    def fail(self, rng: random.Random) -> float:
        ceiling: float = min(self.initial * 2.0**self.failures, self.maximum)
        self.failures = min(self.failures + 1, 64)
        return ceiling * (1 - self.jitter * rng.random())

    def reset(self) -> None:
        self.failures = 0


@dataclass
class RateLimit:
    """At most ``calls`` per ``period`` seconds, on whichever clock has moved further.

    In production the wall clock and the monotonic clock run together, so this is
    exactly the exchange's limit. In a test that travels in time (freezegun, time-machine)
    the exchange's clock is the wall clock and a 30-minute tick is 30 minutes to it too,
    so calls separated by a tick do not wait real seconds; with the wall clock frozen,
    the real clock paces them."""

    calls: int
    period: float

    def __post_init__(self) -> None:
        self._times: deque[Now] = deque(maxlen=self.calls)

    def allows(self, now: Now) -> bool:
        if len(self._times) < self.calls:
            return True
        oldest = self._times[0]
        return (
            now.mono - oldest.mono >= self.period
            or now.wall_ms - oldest.wall_ms >= self.period * 1000
        )

    def record(self, now: Now) -> None:
        self._times.append(now)

    def opens_at(self, now: Now) -> float:
        """The monotonic time the next call is allowed at the latest (``now.mono`` if
        now): the wall clock may open it sooner, but cannot be predicted."""
        if self.allows(now):
            return now.mono
        return self._times[0].mono + self.period


# the policy -----------------------------------------------------------------------------


class KeeperPolicy:
    """One listen key and its socket, kept alive. Not thread-safe: one driver feeds it."""

    def __init__(
        self,
        *,
        keepalive_ms: int,
        backoff_initial: float,
        backoff_max: float,
        jitter: float = 0.5,
        rate_limit: int = 2,
        rate_period: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        if keepalive_ms <= 0 or backoff_initial <= 0 or backoff_max < backoff_initial:
            raise ValueError("keepalive and backoff must be positive, backoff_max >= initial")
        if not 0 <= jitter <= 1 or rate_limit < 1 or rate_period <= 0:
            raise ValueError("jitter must be in [0, 1], the rate limit positive")
        self.keepalive_ms = keepalive_ms
        self.phase: Phase = "new"
        self.key: str | None = None
        self.dead: set[str] = set()  # keys the exchange told us are gone
        self.recovery = Backoff(backoff_initial, backoff_max, jitter)
        self.keepalive = Backoff(backoff_initial, backoff_max, jitter)
        self.calls = RateLimit(rate_limit, rate_period)
        self.retry_at = 0.0  # the recovery path (generate, check, connect) waits for this
        self.extend_retry_at = 0.0  # a failed keep-alive extend waits for this
        self.last_extend_ms = 0
        self.attempt = 0  # the current socket's tag
        self.connected_at = 0.0
        self.ever_connected = False
        self.held_until: float | None = None  # a due call waits for the rate limit
        self._rng = rng or random.Random()

    # inputs -----------------------------------------------------------------------

    def start(self) -> None:
        if self.phase != "new":
            raise RuntimeError("a KeeperPolicy starts once")
        self.phase = "need_key"

    def close(self) -> list[Action]:
        """Stop: disconnect now; :meth:`poll` then deletes the key (once the rate limit
        allows) and notes ``closed``."""
        if self.phase in ("closing", "closed"):
            return []
        self.phase = "closing" if self.key is not None and self.key not in self.dead else "closed"
        if self.phase == "closed":
            return [Disconnect(), Note("closed", self.key or "")]
        return [Disconnect()]

    def observe(self, seen: Observation, now: Now) -> list[Action]:
        """Take in what happened; the actions due at once (notes, a disconnect)."""
        if self.phase == "closed":
            return []
        if self.phase == "closing":
            return self._closing(seen)
        match seen:
            case Generated(key):
                renewed = self.key is not None
                self.key, self.phase = key, "need_connect"
                self.last_extend_ms, self.retry_at = now.wall_ms, now.mono
                return [Note("renewed", key)] if renewed else []
            case GenerateFailed(reason):
                wait = self._retry(now)
                return [Note("renew_failed", self.key or "", f"{reason}; next try in {wait:.3g} s")]
            case Connected(key, attempt) if self._current(key, attempt):
                self.phase, self.connected_at = "connected", now.mono
                kind: TransitionKind = "reconnected" if self.ever_connected else "connected"
                self.ever_connected = True
                return [Note(kind, key)]
            case ConnectFailed(key, attempt, reason) if self._current(key, attempt):
                self.phase = "checking"
                wait = self._retry(now)
                return [Note("reconnect_failed", key, f"{reason}; next try in {wait:.3g} s")]
            case Dropped(key, attempt, reason) if (
                self._current(key, attempt) and self.phase == "connected"
            ):
                if now.mono - self.connected_at >= self.recovery.maximum:
                    self.recovery.reset()  # it stayed up a while: not a crash loop
                self.phase = "checking"
                self._retry(now)
                return [Note("dropped", key, reason)]
            case KeyExpired(key) if key == self.key and key not in self.dead:
                return self._key_dead(key, now)
            case Extended(key) if key == self.key:
                self.last_extend_ms = now.wall_ms
                if self.phase == "checking":  # alive: the refusal was about something else
                    self.phase, self.retry_at = "need_connect", now.mono
                    return []
                self.keepalive.reset()
                return [Note("extended", key)]
            case ExtendFailed(key, reason, not_found) if key == self.key:
                if not_found:
                    return [Note("expired", key, "extend answered 404"), *self._key_dead(key, now)]
                if self.phase == "checking":
                    wait = self._retry(now)
                    detail = f"key check failed: {reason}; next try in {wait:.3g} s"
                    return [Note("reconnect_failed", key, detail)]
                self.extend_retry_at = now.mono + self.keepalive.fail(self._rng)
                return [Note("extend_failed", key, reason)]
        return []  # about a socket or key we have already left behind

    def poll(self, now: Now) -> list[Action]:
        """The next call or connect that is due now (at most one), or nothing. When a
        call is due but the rate limit holds it, :attr:`held_until` says until when."""
        mono = now.mono
        self.held_until = None
        if self.phase == "closing" and self.key is not None:
            return self._call(Delete(self.key), now)
        if self.phase == "need_key" and mono >= self.retry_at:
            return self._call(Generate(), now)
        if self.phase == "checking" and mono >= self.retry_at and self.key is not None:
            return self._call(Extend(self.key, check=True), now)
        if self.phase == "need_connect" and mono >= self.retry_at and self.key is not None:
            self.attempt += 1
            return [Connect(self.key, self.attempt)]
        if self.phase == "connected" and self.key is not None:
            if now.wall_ms < self.last_extend_ms:  # the wall clock went back: re-anchor
                self.last_extend_ms = now.wall_ms
            due = now.wall_ms - self.last_extend_ms >= self.keepalive_ms
            if due and mono >= self.extend_retry_at:
                return self._call(Extend(self.key), now)
        return []

    def next_wakeup(self, now: Now) -> float | None:
        """The monotonic time the recovery path next has something to do (``None``:
        nothing scheduled on real time; the keep-alive runs on the wall clock)."""
        if self.phase in ("need_key", "checking", "closing"):
            return max(self.retry_at, self.calls.opens_at(now))
        if self.phase == "need_connect":
            return self.retry_at
        return None

    # rules ------------------------------------------------------------------------

    def _current(self, key: str, attempt: int) -> bool:
        return key == self.key and attempt == self.attempt

    def _retry(self, now: Now) -> float:
        wait = self.recovery.fail(self._rng)
        self.retry_at = now.mono + wait
        return wait

    def _key_dead(self, key: str, now: Now) -> list[Action]:
        """The exchange says the key is gone: never use it again, renew at once."""
        self.dead.add(key)
        self.phase, self.retry_at = "need_key", now.mono
        return [Disconnect()]

    def _call(self, action: Generate | Extend | Delete, now: Now) -> list[Action]:
        if not self.calls.allows(now):
            self.held_until = self.calls.opens_at(now)
            return []
        self.calls.record(now)
        return [action]

    def _closing(self, seen: Observation) -> list[Action]:
        match seen:
            case Deleted(key, already_gone):
                outcome = "listen key was already gone" if already_gone else "listen key deleted"
            case DeleteFailed(key, reason):
                outcome = f"delete failed: {reason}"
            case _:
                return []
        self.dead.add(key)
        self.phase = "closed"
        return [Note("closed", key, outcome)]
