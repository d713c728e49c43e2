"""The keeper's rules, one test each, on the pure policy (bingx.policy): no sockets,
no threads, no clocks but the ones passed in."""

from __future__ import annotations

import random

import pytest

from bingx import policy as p
from bingx.policy import KeeperPolicy, Now

KEEPALIVE_MS = 30 * 60_000
K1, K2 = "k1" * 32, "k2" * 32


def make(**overrides: float) -> KeeperPolicy:
    options: dict[str, float] = {"backoff_initial": 1.0, "backoff_max": 8.0, "jitter": 0.0}
    options.update(overrides)
    return KeeperPolicy(
        keepalive_ms=KEEPALIVE_MS,
        backoff_initial=options["backoff_initial"],
        backoff_max=options["backoff_max"],
        jitter=options["jitter"],
        rng=random.Random(0),
    )


def at(mono: float, wall_ms: int | None = None) -> Now:
    return Now(int(mono * 1000) if wall_ms is None else wall_ms, mono)


def io(actions: list[p.Action]) -> list[p.Action]:
    return [a for a in actions if not isinstance(a, p.Note)]


def notes(actions: list[p.Action]) -> list[str]:
    return [a.kind for a in actions if isinstance(a, p.Note)]


def connected(policy: KeeperPolicy, key: str = K1, now: Now | None = None) -> KeeperPolicy:
    """Started, generated ``key``, connected."""
    now = now or at(0)
    policy.start()
    assert policy.poll(now) == [p.Generate()]
    policy.observe(p.Generated(key), now)
    (connect,) = policy.poll(now)
    assert connect == p.Connect(key, policy.attempt)
    assert notes(policy.observe(p.Connected(key, policy.attempt), now)) == ["connected"]
    return policy


def test_start_generates_then_connects() -> None:
    policy = connected(make())
    assert policy.phase == "connected" and policy.key == K1


def test_extend_every_keepalive_interval_of_wall_time() -> None:
    policy = connected(make())
    assert policy.poll(at(1, wall_ms=KEEPALIVE_MS - 1)) == []
    assert policy.poll(at(2, wall_ms=KEEPALIVE_MS)) == [p.Extend(K1)]
    assert notes(policy.observe(p.Extended(K1), at(2, wall_ms=KEEPALIVE_MS))) == ["extended"]
    assert policy.poll(at(3, wall_ms=2 * KEEPALIVE_MS - 1)) == []


def test_a_wall_clock_that_goes_back_re_anchors_the_schedule() -> None:
    policy = connected(make(), now=at(0, wall_ms=10 * KEEPALIVE_MS))
    assert policy.poll(at(1, wall_ms=0)) == []  # back by five hours: not due
    assert policy.poll(at(2, wall_ms=KEEPALIVE_MS)) == [p.Extend(K1)]  # due from the jump


@pytest.mark.parametrize("reason", ["listenKeyExpired", "404"])
def test_a_dead_key_is_renewed_at_once_and_never_connected_again(reason: str) -> None:
    policy = connected(make())
    if reason == "404":
        policy.poll(at(1, wall_ms=KEEPALIVE_MS))
        seen = policy.observe(p.ExtendFailed(K1, "404", not_found=True), at(1))
        assert notes(seen) == ["expired"]
    else:
        seen = policy.observe(p.KeyExpired(K1), at(1))
    assert io(seen) == [p.Disconnect()]
    assert policy.poll(at(1.5)) == [p.Generate()]
    assert notes(policy.observe(p.Generated(K2), at(1.5))) == ["renewed"]
    (connect,) = policy.poll(at(1.5))
    assert isinstance(connect, p.Connect) and connect.key == K2
    assert K1 in policy.dead


def test_a_second_listen_key_expired_is_ignored() -> None:
    policy = connected(make())
    policy.observe(p.KeyExpired(K1), at(1))
    assert policy.observe(p.KeyExpired(K1), at(1)) == []


def test_a_refused_connect_asks_whether_the_key_lives_instead_of_renewing() -> None:
    policy = connected(make())
    policy.observe(p.Dropped(K1, policy.attempt, "1006"), at(10))
    assert policy.poll(at(10.5)) == []  # backing off: 1 s
    assert policy.poll(at(11)) == [p.Extend(K1, check=True)]
    assert policy.observe(p.Extended(K1), at(11)) == []  # alive: no key minted
    (connect,) = policy.poll(at(11))
    assert policy.observe(p.ConnectFailed(K1, connect.attempt, "HTTP 404"), at(11)) == [  # type: ignore[union-attr]
        p.Note("reconnect_failed", K1, "HTTP 404; next try in 2 s")
    ]
    assert policy.poll(at(12.9)) == []
    assert policy.poll(at(13)) == [p.Extend(K1, check=True)]
    seen = policy.observe(p.ExtendFailed(K1, "404", not_found=True), at(13))
    assert io(seen) == [p.Disconnect()] and policy.poll(at(13)) == [p.Generate()]


def test_every_failure_waits_a_capped_doubling_backoff() -> None:
    policy = connected(make(backoff_initial=1, backoff_max=4))
    policy.observe(p.Dropped(K1, policy.attempt, "gone"), at(0))
    waits = []
    now = 0.0
    for _ in range(5):
        now = policy.retry_at
        assert policy.poll(at(now - 0.001)) == []
        assert policy.poll(at(now)) == [p.Extend(K1, check=True)]
        policy.observe(p.ExtendFailed(K1, "HTTP 503"), at(now))
        waits.append(policy.retry_at - now)
    assert waits == [2, 4, 4, 4, 4]


def test_jitter_keeps_each_wait_between_half_and_all_of_the_backoff() -> None:
    backoff = p.Backoff(1.0, 8.0, jitter=0.5)
    rng = random.Random(1)
    for ceiling in (1, 2, 4, 8, 8):
        assert ceiling / 2 <= backoff.fail(rng) <= ceiling


def test_a_connection_that_lived_past_backoff_max_resets_the_backoff() -> None:
    policy = connected(make(backoff_initial=1, backoff_max=4))
    policy.recovery.failures = 3
    policy.observe(p.Dropped(K1, policy.attempt, "gone"), at(100))
    assert policy.retry_at == 101


def test_a_failed_keepalive_extend_is_retried_after_its_own_backoff() -> None:
    policy = connected(make())
    assert policy.poll(at(0, wall_ms=KEEPALIVE_MS)) == [p.Extend(K1)]
    assert notes(policy.observe(p.ExtendFailed(K1, "HTTP 503"), at(0))) == ["extend_failed"]
    assert policy.poll(at(0.5, wall_ms=KEEPALIVE_MS)) == []
    assert policy.poll(at(1, wall_ms=KEEPALIVE_MS)) == [p.Extend(K1)]


def test_generate_failures_back_off_too() -> None:
    policy = make()
    policy.start()
    assert policy.poll(at(0)) == [p.Generate()]
    assert notes(policy.observe(p.GenerateFailed("HTTP 500"), at(0))) == ["renew_failed"]
    assert policy.poll(at(0.5)) == [] and policy.poll(at(1)) == [p.Generate()]


def test_listen_key_calls_never_pass_two_per_second() -> None:
    policy = connected(make(backoff_initial=0.01, backoff_max=0.01))  # one call: Generate
    policy.observe(p.Dropped(K1, policy.attempt, "gone"), at(0.1))
    assert policy.poll(at(0.2)) == [p.Extend(K1, check=True)]  # second call within 1 s
    policy.observe(p.ExtendFailed(K1, "HTTP 503"), at(0.2))
    assert policy.poll(at(0.5)) == [] and policy.held_until == 1.0
    assert policy.poll(at(1.0)) == [p.Extend(K1, check=True)]


def test_a_wall_clock_jump_opens_the_rate_limit_without_real_seconds() -> None:
    policy = connected(make(backoff_initial=0.01, backoff_max=0.01), now=at(0, wall_ms=0))
    policy.observe(p.Dropped(K1, policy.attempt, "gone"), at(0.1, wall_ms=0))
    assert policy.poll(at(0.2, wall_ms=0)) == [p.Extend(K1, check=True)]
    policy.observe(p.ExtendFailed(K1, "HTTP 503"), at(0.2, wall_ms=0))
    assert policy.poll(at(0.3, wall_ms=0)) == []  # frozen wall clock: the real one paces
    assert policy.poll(at(0.3, wall_ms=61 * 60_000)) == [p.Extend(K1, check=True)]


def test_reports_from_an_old_socket_are_ignored() -> None:
    policy = connected(make())
    old = policy.attempt
    policy.observe(p.Dropped(K1, old, "gone"), at(0))
    policy.poll(at(1))
    policy.observe(p.Extended(K1), at(1))
    policy.poll(at(1))  # connect attempt old + 1
    policy.observe(p.Connected(K1, old + 1), at(1))
    assert policy.observe(p.Dropped(K1, old, "late report"), at(2)) == []
    assert policy.phase == "connected"


def test_close_disconnects_deletes_the_key_and_notes_closed() -> None:
    policy = connected(make())
    assert policy.close() == [p.Disconnect()]
    assert policy.poll(at(5)) == [p.Delete(K1)]
    assert policy.observe(p.Deleted(K1), at(5)) == [p.Note("closed", K1, "listen key deleted")]
    assert policy.phase == "closed" and policy.poll(at(6)) == [] and policy.close() == []


def test_close_with_a_dead_key_deletes_nothing() -> None:
    policy = connected(make())
    policy.observe(p.KeyExpired(K1), at(1))
    assert policy.close() == [p.Disconnect(), p.Note("closed", K1)]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="backoff"):
        KeeperPolicy(keepalive_ms=1, backoff_initial=2, backoff_max=1)
    with pytest.raises(ValueError, match="jitter"):
        KeeperPolicy(keepalive_ms=1, backoff_initial=1, backoff_max=1, jitter=2)


def test_a_policy_starts_once() -> None:
    policy = make()
    policy.start()
    with pytest.raises(RuntimeError):
        policy.start()
