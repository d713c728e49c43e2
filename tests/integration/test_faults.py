"""Each fault's effect on the wire, seen with raw requests and websocket-client."""

from __future__ import annotations

import json
import threading
import zlib
from typing import Any

import pytest
import requests
import websocket

from bingx_sim import Account, Simulator
from bingx_sim import events as build
from bingx_sim.core.clock import real_monotonic
from bingx_sim.core.journal import FaultFired
from bingx_sim.faults import (
    CorruptFrame,
    DelayFrames,
    Drop,
    DuplicateFrame,
    IgnorePongs,
    LoseEvents,
    RefuseConnect,
    RestDelay,
    RestError,
    RestHang,
    RestReset,
    Silence,
)
from bingx_sim.incidents import INCIDENTS
from tests.integration.conftest import MakeSim

from ..wire import call, connect, new_key, recv_event


def order(tag: str) -> dict[str, Any]:
    return build.order_trade_update(client_order_id=tag)


def data_frames(ws: websocket.WebSocket, count: int) -> list[tuple[int, bytes]]:
    """The next ``count`` data frames (Pings skipped), raw."""
    got: list[tuple[int, bytes]] = []
    while len(got) < count:
        opcode, data = ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_BINARY and data and _inflates_to(data) == "Ping":
            continue
        got.append((opcode, data))
    return got


def _inflates_to(data: bytes) -> str | None:
    try:
        return zlib.decompress(data, wbits=31).decode()
    except (zlib.error, UnicodeDecodeError):
        return None


def _until_close_frame(ws: websocket.WebSocket) -> None:
    """Read until a close frame (an AssertionError: the test expected none)."""
    while True:
        opcode, _ = ws.recv_data(control_frame=True)
        assert opcode != websocket.ABNF.OPCODE_CLOSE, "a close frame was sent"


# REST ------------------------------------------------------------------------------------


def test_rest_error_answers_the_exchanges_error_for_one_account_only(
    sim: Simulator, http: requests.Session
) -> None:
    hit, spared = sim.add_account(), sim.add_account()
    handle = sim.inject(RestError(account=hit, method="POST", code=100410, msg="slow down"))
    refused = call(http, sim, "POST", hit)
    assert refused.status_code == 200 and refused.json()["code"] == 100410
    assert call(http, sim, "POST", spared).json()["listenKey"]
    assert call(http, sim, "POST", hit).json()["listenKey"]  # times=1: spent
    assert handle.hits == 1 and sim.active_faults() == ()
    fired = [e for e in sim.journal if isinstance(e, FaultFired)]
    assert [(f.fault, f.account, f.where) for f in fired] == [
        ("RestError", hit.api_key, "POST /openApi/user/auth/userDataStream")
    ]


def test_rest_error_with_a_body_is_verbatim_and_fail_next_is_its_shortcut(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    sim.fail_next("PUT", status=502, body="<html>bad gateway</html>", times=2)
    key = new_key(http, sim, account)
    for _ in range(2):
        answer = call(http, sim, "PUT", account, {"listenKey": key})
        assert (answer.status_code, answer.text) == (502, "<html>bad gateway</html>")
    assert call(http, sim, "PUT", account, {"listenKey": key}).status_code == 200


def test_rest_delay_answers_late_without_holding_up_anyone_else(
    sim: Simulator, http: requests.Session
) -> None:
    slow, other = sim.add_account(), sim.add_account()
    sim.inject(RestDelay(account=slow, seconds=0.5))
    started = real_monotonic()
    outcome: list[int] = []

    def delayed() -> None:
        with requests.Session() as own:
            outcome.append(call(own, sim, "POST", slow).status_code)

    late = threading.Thread(target=delayed)
    late.start()
    assert call(http, sim, "POST", other).status_code == 200
    assert late.is_alive(), "the other account waited for the delayed call"
    late.join(5)
    assert outcome == [200] and real_monotonic() - started >= 0.5


def test_rest_reset_closes_the_connection_without_an_answer(
    sim: Simulator, account: Account
) -> None:
    sim.inject(RestReset(method="POST"))
    with requests.Session() as http, pytest.raises(requests.ConnectionError):
        call(http, sim, "POST", account)


def test_rest_hang_never_answers_until_cleared(sim: Simulator, account: Account) -> None:
    handle = sim.inject(RestHang(account=account))
    errors: list[BaseException] = []

    def hang() -> None:
        try:
            with requests.Session() as own:
                call(own, sim, "POST", account)
        except requests.RequestException as error:
            errors.append(error)

    caller = threading.Thread(target=hang)
    caller.start()
    sim.journal.wait_for(lambda e: isinstance(e, FaultFired))  # it is being held
    assert caller.is_alive()
    assert handle.clear()
    caller.join(5)
    assert errors and isinstance(errors[0], requests.ConnectionError)


# account stream -------------------------------------------------------------------------


def test_drop_without_a_code_gives_no_close_frame(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    with connect(sim.ws_url, new_key(http, sim, account)) as ws:
        sim.inject(Drop(account=account))
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            _until_close_frame(ws)
    closed = sim.journal.wait_for(lambda e: getattr(e, "kind", "") == "close")
    assert getattr(closed, "code", None) == 1006 and not closed.violation


def test_drop_with_a_code_closes_with_it_and_waits_for_the_next_socket(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    sim.inject(Drop(account=account, code=4000, reason="bye"))  # no socket yet: pending
    with connect(sim.ws_url, new_key(http, sim, account)) as ws:
        opcode, data = ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE and int.from_bytes(data[:2], "big") == 4000


def test_silence_keeps_the_socket_open_and_sends_nothing_until_cleared(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(ping_interval=0.05)
    account = sim.add_account()
    with connect(sim.ws_url, new_key(http, sim, account)) as ws:
        handle = sim.inject(Silence(account=account))
        assert sim.push(account, order("unheard")) == 0
        ws.settimeout(0.4)
        with pytest.raises(websocket.WebSocketTimeoutException):
            _until_close_frame(ws)  # frames queued before the fault may come; then nothing
        handle.clear()
        ws.settimeout(5)
        assert sim.push(account, order("heard")) == 1
        assert recv_event(ws)["o"]["c"] == "heard"


def test_ignore_pongs_closes_a_socket_that_answers_every_ping(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(ping_interval=0.05, pong_timeout=0.3, on_pong_timeout="close")
    account = sim.add_account()
    sim.inject(IgnorePongs(account=account))
    with connect(sim.ws_url, new_key(http, sim, account)) as ws:
        while True:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                assert b"no Pong" in data
                break
            if opcode == websocket.ABNF.OPCODE_BINARY and _inflates_to(data) == "Ping":
                ws.send("Pong")
    assert not sim.journal.violations  # the client did its part


@pytest.mark.parametrize("kind", ["gzip", "truncated", "text"])
def test_corrupt_frame_sends_one_frame_that_cannot_be_read(
    sim: Simulator, http: requests.Session, account: Account, kind: str
) -> None:
    sim.inject(CorruptFrame(account=account, kind=kind))  # type: ignore[arg-type]
    with connect(sim.ws_url, new_key(http, sim, account)) as ws:
        sim.push(account, order("damaged"))
        sim.push(account, order("fine"))
        (opcode, data), (_, after) = data_frames(ws, 2)
        if kind == "text":
            assert opcode == websocket.ABNF.OPCODE_TEXT
            with pytest.raises(ValueError, match=r"Expecting|Unterminated|Extra|Invalid"):
                json.loads(data)
        else:
            assert opcode == websocket.ABNF.OPCODE_BINARY and _inflates_to(data) is None
        assert json.loads(zlib.decompress(after, wbits=31))["o"]["c"] == "fine"


def test_delay_duplicate_and_lose_act_on_events_in_order(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    with connect(sim.ws_url, new_key(http, sim, account)) as ws:
        sim.inject(LoseEvents(account=account))
        assert sim.push(account, order("lost")) == 0
        sim.inject(DuplicateFrame(account=account))
        sim.push(account, order("twice"))
        sim.inject(DelayFrames(account=account, seconds=0.2))
        sim.push(account, order("late"))
        sim.push(account, order("after"))  # queued behind the late one
        tags = [recv_event(ws)["o"]["c"] for _ in range(4)]
    assert tags == ["twice", "twice", "late", "after"]


def test_refuse_connect_with_a_status_or_with_the_error_frame(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    sim.inject(RefuseConnect(account=account, status=503))
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(sim.ws_url, key)
    assert refused.value.status_code == 503
    sim.inject(RefuseConnect(account=account))
    with connect(sim.ws_url, key) as ws:
        assert recv_event(ws)["code"] == 100401
        assert ws.recv_data(control_frame=True)[0] == websocket.ABNF.OPCODE_CLOSE
    with connect(sim.ws_url, key):  # both spent: the key itself was fine all along
        pass
    assert not sim.journal.violations


def test_expire_and_forget(sim: Simulator, http: requests.Session, account: Account) -> None:
    expiring, forgotten = new_key(http, sim, account), new_key(http, sim, account)
    with connect(sim.ws_url, expiring) as ws:
        assert sim.expire(expiring)
        assert recv_event(ws)["e"] == "listenKeyExpired"
    with connect(sim.ws_url, forgotten) as ws:
        assert sim.forget(forgotten)
        assert call(http, sim, "PUT", account, {"listenKey": forgotten}).status_code == 404
        assert sim.push(account, order("still here")) == 1  # the socket stays
        assert recv_event(ws)["o"]["c"] == "still here"
    assert not sim.expire(expiring) and not sim.forget("nope")


def test_faults_validate_their_fields() -> None:
    with pytest.raises(ValueError, match="times"):
        RestError(times=0)
    with pytest.raises(ValueError, match="method"):
        RestError(method="PATCHY")
    with pytest.raises(ValueError, match="kind"):
        CorruptFrame(kind="fire")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="account"):
        Drop(account=42)
    with pytest.raises(TypeError):
        Drop(None)  # type: ignore[call-arg]  # keyword-only


def test_a_silenced_socket_is_not_closed_for_missing_pongs(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(ping_interval=0.05, pong_timeout=0.2)
    account = sim.add_account()
    with connect(sim.ws_url, new_key(http, sim, account)) as ws:
        handle = sim.inject(Silence(account=account))
        ws.settimeout(0.6)  # three Pong timeouts without a Ping: still open
        with pytest.raises(websocket.WebSocketTimeoutException):
            _until_close_frame(ws)
        handle.clear()
    assert not sim.journal.violations


@pytest.mark.parametrize(("code_set", "code"), [("2025-10", 100410), ("legacy", 100410)])
def test_the_rate_limited_incident_answers_the_listen_key_rate_limit_error(
    make_sim: MakeSim, http: requests.Session, code_set: str, code: int
) -> None:
    sim = make_sim(error_codes=code_set)
    account = sim.add_account()
    INCIDENTS["rate-limited-renewal"].trigger(sim, account)
    answers = [call(http, sim, "POST", account).json().get("code") for _ in range(3)]
    assert answers == [code, code, None]  # two refusals, then a key
