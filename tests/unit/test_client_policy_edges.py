"""The keeper's policy (bingx.policy) at the ends of its life and on its real-time
schedule: what it asks the driver to wait for, and what it ignores once closing."""

from __future__ import annotations

from bingx import policy as p
from bingx.policy import KeeperPolicy
from tests.unit.test_policy import K1, KEEPALIVE_MS, at, connected, make


def test_next_wakeup_follows_the_recovery_path() -> None:
    policy = make()
    assert policy.next_wakeup(at(0)) is None  # new: nothing scheduled
    policy.start()
    assert policy.next_wakeup(at(0)) == 0  # need_key: generate now
    assert policy.poll(at(0)) == [p.Generate()]
    policy.observe(p.Generated(K1), at(0))
    assert policy.next_wakeup(at(0)) == 0  # need_connect: connect now
    (connect,) = policy.poll(at(0))
    assert isinstance(connect, p.Connect)
    policy.observe(p.ConnectFailed(K1, connect.attempt, "refused"), at(0))
    assert policy.phase == "checking"
    assert policy.next_wakeup(at(0)) == 1.0  # the first backoff (no jitter)
    assert policy.poll(at(0.5)) == []
    assert policy.poll(at(1)) == [p.Extend(K1, check=True)]
    policy.observe(p.Extended(K1), at(1))  # the key lives: reconnect at once
    assert (policy.phase, policy.next_wakeup(at(1))) == ("need_connect", 1)


def test_a_connected_policy_runs_on_the_wall_clock_only() -> None:
    assert connected(make()).next_wakeup(at(5)) is None


def test_while_closing_only_the_delete_counts() -> None:
    policy = connected(make())
    policy.close()
    # What the socket or an old call reports now changes nothing and asks for nothing.
    for late in (p.Dropped(K1, policy.attempt, "closed"), p.Extended(K1), p.KeyExpired(K1)):
        assert policy.observe(late, at(1)) == []
        assert policy.phase == "closing"
    assert policy.poll(at(1)) == [p.Delete(K1)]
    assert policy.observe(p.DeleteFailed(K1, "HTTP 500"), at(1)) == [
        p.Note("closed", K1, "delete failed: HTTP 500")
    ]
    assert policy.phase == "closed" and K1 in policy.dead


def test_a_delete_held_by_the_rate_limit_is_scheduled_on_real_time() -> None:
    policy = KeeperPolicy(
        keepalive_ms=KEEPALIVE_MS, backoff_initial=1, backoff_max=8, jitter=0, rate_limit=1
    )
    connected(policy)  # the generate used the only call of second 0
    policy.close()
    assert policy.poll(at(0.2, wall_ms=0)) == []
    assert policy.held_until == 1.0
    assert policy.next_wakeup(at(0.2, wall_ms=0)) == 1.0
    assert policy.poll(at(1.0, wall_ms=0)) == [p.Delete(K1)]


def test_a_closed_policy_ignores_everything() -> None:
    policy = connected(make())
    policy.observe(p.KeyExpired(K1), at(1))
    policy.close()  # a dead key: closed at once, nothing to delete
    assert policy.phase == "closed"
    for late in (p.Generated("k3" * 32), p.Deleted(K1), p.Connected(K1, policy.attempt)):
        assert policy.observe(late, at(2)) == []
    assert policy.phase == "closed" and policy.poll(at(3)) == []
