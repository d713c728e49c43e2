"""A Hypothesis state machine drives random sequences of generate, extend, delete,
connect, disconnect, push, advance and reset over two accounts against the running
simulator, and checks it against a plain model after every step:

* a key is usable (extend works, a socket opens) iff it is active and unexpired on the
  exchange clock; expired or deleted keys never come back;
* ``listen_keys()`` agrees with the model: owner, state and expiry of every key;
* every event pushed to a product reaches each open socket of that product of its
  account exactly once, in order, and no socket ever sees another account's events;
  an expiring key's sockets get ``listenKeyExpired`` and a close frame.

The wall clock under the exchange clock is fixed, so only ``advance`` moves time and the
model can say exactly which keys are due.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from websocket import ABNF, WebSocketBadStatusException

from bingx_sim import Account, Simulator, defaults

from ..wire import ClosingWebSocket, call, connect

TTL_MS = int(defaults.KEY_TTL.total_seconds() * 1000)
START_MS = 1_800_000_000_000
ACCOUNTS = (Account("machine-a", "secret-a"), Account("machine-b", "secret-b"))


class FixedWall:
    """A wall clock that stands still: only ``advance`` moves the exchange clock."""

    def now_ms(self) -> int:
        return START_MS


@dataclass
class ModelKey:
    owner: Account
    state: str = "active"
    expires_ms: int = 0


@dataclass
class Sock:
    ws: ClosingWebSocket
    key: str
    owner: Account
    product: str
    expected: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def machine_sim() -> Iterator[Simulator]:
    with Simulator(
        clock=FixedWall(), seed_accounts=ACCOUNTS, pong_timeout=600, snapshots=False
    ) as sim:
        yield sim


def _frames_until(ws: ClosingWebSocket, *, pong: bytes | None) -> tuple[list[Any], int | None]:
    """JSON frames (heartbeats skipped) until our ping's pong, or until the close frame:
    the frames and the close code (None when it ended at the pong)."""
    got: list[Any] = []
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == ABNF.OPCODE_CLOSE:
            return got, int.from_bytes(data[:2], "big")
        if opcode == ABNF.OPCODE_PONG and data == pong:
            return got, None
        if opcode == ABNF.OPCODE_BINARY:
            text = zlib.decompress(data, wbits=31).decode()
            if text != "Ping":
                got.append(json.loads(text))


class ExchangeMachine(RuleBasedStateMachine):
    keys = Bundle("keys")

    def __init__(self, sim: Simulator, http: requests.Session) -> None:
        super().__init__()
        self.sim, self.http = sim, http
        sim.reset()
        self.now = sim.now_ms()
        self.model: dict[str, ModelKey] = {}
        self.sockets: list[Sock] = []
        self.pushed = 0

    # helpers ---------------------------------------------------------------------------

    def _live(self, key: str) -> bool:
        found = self.model.get(key)
        return found is not None and found.state == "active"

    def _expire_due(self) -> list[str]:
        due = [k for k, m in self.model.items() if m.state == "active" and m.expires_ms <= self.now]
        for key in due:
            self.model[key].state = "expired"
        return due

    def _check_closed(self, sock: Sock, code: int, last: dict[str, Any] | None = None) -> None:
        """The socket's remaining frames are what the model expects, then a close."""
        frames, closed = _frames_until(sock.ws, pong=None)
        events = [f for f in frames if f.get("e") != "listenKeyExpired"]
        assert [e["o"]["c"] for e in events] == sock.expected
        if last is not None:
            assert (
                frames
                and frames[-1]["e"] == last["e"]
                and frames[-1]["listenKey"] == last["listenKey"]
            )
        assert closed == code
        sock.ws.shutdown()  # type: ignore[no-untyped-call]
        self.sockets.remove(sock)

    # rules ------------------------------------------------------------------------------

    @rule(target=keys, who=st.sampled_from(ACCOUNTS))
    def generate(self, who: Account) -> str:
        response = call(self.http, self.sim, "POST", who)
        assert response.status_code == 200
        key = str(response.json()["listenKey"])
        assert key not in self.model, "a listen key was issued twice"
        self.model[key] = ModelKey(who, expires_ms=self.now + TTL_MS)
        return key

    @rule(key=keys, who=st.sampled_from(ACCOUNTS))
    def extend(self, key: str, who: Account) -> None:
        status = call(self.http, self.sim, "PUT", who, {"listenKey": key}).status_code
        usable = self._live(key) and self.model[key].owner == who
        assert status == (200 if usable else 404)
        if usable:
            self.model[key].expires_ms = self.now + TTL_MS

    @rule(key=keys, who=st.sampled_from(ACCOUNTS))
    def delete(self, key: str, who: Account) -> None:
        status = call(self.http, self.sim, "DELETE", who, {"listenKey": key}).status_code
        usable = self._live(key) and self.model[key].owner == who
        assert status == (200 if usable else 404)
        if usable:
            self.model[key].state = "deleted"
            for sock in [s for s in self.sockets if s.key == key]:
                self._check_closed(sock, 1000)

    @precondition(lambda self: len(self.sockets) < 5)
    @rule(key=keys, coin_m=st.booleans())
    def connect(self, key: str, coin_m: bool) -> None:
        url = self.sim.coinm_ws_url if coin_m else self.sim.ws_url
        if not self._live(key):
            with pytest.raises(WebSocketBadStatusException) as refused:
                connect(url, key, timeout=5)
            assert refused.value.status_code == 404
            return
        product = "coinm" if coin_m else "swap"
        self.sockets.append(Sock(connect(url, key, timeout=5), key, self.model[key].owner, product))

    @precondition(lambda self: self.sockets)
    @rule(index=st.integers(min_value=0))
    def disconnect(self, index: int) -> None:
        sock = self.sockets.pop(index % len(self.sockets))
        sock.ws.ping(b"drain")
        frames, closed = _frames_until(sock.ws, pong=b"drain")
        assert closed is None and [f["o"]["c"] for f in frames] == sock.expected
        sock.ws.close(timeout=2)
        sock.ws.shutdown()  # type: ignore[no-untyped-call]

    @rule(who=st.sampled_from(ACCOUNTS), product=st.sampled_from(["swap", "coinm"]))
    def push(self, who: Account, product: str) -> None:
        self.pushed += 1
        marker = f"{who.api_key}-{self.pushed}"
        event = {"e": "ORDER_TRADE_UPDATE", "E": self.now, "o": {"s": "BTC-USDT", "c": marker}}
        delivered = self.sim.push(who, event, product=product)
        receivers = [
            s for s in self.sockets if s.owner == who and s.product == product and self._live(s.key)
        ]
        assert delivered == len(receivers)
        for sock in receivers:
            sock.expected.append(marker)

    @rule(minutes=st.integers(min_value=0, max_value=90))
    def advance(self, minutes: int) -> None:
        expired = self.sim.advance(minutes * 60)
        self.now += minutes * 60_000
        assert sorted(expired) == sorted(self._expire_due())
        for sock in [s for s in self.sockets if s.key in expired]:
            self._check_closed(sock, 1000, {"e": "listenKeyExpired", "listenKey": sock.key})

    @rule()
    def reset(self) -> None:
        self.sim.reset()
        for sock in list(self.sockets):
            self._check_closed(sock, 1001)
        self.model.clear()
        self.now = START_MS  # reset forgets the clock offset too

    # invariants ---------------------------------------------------------------------------

    @invariant()
    def the_exchange_agrees_with_the_model(self) -> None:
        held = {k.key: k for k in self.sim.listen_keys()}
        assert held.keys() == self.model.keys()
        for key, model in self.model.items():
            real = held[key]
            assert real.owner == model.owner.api_key and real.state.value == model.state
            if model.state == "active":
                assert real.expires_at_ms == model.expires_ms

    def teardown(self) -> None:
        for sock in self.sockets:
            sock.ws.shutdown()  # type: ignore[no-untyped-call]


def test_the_simulator_behaves_like_the_model(machine_sim: Simulator) -> None:
    with requests.Session() as http:

        class OnThisSimulator(ExchangeMachine):
            def __init__(self) -> None:
                super().__init__(machine_sim, http)

        run_state_machine_as_test(
            OnThisSimulator,
            settings=settings(
                settings(),
                stateful_step_count=25,
                max_examples=max(10, settings().max_examples // 4),
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
