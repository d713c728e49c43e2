"""One client that stops reading must never wedge the exchange for anyone else.

Black-box: a raw TCP client completes the websocket handshake and then never reads, with
a tiny receive buffer so the kernel pushes back at once. Everything else goes through
the public API and real sockets.
"""

from __future__ import annotations

import base64
import os
import secrets
import socket
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from freezegun import freeze_time

from bingx_clocks import real_monotonic
from bingx_sim import Account, SimError, Simulator, WsEvent, events
from tests.integration.conftest import MakeSim
from tests.wire import connect, new_key, recv_event

LIMIT = 256 * 1024  # a small outbox, so a test overflows it in a few pushes


class SilentClient:
    """A websocket client that completes the upgrade and then never reads a byte."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("ws://").split("/")[0].split(":")
        path = "/" + url.removeprefix("ws://").split("/", 1)[1]
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(5)
        self.sock.connect((host, int(port)))
        nonce = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {nonce}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:  # the 101 answer only; frames stay unread
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def read_until_dropped(self) -> str:
        """Read what piled up until the server cuts the connection: "reset" or "eof".
        A connection that stays open raises ``TimeoutError`` after 5 s of silence."""
        try:
            while self.sock.recv(1 << 20):
                pass
        except ConnectionResetError:
            return "reset"
        return "eof"

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def silent() -> Iterator[Callable[[str], SilentClient]]:
    made: list[SilentClient] = []

    def make(url: str) -> SilentClient:
        made.append(SilentClient(url))
        return made[-1]

    yield make
    for client in made:
        client.close()


def big_event() -> dict[str, Any]:
    """About 40 KiB on the wire: random hex does not gzip away."""
    return events.order_trade_update(client_order_id=secrets.token_hex(32 * 1024))


def push_until_dropped(sim: Simulator, account: Account, limit: int = 2000) -> int:
    for n in range(limit):
        sim.push(account, big_event())
        if any(e.kind == "close" for e in sim.journal.sockets):
            return n + 1
    raise AssertionError(f"a client that never reads was not dropped after {limit} pushes")


def within_a_second(work: Callable[[], object]) -> None:
    started = real_monotonic()
    work()
    assert real_monotonic() - started < 1.0


def test_a_client_that_never_reads_is_dropped_and_nobody_else_waits(
    make_sim: MakeSim, http: requests.Session, silent: Callable[[str], SilentClient]
) -> None:
    sim = make_sim(max_outbox_bytes=LIMIT, pong_timeout=60)
    slow, other = sim.add_account(), sim.add_account()
    client = silent(f"{sim.ws_url}?listenKey={new_key(http, sim, slow)}")
    for _ in range(40):  # enough to fill the socket buffers, not yet the outbox
        within_a_second(lambda: sim.push(slow, big_event()))
    other_key = new_key(http, sim, other)
    within_a_second(lambda: new_key(http, sim, other))
    within_a_second(
        lambda: http.put(
            f"{sim.rest_url}/openApi/user/auth/userDataStream",
            params={"listenKey": other_key},
            headers={"X-BX-APIKEY": other.api_key},
            timeout=1,
        )
    )
    within_a_second(lambda: sim.advance(1, timeout=1))
    within_a_second(sim.listen_keys)

    pushes = push_until_dropped(sim, slow)
    closed = sim.journal.wait_for(lambda e: isinstance(e, WsEvent) and e.kind == "close")
    assert isinstance(closed, WsEvent) and closed.code == 1006
    assert closed.violation is not None and "slow consumer" in closed.violation
    assert client.read_until_dropped() in ("reset", "eof")
    assert pushes < 2000
    within_a_second(sim.reset)
    within_a_second(sim.stop)


def test_stop_and_reset_return_promptly_with_a_stuck_client(
    make_sim: MakeSim, http: requests.Session, silent: Callable[[str], SilentClient]
) -> None:
    sim = make_sim(pong_timeout=60)  # the default 4 MiB outbox: the client stays stuck
    account, idle = sim.add_account(), sim.add_account()
    silent(f"{sim.ws_url}?listenKey={new_key(http, sim, account)}")
    # This one never reads either, but has nothing queued: it gets close_grace to answer.
    silent(f"{sim.ws_url}?listenKey={new_key(http, sim, idle)}")
    for _ in range(60):
        sim.push(account, big_event())
    assert not [e for e in sim.journal.sockets if e.kind == "close"]
    within_a_second(sim.reset)
    within_a_second(sim.stop)


def test_a_bare_tick_still_expires_other_keys_while_a_client_is_stuck(
    make_sim: MakeSim, http: requests.Session, silent: Callable[[str], SilentClient]
) -> None:
    with freeze_time("2026-03-01 12:00:00") as frozen:
        sim = make_sim(max_outbox_bytes=LIMIT, pong_timeout=3600)
        slow, other = sim.add_account(), sim.add_account()
        silent(f"{sim.ws_url}?listenKey={new_key(http, sim, slow)}")
        other_key = new_key(http, sim, other)
        with connect(sim.ws_url, other_key) as ws:
            for _ in range(40):
                sim.push(slow, big_event())
            frozen.tick(timedelta(minutes=61))  # no settle(): the watcher must notice
            frame = recv_event(ws)
            assert frame == {"e": "listenKeyExpired", "E": frame["E"], "listenKey": other_key}


def test_pushes_that_time_out_leave_memory_bounded(
    make_sim: MakeSim, http: requests.Session, silent: Callable[[str], SilentClient]
) -> None:
    sim = make_sim(max_outbox_bytes=LIMIT, pong_timeout=3600)
    account = sim.add_account()
    silent(f"{sim.ws_url}?listenKey={new_key(http, sim, account)}")
    payload = big_event()
    outcomes: dict[str, int] = {"applied": 0, "timed out": 0}
    messages: set[str] = set()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(600):
            try:
                sim.push(account, payload, timeout=0)
                outcomes["applied"] += 1
            except TimeoutError as error:
                messages.add(str(error))
                outcomes["timed out"] += 1
        # One round trip lets the loop run (and drop) the calls it had not reached:
        # what is measured is what stays, not what was still queued.
        sim.settle()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcomes["timed out"] > 0, outcomes
    # Either never applied, or applied with its frames still being written: both say so.
    assert all(
        "nothing changed" in m or "was applied, but its frames were not all written" in m
        for m in messages
    ), messages
    # The journal keeps the frames' text; the outbox and the transport hold at most
    # LIMIT and one frame of gzip bytes. 600 frames of 64 KiB would be 38 MiB.
    journal_text = sum(len(f.text) for f in sim.journal.frames)
    assert after - before < journal_text * 2 + 4 * LIMIT, (after - before, outcomes)


class BlockingClock:
    """An exchange clock that can hold the simulator's loop still, or fail once."""

    def __init__(self) -> None:
        self.ms = 1_800_000_000_000
        self.hold = threading.Event()
        self.held = threading.Event()
        self.release = threading.Event()
        self.failures = 0

    def now_ms(self) -> int:
        if threading.current_thread().name == "bingx-sim":
            if self.failures:
                self.failures -= 1
                raise OSError("the clock broke")
            if self.hold.is_set():
                self.held.set()
                self.release.wait(10)
        return self.ms


def test_a_push_that_times_out_was_not_applied(make_sim: MakeSim, http: requests.Session) -> None:
    clock = BlockingClock()
    sim = make_sim(clock=clock, watch_interval=0.01)
    account = sim.add_account()
    with connect(sim.ws_url, new_key(http, sim, account)) as ws:
        clock.hold.set()
        assert clock.held.wait(5)  # the watcher is stuck inside a sweep: the loop is busy
        with pytest.raises(TimeoutError, match=r"Simulator.push\(\) was not applied"):
            sim.push(account, events.order_trade_update(symbol="LOST-USDT"), timeout=0.1)
        clock.hold.clear()
        clock.release.set()
        sim.push(account, events.order_trade_update(symbol="KEPT-USDT"))
        assert recv_event(ws)["o"]["s"] == "KEPT-USDT"
    assert not [f for f in sim.journal.frames if "LOST-USDT" in f.text]


def test_the_watcher_survives_a_failed_sweep(make_sim: MakeSim, http: requests.Session) -> None:
    clock = BlockingClock()
    sim = make_sim(clock=clock, watch_interval=0.01)
    account = sim.add_account()
    key = new_key(http, sim, account)
    with connect(sim.ws_url, key) as ws:
        sim.journal.wait_for(lambda e: isinstance(e, WsEvent) and e.kind == "open")
        clock.failures = 1  # now only the watcher reads the clock
        failed = sim.journal.wait_for(lambda e: isinstance(e, SimError))
        assert isinstance(failed, SimError) and failed.where == "the expiry watcher"
        assert "OSError: the clock broke" in failed.error
        clock.ms += 61 * 60 * 1000  # no settle(): only the watcher can notice
        assert recv_event(ws) == {"e": "listenKeyExpired", "E": clock.ms, "listenKey": key}
    assert any("simulator error" in p for p in sim.unexpected_errors())


def test_the_control_api_stays_prompt_with_a_stuck_client(
    make_sim: MakeSim, http: requests.Session, silent: Callable[[str], SilentClient]
) -> None:
    sim = make_sim(pong_timeout=60)
    account = sim.add_account()
    silent(f"{sim.ws_url}?listenKey={new_key(http, sim, account)}")
    for _ in range(60):  # the socket buffers are full; the 4 MiB outbox is not
        sim.push(account, big_event())
    control = f"{sim.rest_url}/_sim"
    order = {"e": "ORDER_TRADE_UPDATE", "o": {"c": secrets.token_hex(1024)}}
    for path, body in (
        (f"accounts/{account.api_key}/events", order),
        ("clock", {"advance": 1}),
        ("reset", {}),
    ):
        answer = http.post(f"{control}/{path}", json=body, timeout=1)
        assert answer.status_code == 200, answer.text
