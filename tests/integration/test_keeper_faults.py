"""The keeper against the simulator's bad days: the three bugs of the hand-rolled keeper,
each reproduced here (each of these failed on it)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from bingx import BingXClient, TransitionKind, UserDataStream, events
from bingx_sim import Simulator
from bingx_sim import events as build
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH
from tests.integration.conftest import MakeSim

from ..wire import ClosingWebSocket, connect, new_key


@pytest.fixture
def crowd() -> Iterator[list[ClosingWebSocket]]:
    sockets: list[ClosingWebSocket] = []
    yield sockets
    for ws in sockets:
        ws.__exit__()


@pytest.mark.parametrize(
    ("refusal", "seen_as"),
    [
        # An exchange that answers "too many sockets" with the same 404 as a dead key ...
        ("404", "reconnect_failed"),
        # ... or accepts, sends the 100419 frame and closes (the default).
        ("frame", "dropped"),
    ],
)
def test_a_refused_upgrade_with_a_live_key_mints_no_keys(
    make_sim: MakeSim,
    http: requests.Session,
    crowd: list[ClosingWebSocket],
    refusal: str,
    seen_as: TransitionKind,
) -> None:
    sim = make_sim(max_sockets_per_ip=2, too_many_sockets=refusal)
    account, neighbour = sim.add_account(), sim.add_account()
    crowd.append(connect(sim.ws_url, new_key(http, sim, neighbour)))
    with BingXClient(account.api_key, account.api_secret, sim.rest_url) as client:
        keeper = UserDataStream(
            client, base_url=sim.ws_url, poll_interval=0.01, backoff_initial=0.05
        ).start()
        try:
            sim.close_sockets(account)  # the keeper's socket drops ...
            crowd.append(connect(sim.ws_url, new_key(http, sim, neighbour)))  # ... slot taken
            seen = 0
            for _ in range(3):
                step = keeper.wait_for_transition(seen_as, after=seen)
                seen = keeper.transitions.index(step) + 1
        finally:
            keeper.close()
    mine = [
        r
        for r in sim.journal.requests
        if r.path == LISTEN_KEY_PATH and r.headers.get("X-BX-APIKEY") == account.api_key
    ]
    assert [r.method for r in mine].count("POST") == 1, "keys were minted"
    assert all(k.state.value != "active" for k in sim.listen_keys() if k.owner == account.api_key)
    stamps = [r.at_ms for r in mine]
    assert all(b - a >= 1000 for a, b in zip(stamps, stamps[2:], strict=False)), stamps


@pytest.mark.parametrize("invalid_key", ["reject", "close"])
def test_a_key_that_died_while_the_socket_was_down_is_renewed(
    make_sim: MakeSim, invalid_key: str
) -> None:
    sim = make_sim(invalid_key=invalid_key)
    account = sim.add_account()
    with (
        BingXClient(account.api_key, account.api_secret, sim.rest_url) as client,
        BingXClient(account.api_key, account.api_secret, sim.rest_url) as other,
    ):
        keeper = UserDataStream(
            client, base_url=sim.ws_url, poll_interval=0.01, backoff_initial=0.05
        ).start()
        try:
            first = keeper.listen_key
            assert first is not None
            other.listen_key().delete(first)  # the socket closes and the key is dead
            keeper.wait_for_transition("renewed", timeout=5)
            step = keeper.wait_for_transition("reconnected", timeout=5)
            assert step.listen_key == keeper.listen_key != first
            assert sim.push(account, build.account_update()) == 1
            assert keeper.stream is not None and keeper.stream.next_event(events.AccountUpdate)
        finally:
            keeper.close()
    sim.expect_errors("connect: deleted listen key")  # what the keeper asked, on purpose


def test_a_malformed_event_is_reported_and_the_stream_carries_on(
    sim: Simulator, client: BingXClient
) -> None:
    errors: list[Exception] = []
    got: list[events.Event] = []
    with UserDataStream(client, base_url=sim.ws_url, poll_interval=None) as keeper:
        keeper.on_error(errors.append)
        keeper.on_event(got.append)
        account = sim.journal.requests[0].headers["X-BX-APIKEY"]
        for bad in (
            {"e": "ACCOUNT_UPDATE", "a": {"B": 1}},
            {"e": "ORDER_TRADE_UPDATE", "E": 1e400},
        ):
            assert sim.push(account, bad) == 1
        assert sim.push(account, build.account_config_update()) == 1
        assert keeper.stream is not None
        assert keeper.stream.next_event(events.ConfigUpdate)
    assert [type(e).__name__ for e in got][-1] == "ConfigUpdate"
    unreadable = [str(e) for e in errors if "unreadable" in str(e)]
    assert unreadable and "ACCOUNT_UPDATE" in unreadable[0], [str(e) for e in errors]


def test_a_misspelled_transition_fails_at_once(sim: Simulator, client: BingXClient) -> None:
    keeper = UserDataStream(client, base_url=sim.ws_url, poll_interval=None)
    with pytest.raises(ValueError, match="reconected"):
        keeper.wait_for_transition("reconected", timeout=30)  # type: ignore[arg-type]


def test_generate_reports_the_status_the_exchange_sent(sim: Simulator, client: BingXClient) -> None:
    from bingx import APIException

    sim.fail_next("POST", status=202, body=json.dumps({"code": 0, "msg": ""}))
    with pytest.raises(APIException) as refused:
        client.listen_key().generate()
    assert refused.value.status == 202


def test_a_silent_socket_is_treated_as_dropped_and_reconnected(make_sim: MakeSim) -> None:
    sim = make_sim(ping_interval=3600, pong_timeout=7200)  # the exchange goes quiet
    account = sim.add_account()
    with BingXClient(account.api_key, account.api_secret, sim.rest_url) as client:
        keeper = UserDataStream(
            client,
            base_url=sim.ws_url,
            poll_interval=0.01,
            backoff_initial=0.01,
            idle_timeout=0.2,
        ).start()
        try:
            dropped = keeper.wait_for_transition("dropped", timeout=5)
            assert dropped.detail == "no frame for 0.2 s"
            keeper.wait_for_transition("reconnected", timeout=5)
            assert keeper.listen_key == dropped.listen_key  # the key was fine
        finally:
            keeper.close()
