"""``bingx_sim.sdk_stream``: the SDK's AccountDataStream made to read BingX's frames."""

from __future__ import annotations

import json
import zlib
from typing import Any

from bingx_sim.sdk_stream import decode_frame, gzip_aware


def gz(text: str) -> bytes:
    packer = zlib.compressobj(wbits=31)
    return packer.compress(text.encode()) + packer.flush()


class FakeCore:
    """websocket-client's WebSocket, as far as the helper uses it."""

    def __init__(self) -> None:
        self.shut = 0

    def shutdown(self) -> None:
        self.shut += 1


class FakeApp:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.sock: FakeCore | None = FakeCore()

    def send(self, data: str) -> None:
        self.sent.append(data)


class FakeSdkStream:
    """The SDK's AccountDataStream's handler methods, recording what reaches them."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def _on_open(self, ws: Any) -> None:
        self.seen.append("open")

    def _on_message(self, ws: Any, message: Any) -> None:
        self.seen.append(json.loads(message))

    def _on_close(self, ws: Any, code: Any, reason: Any) -> None:
        self.seen.append(("close", code, reason))


def test_decode_frame() -> None:
    assert decode_frame(gz('{"e":"x"}')) == '{"e":"x"}'
    assert decode_frame(bytearray(b"plain")) == "plain"
    assert decode_frame("text") == "text"


def test_gzip_aware_unzips_answers_pings_and_closes_the_socket() -> None:
    events: list[dict[str, Any]] = []
    stream = gzip_aware(FakeSdkStream(), on_event=events.append)
    app = FakeApp()
    core = app.sock
    assert core is not None
    stream._on_open(app)
    stream._on_message(app, gz("Ping"))
    stream._on_message(app, gz('{"e":"listenKeyExpired","listenKey":"k"}'))
    stream._on_message(app, "[1]")  # JSON, but not an event: the SDK still gets it
    assert app.sent == ["Pong"]
    assert events == [{"e": "listenKeyExpired", "listenKey": "k"}]
    assert stream.seen == ["open", {"e": "listenKeyExpired", "listenKey": "k"}, [1]]
    app.sock = None  # websocket-client forgets its socket before calling on_close
    stream._on_close(app, 1000, "bye")
    assert core.shut == 1 and stream.seen[-1] == ("close", 1000, "bye")
    stream._on_close(app, None, None)  # a second close shuts nothing twice
    assert core.shut == 1


def test_gzip_aware_without_a_socket_yet_and_text_that_is_not_json() -> None:
    stream = gzip_aware(FakeTextStream(), on_event=lambda event: None)
    app = FakeApp()
    app.sock = None
    stream._on_open(app)  # no socket: nothing held, nothing to shut later
    stream._on_message(app, gz("not json"))
    stream._on_close(app, None, None)
    assert stream.received == ["not json"]
    assert gzip_aware(FakeTextStream()) is not None  # on_event is optional


class FakeTextStream:
    def __init__(self) -> None:
        self.received: list[Any] = []

    def _on_open(self, ws: Any) -> None:
        pass

    def _on_message(self, ws: Any, message: Any) -> None:
        self.received.append(message)

    def _on_close(self, ws: Any, code: Any, reason: Any) -> None:
        pass
