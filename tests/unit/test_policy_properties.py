"""Hypothesis drives the keeper's policy through random bad days: drops, refusals of every
form, extends answered 200/404/5xx, generates that fail, expiries (sometimes twice), keys
killed behind its back, and clocks that jump (the wall clock both ways). A small fake
exchange answers its actions. Whatever happens:

* at most one key of ours is alive on the exchange;
* listen-key calls never pass 2 in a window that is under a second on both clocks;
* after a failure, the next attempt waits at least the backoff's lower bound;
* it never connects with a key the exchange said is dead;
* once the exchange behaves again, it ends connected on a live key.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from bingx import policy as p
from bingx.policy import KeeperPolicy, Now

INITIAL, MAXIMUM = 0.5, 8.0


@dataclass
class World:
    data: st.DataObject
    policy: KeeperPolicy
    behaving: bool = False
    mono: float = 0.0
    wall_ms: int = 1_800_000_000_000
    alive: set[str] = field(default_factory=set)
    minted: int = 0
    told_dead: set[str] = field(default_factory=set)
    socket: tuple[str, int] | None = None
    calls: list[Now] = field(default_factory=list)
    failures: int = 0  # consecutive failures on the recovery path, as the model counts
    earliest_retry: float = 0.0
    connected_since: float = 0.0

    @property
    def now(self) -> Now:
        return Now(self.wall_ms, self.mono)

    def choose(self, *options: str) -> str:
        return options[0] if self.behaving else self.data.draw(st.sampled_from(options))

    # the exchange's answers ---------------------------------------------------------

    def perform(self, action: p.Action) -> p.Observation | None:
        now = self.now
        match action:
            case p.Generate():
                self.calls.append(now)
                if self.choose("ok", "fail") == "fail":
                    return p.GenerateFailed("HTTP 500")
                self.minted += 1
                key = f"{self.minted:064x}"
                self.alive.add(key)
                return p.Generated(key)
            case p.Extend(key):
                self.calls.append(now)
                if key not in self.alive:
                    self.told_dead.add(key)
                    return p.ExtendFailed(key, "HTTP 404", not_found=True)
                if self.choose("ok", "fail") == "fail":
                    return p.ExtendFailed(key, "HTTP 503")
                return p.Extended(key)
            case p.Delete(key):
                self.calls.append(now)
                if self.choose("ok", "fail") == "fail":
                    return p.DeleteFailed(key, "HTTP 503")
                gone = key not in self.alive
                self.alive.discard(key)
                return p.Deleted(key, already_gone=gone)
            case p.Connect(key, attempt):
                assert key not in self.told_dead, "connected with a key known dead"
                outcome = self.choose("ok", "refused", "unreachable", "accept-then-close")
                if key not in self.alive and outcome == "ok":
                    outcome = "refused"
                if outcome in ("refused", "unreachable"):
                    return p.ConnectFailed(key, attempt, outcome)
                self.socket = (key, attempt)
                self.connected_since = self.mono
                if outcome == "accept-then-close":  # invalid_key="close": 100401, close
                    self.policy.observe(p.Connected(key, attempt), now)
                    self.socket = None
                    return p.Dropped(key, attempt, "100401 AUTHENTICATION_FAIL")
                return p.Connected(key, attempt)
            case p.Disconnect():
                self.socket = None
        return None

    # the model's expectations --------------------------------------------------------

    def failed(self, *, dropped: bool = False) -> None:
        """A failure on the recovery path: the next attempt waits at least half the
        capped doubling (jitter takes at most half). A drop after a long-lived
        connection starts the doubling afresh."""
        if dropped and self.mono - self.connected_since >= MAXIMUM:
            self.failures = 0
        self.failures += 1
        ceiling = min(INITIAL * 2 ** (self.failures - 1), MAXIMUM)
        self.earliest_retry = self.mono + ceiling / 2

    def feed(self, seen: p.Observation, check: bool = False) -> None:
        if isinstance(seen, p.GenerateFailed | p.ConnectFailed):
            self.failed()
        elif isinstance(seen, p.Dropped):
            self.failed(dropped=True)
        elif isinstance(seen, p.ExtendFailed) and check and not seen.not_found:
            self.failed()
        elif isinstance(seen, p.ExtendFailed | p.KeyExpired):
            self.earliest_retry = self.mono  # told the key is dead: renewing is no retry
        for follow in self.policy.observe(seen, self.now):
            self.perform(follow)

    def step(self) -> None:
        """Poll and perform what is due, feeding back the outcomes."""
        for _ in range(8):
            actions = self.policy.poll(self.now)
            if not actions:
                return
            for action in actions:
                check = isinstance(action, p.Extend) and action.check
                if isinstance(action, p.Generate | p.Connect) or check:
                    assert self.mono >= self.earliest_retry - 1e-9, "retried before its backoff"
                seen = self.perform(action)
                if seen is not None:
                    self.feed(seen, check)

    def check(self) -> None:
        ours_alive = [k for k in self.alive if int(k, 16) <= self.minted]
        assert len(ours_alive) <= 1, f"{len(ours_alive)} keys of ours alive"
        for older, newer in zip(self.calls, self.calls[2:], strict=False):
            within_real = newer.mono - older.mono < 1.0
            within_wall = newer.wall_ms - older.wall_ms < 1000
            assert not (within_real and within_wall), "three listen-key calls within a second"


EVENTS = st.sampled_from(["poll", "poll", "poll", "time", "drop", "expire", "kill", "jump"])


@given(st.data(), st.lists(EVENTS, max_size=60))
def test_the_policy_survives_any_bad_day_and_recovers_when_it_ends(
    data: st.DataObject, events: list[str]
) -> None:
    policy = KeeperPolicy(
        keepalive_ms=30 * 60_000,
        backoff_initial=INITIAL,
        backoff_max=MAXIMUM,
        rng=random.Random(data.draw(st.integers(0, 2**32))),
    )
    world = World(data, policy)
    policy.start()
    for event in events:
        if event == "time":
            world.mono += data.draw(st.floats(0, 10))
            world.wall_ms += data.draw(st.integers(0, 10_000))
        elif event == "jump":
            world.wall_ms += data.draw(st.sampled_from([-3_600_000, -1, 1_800_000, 3_700_000]))
        elif event == "drop" and world.socket is not None:
            key, attempt = world.socket
            world.socket = None
            world.feed(p.Dropped(key, attempt, "1006"))
        elif event == "expire" and policy.key in world.alive:
            key = policy.key
            assert key is not None
            world.alive.discard(key)
            world.told_dead.add(key)
            for _ in range(data.draw(st.integers(1, 2))):  # sometimes said twice
                world.feed(p.KeyExpired(key))
        elif event == "kill" and policy.key is not None:
            world.alive.discard(policy.key)  # deleted behind its back: no notice
        else:
            world.step()
        world.check()
    # The bad day ends: every answer is a success from now on.
    world.behaving = True
    for _ in range(40):
        world.mono += MAXIMUM + 1
        world.wall_ms += 31 * 60_000  # a key killed silently is found by the next extend
        world.step()
        world.check()
        if policy.phase == "connected" and world.socket and world.socket[0] in world.alive:
            break
    assert policy.phase == "connected", policy.phase
    assert world.socket is not None and world.socket[0] in world.alive
