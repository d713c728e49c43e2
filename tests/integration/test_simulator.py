"""The Simulator facade: lifecycle, reset, snapshots and the deadlock guard."""

from __future__ import annotations

import threading

import pytest
import requests

from bingx_sim import Account, KeyState, Simulator, WsEvent
from bingx_sim.core.clock import WallClock
from tests.wire import call, close_code, connect, new_key


def test_start_is_ready_on_return_and_urls_point_at_it() -> None:
    with Simulator() as sim, requests.Session() as http:
        assert sim.rest_url == f"http://127.0.0.1:{sim.port}"
        assert sim.ws_url.endswith("/swap-market") and sim.spot_ws_url.endswith("/market")
        assert sim.coinm_ws_url.endswith("/cswap-market")
        assert call(http, sim, "POST", sim.add_account()).status_code == 200


def test_stop_is_idempotent_and_joins_the_thread() -> None:
    before = {t.ident for t in threading.enumerate()}
    sim = Simulator().start()
    sim.stop()
    sim.stop()
    assert {t.ident for t in threading.enumerate()} <= before


def test_using_a_stopped_simulator_is_a_clear_error() -> None:
    sim = Simulator()
    with pytest.raises(RuntimeError, match="not running"):
        sim.add_account()
    with pytest.raises(RuntimeError, match="not running"):
        _ = sim.rest_url


def test_double_start_is_refused() -> None:
    with Simulator() as sim, pytest.raises(RuntimeError, match="already started"):
        sim.start()


def test_port_in_use_fails_start_clearly() -> None:
    with Simulator() as first, pytest.raises(RuntimeError, match="failed to start"):
        Simulator(port=first.port).start()


def test_stop_closes_open_sockets_with_1001(http: requests.Session) -> None:
    sim = Simulator().start()
    try:
        key = new_key(http, sim, sim.add_account())
        ws = connect(sim.ws_url, key)
    finally:
        sim.stop()
    with ws:
        assert close_code(ws) == 1001


def test_reset_forgets_keys_accounts_journal_and_offset_and_closes_sockets(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    with connect(sim.ws_url, key) as ws:
        sim.advance(30)
        sim.reset()
        assert close_code(ws) == 1001
    assert sim.listen_keys() == ()
    assert len(sim.journal) == 0
    assert abs(sim.now_ms() - WallClock().now_ms()) < 1000
    assert call(http, sim, "PUT", account, {"listenKey": key}).json()["code"] == 100413


def test_listen_keys_is_an_immutable_snapshot(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    snapshot = sim.listen_keys()
    call(http, sim, "DELETE", account, {"listenKey": key})
    assert snapshot[0].state is KeyState.ACTIVE
    assert sim.listen_keys()[0].state is KeyState.DELETED
    assert snapshot[0].owner == account.api_key
    assert snapshot[0].expires_at_ms == snapshot[0].created_ms + 3_600_000


def test_add_account_with_given_credentials(sim: Simulator) -> None:
    assert sim.add_account("k", "s") == Account("k", "s")
    with pytest.raises(ValueError, match="another secret"):
        sim.add_account("k", "other")


def test_advance_refuses_to_go_backwards(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="forward"):
        sim.advance(-1)


class _ReentrantClock:
    """A clock that calls back into the simulator from the loop thread, once."""

    def __init__(self) -> None:
        self.sim: Simulator | None = None
        self.error: BaseException | None = None
        self._wall = WallClock()

    def now_ms(self) -> int:
        if self.sim is not None and self.error is None:
            try:
                self.sim.settle()
            except RuntimeError as exc:
                self.error = exc
        return self._wall.now_ms()


def test_facade_called_from_the_sim_thread_raises_instead_of_deadlocking(
    http: requests.Session,
) -> None:
    clock = _ReentrantClock()
    with Simulator(clock=clock, watch_interval=None) as sim:
        account = sim.add_account()
        clock.sim = sim
        assert call(http, sim, "POST", account).status_code == 200
    assert clock.error is not None
    assert "own thread" in str(clock.error)


def test_journal_wait_for_returns_a_later_entry(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    snapshot = sim.journal
    with connect(sim.ws_url, key):
        opened = snapshot.wait_for(lambda e: isinstance(e, WsEvent) and e.kind == "open")
    assert isinstance(opened, WsEvent) and opened.listen_key == key
    assert len(snapshot) == 1  # the snapshot itself did not change
