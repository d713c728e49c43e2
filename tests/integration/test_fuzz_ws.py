"""Hypothesis fuzz of what a client may send on the swap, coin-M and spot account
sockets: text and binary frames, every JSON type, nesting, invalid UTF-8, oversized
messages and gzip bombs. Every message gets the documented answer and the socket stays
open, or the socket is closed *with a close frame* carrying the RFC 6455 code; never a
dropped connection, never an error in the log.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websocket import ABNF

from bingx_sim import Simulator, defaults
from bingx_sim.rules.event_types import SPOT_TOPICS

from ..wire import ClosingWebSocket, connect, new_key

CLOSE, PONG = ABNF.OPCODE_CLOSE, ABNF.OPCODE_PONG


@dataclass
class World:
    sim: Simulator
    key: str
    records: list[logging.LogRecord]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(logging.WARNING)
    loggers = [logging.getLogger(name) for name in ("aiohttp", "bingx_sim")]
    for logger in loggers:
        logger.addHandler(handler)
    with Simulator(snapshots=False) as sim, requests.Session() as http:  # frame by frame
        yield World(sim, new_key(http, sim, sim.add_account()), records)
    for logger in loggers:
        logger.removeHandler(handler)


class Message:
    """One client message and what the server must make of it."""

    def __init__(
        self, opcode: int, payload: bytes, text: str | None, close: int | None = None
    ) -> None:
        self.opcode = opcode
        self.payload = payload
        self.text = text  # what the server reads; None when it must close instead
        self.close = close  # the close code expected instead of an answer

    def __repr__(self) -> str:  # short, even for a megabyte of payload
        kind = "text" if self.opcode == ABNF.OPCODE_TEXT else "binary"
        return (
            f"Message({kind}, {len(self.payload)} bytes, {self.payload[:60]!r}, close={self.close})"
        )


_LIMIT = defaults.MAX_CLIENT_MESSAGE
_BOMB = zlib.compress(b"[" * (_LIMIT + 1), 9, wbits=31)  # a few KiB inflating past the cap


class _Short(str):
    """A string whose repr stays short, so Hypothesis can report a 200 KB example."""

    def __repr__(self) -> str:
        return (
            f"{str.__repr__(self[:40])}... ({len(self)} chars)"
            if len(self) > 60
            else super().__repr__()
        )


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
_spot_shaped = st.fixed_dictionaries(
    {},
    optional={
        "id": _json_values,
        "reqType": st.sampled_from(["sub", "unsub", "SUB", ""]) | _json_values,
        "dataType": st.sampled_from(sorted(SPOT_TOPICS)) | _json_values,
        "pong": _json_values,
    },
)
_texts = st.one_of(
    st.sampled_from(["Pong", "pong", "Ping", "hello", "", "{", "[" * 5000, "[" * 200_000]).map(
        _Short
    ),
    st.text(max_size=200),
    _json_values.map(json.dumps),
    _spot_shaped.map(json.dumps),
)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    kind = draw(st.sampled_from(["text", "gzip", "binary", "bad-utf8", "oversize", "bomb"]))
    if kind == "oversize":
        return Message(ABNF.OPCODE_TEXT, b"x" * (_LIMIT + 1), None, close=1009)
    if kind == "bomb":
        return Message(ABNF.OPCODE_BINARY, _BOMB, None, close=1009)
    if kind == "bad-utf8":
        raw = draw(st.binary(min_size=1, max_size=50)) + b"\xff"
        return Message(ABNF.OPCODE_TEXT, raw, None, close=1007)
    if kind == "binary":  # not gzip: read as UTF-8 with replacements
        raw = draw(st.binary(max_size=100).filter(lambda b: b[:2] != b"\x1f\x8b"))
        return Message(ABNF.OPCODE_BINARY, raw, raw.decode("utf-8", "replace"))
    text = draw(_texts)
    if kind == "gzip":
        return Message(ABNF.OPCODE_BINARY, zlib.compress(text.encode(), wbits=31), text)
    return Message(ABNF.OPCODE_TEXT, text.encode(), text)


_TOO_DEEP = object()  # JSON nested past the parser's depth: still JSON (80014 on swap)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        return _TOO_DEEP
    except ValueError:
        return None


def expected_answer(stream: str, text: str) -> tuple[int, str] | None:
    """The documented answer (code, echoed id) to one message, or None for a pong."""
    parsed = _loads(text)
    pong = text == "Pong" or (text == "pong" and stream in ("spot", "coinm"))
    if stream != "spot":
        if pong or (parsed is None and text.strip() != "null"):
            return None  # a Pong, or stray text that is not JSON: no answer
        has_id = isinstance(parsed, dict) and isinstance(parsed.get("id"), str)
        return 80014, parsed["id"] if has_id else ""
    if pong or (isinstance(parsed, dict) and "pong" in parsed):
        return None
    if not isinstance(parsed, dict):
        return 100400, ""
    request_id = str(parsed.get("id", ""))
    topic, req_type = parsed.get("dataType"), parsed.get("reqType", "sub")
    if isinstance(topic, str) and topic in SPOT_TOPICS and req_type in ("sub", "unsub"):
        return 0, request_id
    return 100400, request_id


def _answers_until_pong(ws: ClosingWebSocket) -> list[dict[str, Any]] | int:
    """The JSON frames before our probe's pong (heartbeats skipped), or the close code."""
    answers: list[dict[str, Any]] = []
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == CLOSE:
            return int.from_bytes(data[:2], "big")
        if opcode == PONG and data == b"probe":
            return answers
        if opcode == ABNF.OPCODE_BINARY:
            frame = json.loads(zlib.decompress(data, wbits=31))
            if frame == "Ping" or (isinstance(frame, dict) and "ping" in frame):
                continue
            if isinstance(frame, dict) and frame.get("e") == "ACCOUNT_UPDATE":
                continue  # the INIT overview after a spot ACCOUNT_UPDATE subscription
            answers.append(frame)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stream=st.sampled_from(["swap", "coinm", "spot"]), message=messages())
def test_every_message_gets_its_documented_answer_or_a_close_frame(
    world: World, stream: str, message: Message
) -> None:
    url = {"swap": world.sim.ws_url, "coinm": world.sim.coinm_ws_url}.get(
        stream, world.sim.spot_ws_url
    )
    seen = {id(entry) for entry in world.sim.journal}
    with connect(url, world.key, timeout=5) as ws:
        ws.send(message.payload, message.opcode)
        if message.close is None:  # a socket being closed may reset on a further send
            ws.ping(b"probe")
        outcome = _answers_until_pong(ws)
    if message.text is None:
        assert outcome == message.close, outcome
        closed = world.sim.journal.wait_for(
            lambda e: id(e) not in seen and getattr(e, "kind", "") == "close"
        )
        assert getattr(closed, "code", None) == message.close, closed
        assert closed.violation, "a refused message is the client's mistake"
    else:
        assert isinstance(outcome, list), f"socket closed {outcome} on {message.text[:80]!r}"
        expected = expected_answer(stream, message.text)
        codes = [(frame.get("code"), frame.get("id")) for frame in outcome]
        assert codes == ([] if expected is None else [expected])
    assert not [r for r in world.records if r.levelno >= logging.ERROR], [
        r.getMessage() for r in world.records
    ]
    assert not [e for e in world.sim.journal if str(e).startswith("simulator error")]
