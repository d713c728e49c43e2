"""Account websockets (``docs/contract.md``): URL, gzip framing, heartbeat, refusals."""

from __future__ import annotations

import contextlib
import itertools
import json
import zlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
import websocket

from bingx_clocks import real_monotonic
from bingx_sim.contract.wire import (
    BINARY,
    call,
    close_code,
    connect,
    listen_key,
    open_stream,
    recv_frame,
    recv_json,
)
from bingx_sim.plugin.targets import Target


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def _ping_texts(ws: websocket.WebSocket, count: int) -> list[float]:
    """Arrival times of the next ``count`` Pings, answering each."""
    seen: list[float] = []
    while len(seen) < count:
        opcode, text = recv_frame(ws)
        if text == "Ping":
            assert opcode == BINARY, "the heartbeat Ping must be a gzip binary frame"
            seen.append(real_monotonic())
            ws.send("Pong")
    return seen


@pytest.mark.bingx_exchange
def test_swap_heartbeat_is_gzip_ping_at_the_documented_cadence(
    bingx_target: Target, http: requests.Session
) -> None:
    with open_stream(http, bingx_target) as (_, ws):
        arrivals = _ping_texts(ws, 3)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    for gap in gaps:
        assert 0.5 * bingx_target.ping_interval <= gap <= 2 * bingx_target.ping_interval


@pytest.mark.bingx_exchange
def test_answered_pings_keep_the_socket_open(bingx_target: Target, http: requests.Session) -> None:
    with open_stream(http, bingx_target) as (_, ws):
        assert len(_ping_texts(ws, 4)) == 4  # past 3 missed Pings' worth of time


@pytest.mark.bingx_exchange
def test_swap_socket_answers_any_message_with_80014(
    bingx_target: Target, http: requests.Session
) -> None:
    with open_stream(http, bingx_target) as (_, ws):
        ws.send("{}")
        reply = recv_json(ws)
        assert (reply["code"], reply["msg"]) == (80014, "invalid params")


@pytest.mark.bingx_exchange
def test_stray_text_gets_no_answer_but_json_does(
    bingx_target: Target, http: requests.Session
) -> None:
    """A 2026-09 probe saw no reply to ``hello``; the 80014 frame answers JSON (S10)."""
    with open_stream(http, bingx_target) as (_, ws):
        ws.send("hello")
        ws.send('{"id":"after-hello"}')
        reply = recv_json(ws)  # the first answer is the JSON message's: hello got none
        assert (reply["code"], reply["id"]) == (80014, "after-hello")


@pytest.mark.bingx_exchange
def test_a_bad_key_gets_no_stream(bingx_target: Target) -> None:
    """The refusal's form is unknown on the real exchange (``docs/contract.md``); any of a
    4xx upgrade, an error frame or a close is accepted, but never a working stream."""
    status: int | None = None
    try:
        ws = connect(bingx_target.ws_url, "0" * 64)
    except websocket.WebSocketBadStatusException as refused:
        status = refused.status_code
    if status is not None:
        assert 400 <= status < 500
        return
    with ws:
        ws.settimeout(bingx_target.ping_interval * 3)
        try:
            opcode, text = recv_frame(ws)
        except (websocket.WebSocketConnectionClosedException, websocket.WebSocketTimeoutException):
            return
        assert opcode == websocket.ABNF.OPCODE_CLOSE or json.loads(text).get("code") not in (
            0,
            None,
        )


@pytest.mark.bingx_exchange
def test_spot_subscription_is_acknowledged_and_pings_are_json(
    bingx_target: Target, http: requests.Session
) -> None:
    with open_stream(http, bingx_target, bingx_target.spot_ws_url) as (_, ws):
        ws.send(json.dumps({"id": "c1", "reqType": "sub", "dataType": "spot.executionReport"}))
        ack = recv_json(ws)
        assert (ack["id"], ack["code"]) == ("c1", 0)
        while True:
            opcode, text = recv_frame(ws)
            assert opcode == BINARY
            payload = json.loads(text) if text.startswith("{") else {}
            if "ping" in payload:
                assert set(payload) >= {"ping", "time"}
                ws.send(json.dumps({"pong": payload["ping"], "time": payload["time"]}))
                break


@pytest.mark.bingx_exchange
def test_coinm_heartbeat_is_gzip_ping(bingx_target: Target, http: requests.Session) -> None:
    if bingx_target.coinm_ws_url is None:
        pytest.skip(f"{bingx_target.name}: no documented coin-M account stream")
    with open_stream(http, bingx_target, bingx_target.coinm_ws_url) as (_, ws):
        assert len(_ping_texts(ws, 1)) == 1


@pytest.mark.bingx_sim_only(
    "closing on DELETE is the simulator's documented default; unknown on BingX"
)
def test_delete_closes_the_stream(bingx_target: Target, http: requests.Session) -> None:
    with open_stream(http, bingx_target) as (key, ws):
        assert call(http, bingx_target, "DELETE", {"listenKey": key}).status_code == 200
        assert close_code(ws) == 1000


@pytest.mark.bingx_exchange
def test_expiry_pushes_listen_key_expired(bingx_target: Target, http: requests.Session) -> None:
    if not bingx_target.can_move_time:
        pytest.skip(f"{bingx_target.name}: cannot move time; this would take an hour")
    with open_stream(http, bingx_target) as (key, ws):
        bingx_target.advance(timedelta(minutes=60))
        event = recv_json(ws)
        assert (event["e"], event["listenKey"]) == ("listenKeyExpired", key)


@pytest.mark.bingx_exchange
def test_protocol_level_pings_are_answered(bingx_target: Target, http: requests.Session) -> None:
    with open_stream(http, bingx_target) as (_, ws):
        ws.ping(b"hello")
        while True:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_PONG:
                assert data == b"hello"
                return
            if opcode == BINARY and zlib.decompress(data, wbits=31) == b"Ping":
                ws.send("Pong")


@pytest.mark.bingx_sim_only("on a real target this takes 30 s and more (the observed timeout)")
def test_a_client_that_never_pongs_is_disconnected(
    bingx_target: Target, http: requests.Session
) -> None:
    assert bingx_target.simulator is not None
    patience = bingx_target.simulator.config.pong_timeout
    with open_stream(http, bingx_target) as (_, ws):
        ws.settimeout(patience * 3)
        # Dropped (no close frame, as BingX was seen to do) or closed: either way, gone.
        with contextlib.suppress(websocket.WebSocketConnectionClosedException, ConnectionError):
            close_code(ws)  # a timeout here (the socket stayed) fails the test


@pytest.mark.bingx_exchange
def test_several_sockets_on_one_key_all_get_events(
    bingx_target: Target, http: requests.Session
) -> None:
    if not bingx_target.can_push_events:
        pytest.skip(f"{bingx_target.name}: cannot push events on demand")
    from bingx_sim import events as build

    with (
        listen_key(http, bingx_target) as key,
        connect(bingx_target.ws_url, key) as first,
        connect(bingx_target.ws_url, key) as second,
    ):
        assert bingx_target.push(build.account_config_update()) == 2
        assert recv_json(first)["e"] == recv_json(second)["e"] == "ACCOUNT_CONFIG_UPDATE"
