"""UserDataStream: the managed listen-key lifecycle against the simulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from bingx import AuthenticationException, BingXClient, Transition, UserDataStream, events
from bingx_sim import Account, KeyState, RestCall, Simulator, WsEvent, WsFrame
from bingx_sim import events as build
from tests.integration.conftest import MakeSim

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
MINUTE = timedelta(minutes=1)


def run_lifecycle(sim: Simulator, account: Account) -> None:
    """The whole story under freezegun, deterministic: the test drives the schedule."""
    got: list[events.Event] = []
    with (
        freeze_time(T0) as frozen,
        BingXClient(account.api_key, account.api_secret, sim.rest_url) as client,
    ):
        keeper = UserDataStream(client, base_url=sim.ws_url, poll_interval=None)
        keeper.on_event(got.append)
        keeper.start()
        first_key = keeper.listen_key
        assert first_key is not None and keeper.stream is not None
        assert sim.push(account, build.account_update()) == 1
        assert sim.push(account, build.order_trade_update()) == 1
        keeper.stream.next_event(events.AccountUpdate)
        keeper.stream.next_event(events.OrderUpdate)

        frozen.tick(30 * MINUTE)
        keeper.run_pending()
        assert keeper.transitions[-1].kind == "extended"

        # From here the schedule is not run, so no extend follows the one at minute 30.
        frozen.tick(59 * MINUTE)  # minute 89: alive thanks to that extend
        assert sim.settle() == []
        (held,) = sim.listen_keys()
        assert held.state is KeyState.ACTIVE and held.expires_at_ms == T0_MS + 90 * 60_000

        frozen.tick(MINUTE)  # minute 90: no extend since minute 30, so it expires now
        assert sim.settle() == [first_key]
        expired = keeper.stream.next_event(events.ListenKeyExpired)
        assert expired.event_time == T0_MS + 90 * 60_000
        keeper.wait_for_transition("expired")

        keeper.run_pending()
        assert [t.kind for t in keeper.transitions[-2:]] == ["renewed", "reconnected"]
        assert keeper.listen_key not in (None, first_key)
        assert sim.push(account, build.account_config_update()) == 1
        assert keeper.stream.next_event(events.ConfigUpdate)
        keeper.close()
    assert [type(e).__name__ for e in got] == [
        "AccountUpdate",
        "OrderUpdate",
        "ListenKeyExpired",
        "ConfigUpdate",
    ]


def test_full_lifecycle_under_freezegun(sim: Simulator, account: Account) -> None:
    run_lifecycle(sim, account)
    journal = sim.journal
    calls = [(r.method, r.status) for r in journal.requests]
    assert calls == [("POST", 200), ("PUT", 200), ("POST", 200), ("DELETE", 200)]
    sent = [f.text for f in journal.frames if f.direction == "out"]
    assert [s.split('"e":"')[1].split('"')[0] for s in sent] == [
        "ACCOUNT_UPDATE",
        "ORDER_TRADE_UPDATE",
        "listenKeyExpired",
        "ACCOUNT_CONFIG_UPDATE",
    ]
    sockets = [(e.kind, e.code) for e in journal.sockets]
    assert sockets == [("open", None), ("close", 1000), ("open", None), ("close", 1000)]
    assert [k.state for k in sim.listen_keys()] == [KeyState.EXPIRED, KeyState.DELETED]
    assert not journal.violations
    assert all(isinstance(e, RestCall | WsFrame | WsEvent) for e in journal)


def test_the_schedule_thread_extends_promptly_after_a_31_minute_tick(
    sim: Simulator, client: BingXClient
) -> None:
    with freeze_time(T0) as frozen:
        keeper = UserDataStream(client, base_url=sim.ws_url, poll_interval=0.02).start()
        try:
            frozen.tick(31 * MINUTE)
            step = keeper.wait_for_transition("extended", timeout=2)
            assert step.at_ms == T0_MS + 31 * 60_000
        finally:
            keeper.close()
    assert [r.method for r in sim.journal.requests] == ["POST", "PUT", "DELETE"]


def test_expiry_renews_and_reconnects_by_itself(
    sim: Simulator, account: Account, client: BingXClient
) -> None:
    with UserDataStream(client, base_url=sim.ws_url, poll_interval=5.0) as keeper:
        first = keeper.listen_key
        sim.advance(timedelta(minutes=61))  # keepalive was due at 30 but the poll is slow
        keeper.wait_for_transition("reconnected", timeout=2)  # woken by listenKeyExpired
        assert keeper.listen_key != first
        assert sim.push(account, build.account_update()) == 1
        assert keeper.stream is not None and keeper.stream.next_event(events.AccountUpdate)


def test_a_dropped_socket_is_reconnected_with_backoff(
    sim: Simulator, account: Account, client: BingXClient
) -> None:
    steps: list[Transition] = []
    with UserDataStream(
        client, base_url=sim.ws_url, poll_interval=0.02, backoff_initial=0.01
    ) as keeper:
        keeper.on_transition(steps.append)
        key = keeper.listen_key
        sim.close_sockets(account, code=1012, reason="new features")
        keeper.wait_for_transition("reconnected", timeout=2)
        assert keeper.listen_key == key  # same key: only the socket dropped
        assert sim.push(account, build.account_update()) == 1
        assert keeper.stream is not None and keeper.stream.next_event(events.AccountUpdate)
    kinds = [s.kind for s in steps]
    assert kinds[:2] == ["dropped", "reconnected"] and kinds[-1] == "closed"
    assert steps[0].detail == "new features"


def test_backoff_doubles_up_to_the_cap_while_the_exchange_is_down(
    sim: Simulator, client: BingXClient
) -> None:
    errors: list[Exception] = []
    keeper = UserDataStream(
        client,
        base_url=sim.ws_url,
        poll_interval=0.005,
        backoff_initial=0.01,
        backoff_max=0.04,
        backoff_jitter=0,
    )
    keeper.on_error(errors.append)
    keeper.start()
    try:
        sim.stop()  # the socket drops and every reconnect is refused
        keeper.wait_for_transition("dropped")
        seen = 0
        for _ in range(3):
            step = keeper.wait_for_transition("reconnect_failed", after=seen)
            seen = keeper.transitions.index(step) + 1
        waits = [
            t.detail.rsplit("next try in ", 1)[1]
            for t in keeper.transitions
            if t.kind == "reconnect_failed"
        ]
        assert waits[:3] == ["0.02 s", "0.04 s", "0.04 s"]
    finally:
        keeper.close()  # its DELETE fails too: reported, not raised
    assert any("DELETE" in str(e) for e in errors)


def test_a_key_deleted_behind_its_back_is_renewed_on_extend(
    make_sim: MakeSim,
) -> None:
    sim = make_sim(on_delete="silent")
    account = sim.add_account()
    with (
        freeze_time(T0) as frozen,
        BingXClient(account.api_key, account.api_secret, sim.rest_url) as client,
        BingXClient(account.api_key, account.api_secret, sim.rest_url) as other,
    ):
        keeper = UserDataStream(client, base_url=sim.ws_url, poll_interval=None).start()
        first = keeper.listen_key
        assert first is not None
        other.listen_key().delete(first)
        frozen.tick(30 * MINUTE)
        keeper.run_pending()
        kinds = [t.kind for t in keeper.transitions]
        assert kinds == ["connected", "expired", "renewed", "reconnected"]
        assert keeper.transitions[1].detail == "extend answered 404"
        keeper.close()


def test_a_raising_event_handler_reaches_on_error(
    sim: Simulator, account: Account, client: BingXClient
) -> None:
    errors: list[Exception] = []

    def broken(event: events.Event) -> None:
        raise RuntimeError("user bug")

    with UserDataStream(client, base_url=sim.ws_url, poll_interval=None) as keeper:
        keeper.on_event(broken)
        keeper.on_error(errors.append)
        sim.push(account, build.account_update())
        assert keeper.stream is not None and keeper.stream.next_event(events.AccountUpdate)
    assert [str(e) for e in errors] == ["user bug"]


def test_start_fails_loudly_with_a_bad_secret(sim: Simulator, account: Account) -> None:
    with BingXClient(account.api_key, "wrong", sim.rest_url) as client:
        keeper = UserDataStream(client, base_url=sim.ws_url)
        with pytest.raises(AuthenticationException):
            keeper.start()
        keeper.close()
    sim.reset()  # the bad signature is this test's point


def test_close_deletes_the_key_and_is_idempotent(sim: Simulator, client: BingXClient) -> None:
    keeper = UserDataStream(client, base_url=sim.ws_url).start()
    keeper.close()
    keeper.close()
    assert [k.state for k in sim.listen_keys()] == [KeyState.DELETED]
    assert [t.kind for t in keeper.transitions] == ["connected", "closed"]


def test_an_extend_that_fails_is_retried_after_its_backoff(
    sim: Simulator, account: Account, client: BingXClient
) -> None:
    errors: list[Exception] = []
    with freeze_time(T0) as frozen:
        keeper = UserDataStream(
            client, base_url=sim.ws_url, poll_interval=0.005, backoff_initial=0.05
        )
        keeper.on_error(errors.append)
        keeper.start()
        try:
            sim.fail_next("PUT", status=503)
            frozen.tick(30 * MINUTE)
            failed = keeper.wait_for_transition("extend_failed")
            retried = keeper.wait_for_transition("extended")
            assert [t.kind for t in keeper.transitions[:3]] == [
                "connected",
                "extend_failed",
                "extended",
            ]
            assert [getattr(e, "status", None) for e in errors] == [503]
            assert failed.listen_key == retried.listen_key == keeper.listen_key
        finally:
            keeper.close()
    puts = [r for r in sim.journal.requests if r.method == "PUT"]
    assert len(puts) == 2  # one failure, one retry: not a retry on every poll


def test_handlers_registered_after_start_reach_the_stream(
    sim: Simulator, account: Account, client: BingXClient
) -> None:
    balances: list[list[dict[str, object]]] = []
    with UserDataStream(client, base_url=sim.ws_url, poll_interval=None) as keeper:
        keeper.on_balance_update(balances.append)
        update = build.account_update()
        sim.push(account, update)
        assert keeper.stream is not None and keeper.stream.next_event(events.AccountUpdate)
    assert balances == [update["a"]["B"]]
