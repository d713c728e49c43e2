"""AccountDataStream's receive loop against a scripted socket: the frames an exchange (or
a broken network) can send, in an order no simulator run would pin down. The socket is
what ``websocket.create_connection`` returns; everything else is the public API."""

from __future__ import annotations

import gzip
import json
import queue
import threading
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import websocket

from bingx import StreamException, events
from bingx.websocket import AccountDataStream

TEXT, BINARY, CLOSE = websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY, 8
KEY = "ab" * 32
Frame = tuple[int, bytes]


def gz(payload: dict[str, Any]) -> Frame:
    return BINARY, gzip.compress(json.dumps(payload).encode(), mtime=0)


def close_frame(code: int, reason: str = "") -> Frame:
    return CLOSE, code.to_bytes(2, "big") + reason.encode()


ORDER = {"e": "ORDER_TRADE_UPDATE", "E": 1, "o": {"s": "ETH-USDT", "i": 7}}


class ScriptedSocket:
    """Plays ``frames`` to ``recv_data`` in order, then blocks like a quiet socket until
    the client closes or aborts it. Answers the client's close as a server does, unless
    ``answers_close`` is false."""

    def __init__(self, *frames: Frame, answers_close: bool = True) -> None:
        self._frames: queue.SimpleQueue[Frame | BaseException] = queue.SimpleQueue()
        for frame in frames:
            self._frames.put(frame)
        self.answers_close = answers_close
        self.sent: list[str] = []
        self.send_error: OSError | None = None
        self.close_sent = self.aborted = self.shut_down = False

    def play(self, *frames: Frame) -> None:
        for frame in frames:
            self._frames.put(frame)

    # the websocket.WebSocket methods the stream uses
    def settimeout(self, timeout: float) -> None:
        self.timeout = timeout

    def recv_data(self) -> Frame:
        item = self._frames.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def send(self, text: str) -> None:
        if self.send_error is not None:
            raise self.send_error
        self.sent.append(text)

    def send_close(self) -> None:
        self.close_sent = True
        if self.answers_close:
            self._frames.put(close_frame(1000))

    def abort(self) -> None:
        self.aborted = True
        self._frames.put(ConnectionAbortedError("aborted"))

    def shutdown(self) -> None:
        self.shut_down = True


@pytest.fixture
def sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ScriptedSocket]]:
    """Each test appends the socket its next connect() gets."""
    ready: list[ScriptedSocket] = []
    used: list[ScriptedSocket] = []

    def create_connection(url: str, **options: Any) -> ScriptedSocket:
        assert url == f"wss://example.invalid/ws?listenKey={KEY}"
        used.append(ready.pop(0))
        return used[-1]

    monkeypatch.setattr(websocket, "create_connection", create_connection)
    yield ready
    for socket in used:  # no receive thread outlives its test
        socket.abort()


def opened(
    sockets: list[ScriptedSocket], socket: ScriptedSocket
) -> tuple[AccountDataStream, list[str]]:
    """A stream connected to ``socket``, and the errors its ``on_error`` received."""
    sockets.append(socket)
    stream = AccountDataStream(KEY, base_url="wss://example.invalid/ws")
    errors: list[str] = []
    stream.on_error(lambda error: errors.append(f"{type(error).__name__}: {error}"))
    stream.connect()
    return stream, errors


def test_heartbeats_are_answered_and_what_is_no_event_is_skipped(
    sockets: list[ScriptedSocket],
) -> None:
    socket = ScriptedSocket(
        (TEXT, b"Ping"),
        (TEXT, b'{"ping": "5d1c", "time": "2024-01-01T08:00:00.000+0800"}'),  # spot's
        (TEXT, b"[1, 2]"),  # JSON, but no object
        (TEXT, b'{"pong": "5d1c"}'),  # an echo
        (TEXT, b'{"id": "9", "code": 0, "msg": ""}'),  # a subscription's ack
        (BINARY, zlib.compress(json.dumps(ORDER).encode())),  # a zlib header is fine too
        (TEXT, json.dumps({**ORDER, "E": 2}).encode()),  # and a plain text frame
        (TEXT, b"<html>bad gateway</html>"),
        (BINARY, b"\x1f\x8b not gzip"),
        (CLOSE, b""),  # a close frame without a code
    )
    stream, errors = opened(sockets, socket)
    assert stream.wait_closed(5)
    assert socket.sent == [
        "Pong",
        json.dumps({"pong": "5d1c", "time": "2024-01-01T08:00:00.000+0800"}),
    ]
    first = stream.next_event(events.OrderUpdate, timeout=0)
    second = stream.next_event(events.OrderUpdate, timeout=0)
    assert (first.event_time, second.event_time, first.order_id) == (1, 2, 7)
    with pytest.raises(TimeoutError, match="queued: nothing"):
        stream.next_event(timeout=0)
    assert errors[0] == "StreamException: unparseable frame: '<html>bad gateway</html>'"
    assert errors[1].startswith("StreamException: undecodable frame: ")
    assert len(errors) == 2
    assert (stream.close_code, stream.close_reason) == (1005, "")
    assert socket.shut_down and not stream.connected


def test_a_pong_that_cannot_be_sent_loses_the_connection(sockets: list[ScriptedSocket]) -> None:
    socket = ScriptedSocket((TEXT, b"Ping"))
    socket.send_error = BrokenPipeError(32, "Broken pipe")
    closed = threading.Event()
    stream = AccountDataStream(KEY, base_url="wss://example.invalid/ws")
    stream.on_close(closed.set)
    errors: list[Exception] = []
    stream.on_error(errors.append)
    sockets.append(socket)
    stream.connect()
    assert closed.wait(5)
    assert stream.close_reason == "connection lost: [Errno 32] Broken pipe"
    assert [(type(e), str(e)) for e in errors] == [(StreamException, stream.close_reason)]


def test_a_handler_may_disconnect_and_then_nothing_is_an_error(
    sockets: list[ScriptedSocket],
) -> None:
    # The handler's disconnect() sends the close; the Ping after it meets a socket that
    # is going away, which is no error.
    socket = ScriptedSocket(gz(ORDER), (TEXT, b"Ping"), answers_close=False)
    sockets.append(socket)
    stream = AccountDataStream(KEY, base_url="wss://example.invalid/ws")
    errors: list[Exception] = []
    stream.on_error(errors.append)

    def stop(order: dict[str, Any]) -> None:
        socket.send_error = OSError("the socket is closing")
        stream.disconnect()  # on the receive thread: sends the close, does not wait

    stream.on_order_update(stop)
    stream.connect()
    assert stream.wait_closed(5)
    assert socket.close_sent and not socket.aborted
    assert errors == [] and stream.close_reason == ""
    assert stream.next_event(events.OrderUpdate, timeout=0).order_id == 7


def test_disconnect_cuts_a_socket_whose_server_never_answers_the_close(
    sockets: list[ScriptedSocket],
) -> None:
    socket = ScriptedSocket(answers_close=False)
    stream, errors = opened(sockets, socket)
    stream.disconnect(timeout=0.05)
    assert socket.close_sent and socket.aborted
    assert stream.wait_closed(5) and not stream.connected
    assert errors == []  # we cut it: no "connection lost"


def test_connect_and_disconnect_in_any_order(sockets: list[ScriptedSocket]) -> None:
    stream = AccountDataStream(KEY, base_url="wss://example.invalid/ws")
    stream.disconnect()  # never connected: nothing to do
    with pytest.raises(StreamException, match="connect"):
        stream.subscribe("ACCOUNT_UPDATE")
    socket = ScriptedSocket()
    sockets.append(socket)
    stream.listen_async()
    stream.connect()  # already connected: the same socket, no second one
    assert stream.connected and sockets == []
    stream.subscribe("spot.executionReport")
    (request,) = map(json.loads, socket.sent)
    assert (request["reqType"], request["dataType"]) == ("sub", "spot.executionReport")
    stream.disconnect()
    assert not stream.connected
    with pytest.raises(StreamException, match="create a new one"):
        stream.connect()


def test_listen_returns_when_the_stream_closes(sockets: list[ScriptedSocket]) -> None:
    socket = ScriptedSocket(gz(ORDER), close_frame(1000, "bye"))
    sockets.append(socket)
    stream = AccountDataStream(KEY, base_url="wss://example.invalid/ws")
    stream.listen()
    assert (stream.close_code, stream.close_reason) == (1000, "bye")
    assert stream.next_event(events.OrderUpdate, timeout=0).symbol == "ETH-USDT"


def test_ctrl_c_during_listen_disconnects_and_propagates(sockets: list[ScriptedSocket]) -> None:
    listener = threading.get_ident()

    class CtrlCOnFirstWait(threading.Event):
        interrupted = False

        def wait(self, timeout: float | None = None) -> bool:
            if threading.get_ident() == listener and not self.interrupted:
                self.interrupted = True
                raise KeyboardInterrupt
            return super().wait(timeout)

    socket = ScriptedSocket()
    sockets.append(socket)
    stream = AccountDataStream(KEY, base_url="wss://example.invalid/ws")
    stream._done = CtrlCOnFirstWait()
    with pytest.raises(KeyboardInterrupt):
        stream.listen()
    assert socket.close_sent and stream.wait_closed(0)
    assert stream.close_code == 1000


def test_balances_and_positions_reach_only_their_handlers(sockets: list[ScriptedSocket]) -> None:
    position = {"s": "ETH-USDT", "pa": "1"}
    balance = {"a": "USDT", "wb": "10"}
    socket = ScriptedSocket(
        gz({"e": "ACCOUNT_UPDATE", "E": 1, "a": {"m": "ORDER", "P": [position]}}),
        gz({"e": "ACCOUNT_UPDATE", "E": 2, "a": {"m": "DEPOSIT", "B": [balance]}}),
        close_frame(1000),
    )
    got: dict[str, list[Any]] = {"balance": [], "position": []}
    sockets.append(socket)
    stream = AccountDataStream(KEY, base_url="wss://example.invalid/ws")
    stream.on_balance_update(got["balance"].append)
    stream.on_position_update(got["position"].append)
    stream.connect()
    assert stream.wait_closed(5)
    assert got == {"balance": [[balance]], "position": [[position]]}


def test_an_error_handler_that_raises_is_not_called_again(
    sockets: list[ScriptedSocket],
) -> None:
    calls: list[Exception] = []

    def broken(error: Exception) -> None:
        calls.append(error)
        raise RuntimeError("the user's error handler is broken too")

    socket = ScriptedSocket((TEXT, b"not json"), gz(ORDER), close_frame(1000))
    sockets.append(socket)
    stream = AccountDataStream(KEY, base_url="wss://example.invalid/ws")
    stream.on_error(broken)
    stream.connect()
    assert stream.wait_closed(5)
    assert [str(e) for e in calls] == ["unparseable frame: 'not json'"]
    assert stream.next_event(events.OrderUpdate, timeout=0).order_id == 7  # it went on


@pytest.mark.asyncio
async def test_next_event_async_skips_other_kinds_and_fails_at_once_when_closed(
    sockets: list[ScriptedSocket],
) -> None:
    expired = {"e": "listenKeyExpired", "E": 3, "listenKey": KEY}
    socket = ScriptedSocket(gz(ORDER), gz(expired), close_frame(1000, "listenKeyExpired"))
    stream, _ = opened(sockets, socket)
    assert stream.wait_closed(5)
    got = await stream.next_event_async(events.ListenKeyExpired, timeout=5)
    assert got.listen_key == KEY
    with pytest.raises(TimeoutError, match="no ConfigUpdate within 5 s; queued: OrderUpdate"):
        await stream.next_event_async(events.ConfigUpdate, timeout=5)
