"""The 60-minute expiry follows every way a test moves time, and never hangs (docs/design.md).

Each mode: generate, connect, jump 61 minutes, then the socket gets ``listenKeyExpired``
and a close, and PUT is refused with 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import requests
import time_machine
from freezegun import freeze_time

from bingx_sim import Account, KeyState, Simulator, WsEvent, events
from bingx_sim.core.clock import real_monotonic
from tests.integration.conftest import MakeSim
from tests.wire import call, close_code, connect, new_key, recv_event, recv_frame

START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
Mover = Callable[[timedelta], object]
Mode = Callable[[Simulator], AbstractContextManager[Mover]]


@contextmanager
def freezegun_mode(sim: Simulator, **flags: object) -> Iterator[Mover]:
    with freeze_time(START, **flags) as frozen:  # type: ignore[arg-type]
        yield frozen.tick


@contextmanager
def time_machine_mode(sim: Simulator, tick: bool) -> Iterator[Mover]:
    with time_machine.travel(START, tick=tick) as traveller:
        yield traveller.shift


@contextmanager
def advance_mode(sim: Simulator) -> Iterator[Mover]:
    yield sim.advance  # nothing patched: the simulator's own clock


MODES: dict[str, Mode] = {
    "freezegun-default": lambda sim: freezegun_mode(sim),
    "freezegun-tick": lambda sim: freezegun_mode(sim, tick=True),
    "freezegun-real-asyncio": lambda sim: freezegun_mode(sim, real_asyncio=True),
    "freezegun-auto-tick": lambda sim: freezegun_mode(sim, auto_tick_seconds=1),
    "freezegun-ignore-asyncio": lambda sim: freezegun_mode(sim, ignore=["asyncio", "aiohttp"]),
    "time-machine": lambda sim: time_machine_mode(sim, tick=False),
    "time-machine-tick": lambda sim: time_machine_mode(sim, tick=True),
    "sim-advance": advance_mode,
}


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_61_minute_jump_expires_pushes_closes_and_refuses_put(
    sim: Simulator, http: requests.Session, account: Account, mode: Mode
) -> None:
    with mode(sim) as move:
        key = new_key(http, sim, account)
        with connect(sim.ws_url, key) as ws:
            moved = move(timedelta(minutes=61))  # sim.advance settles and returns the keys
            assert [key] in (sim.settle(), moved)
            expired = recv_event(ws)
            assert expired["e"] == "listenKeyExpired" and expired["listenKey"] == key
            assert close_code(ws) == 1000
        put = call(http, sim, "PUT", account, {"listenKey": key})
        assert (put.status_code, put.content) == (404, b"")
    (held,) = sim.listen_keys()
    assert held.state is KeyState.EXPIRED


@pytest.mark.parametrize(
    "mode",
    [MODES["freezegun-default"], MODES["freezegun-real-asyncio"], MODES["time-machine"]],
    ids=["freezegun-default", "freezegun-real-asyncio", "time-machine"],
)
def test_a_bare_tick_is_noticed_by_the_watcher_within_half_a_second(
    sim: Simulator, http: requests.Session, account: Account, mode: Mode
) -> None:
    with mode(sim) as move:
        key = new_key(http, sim, account)
        with connect(sim.ws_url, key) as ws:
            ws.settimeout(0.5)  # the deadline: a socket timeout on real time
            started = real_monotonic()
            move(timedelta(minutes=61))  # no settle, no REST call
            assert recv_event(ws)["e"] == "listenKeyExpired"
            assert real_monotonic() - started < 0.5


def test_a_rest_call_after_a_bare_tick_sees_a_consistent_world(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(watch_interval=None)  # no watcher: only the handler sweep can notice
    account = sim.add_account()
    with freeze_time(START) as frozen:
        key = new_key(http, sim, account)
        with connect(sim.ws_url, key) as ws:
            frozen.tick(timedelta(minutes=61))
            assert call(http, sim, "PUT", account, {"listenKey": key}).status_code == 404
            # The frame was written before the 404 was answered.
            ws.settimeout(0)
            assert recv_event(ws)["e"] == "listenKeyExpired"


def test_key_extended_at_minute_59_lives_to_minute_119(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    with freeze_time(START) as frozen:
        key = new_key(http, sim, account)
        with connect(sim.ws_url, key) as ws:
            frozen.tick(timedelta(minutes=59))
            assert call(http, sim, "PUT", account, {"listenKey": key}).status_code == 200
            frozen.tick(timedelta(minutes=119 - 59) - timedelta(milliseconds=1))
            assert sim.settle() == []
            assert sim.push(account, events.account_update()) == 1
            assert recv_event(ws)["e"] == "ACCOUNT_UPDATE"
            frozen.tick(timedelta(milliseconds=1))  # minute 119 exactly
            assert sim.settle() == [key]
            assert recv_event(ws)["e"] == "listenKeyExpired"


def test_pings_keep_coming_on_real_time_during_a_freeze(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(ping_interval=0.05, pong_timeout=0.5)
    account = sim.add_account()
    with freeze_time(START) as frozen:
        key = new_key(http, sim, account)
        with connect(sim.ws_url, key) as ws:
            for step in range(6):
                if step == 3:
                    frozen.tick(timedelta(minutes=30))  # neither stops Pings nor trips Pong timeout
                assert recv_frame(ws)[1] == "Ping"
                ws.send("Pong")
            assert sim.push(account, events.account_update()) == 1


def test_silent_expiry_option_keeps_the_socket_open_with_heartbeats_only(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(on_expiry="silent", ping_interval=0.05)
    account = sim.add_account()
    key = new_key(http, sim, account)
    with connect(sim.ws_url, key) as ws:
        sim.advance(timedelta(minutes=61))
        assert recv_event(ws)["e"] == "listenKeyExpired"
        assert sim.push(account, events.account_update()) == 0
        assert recv_frame(ws)[1] == "Ping"
    assert not [
        e for e in sim.journal.sockets if e.kind == "close" and e.reason != "closed by client"
    ]


def test_start_and_stop_inside_a_freeze_with_an_unread_socket() -> None:
    with freeze_time(START):
        began = real_monotonic()
        sim = Simulator(ping_interval=0.05).start()
        account = sim.add_account()
        with requests.Session() as http:
            key = new_key(http, sim, account)
        ws = connect(sim.ws_url, key)
        try:
            sim.stop()
        finally:
            ws.shutdown()  # type: ignore[no-untyped-call]
        assert real_monotonic() - began < 2


def test_keys_made_inside_a_past_freeze_expire_once_it_ends(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    with freeze_time(START):
        key = new_key(http, sim, account)
    assert sim.settle() == [key]  # documented: back in the present, an hour has long passed


def test_journal_wait_for_explains_a_timeout(sim: Simulator) -> None:
    with pytest.raises(AssertionError, match=r"no journal entry matched within 0\.05 s"):
        sim.journal.wait_for(lambda e: isinstance(e, WsEvent), timeout=0.05)
