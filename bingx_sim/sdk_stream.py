"""Reading BingX's account stream with the bingx-python SDK (2.1.7) kept.

The SDK's ``AccountDataStream`` expects text frames, but BingX sends every frame as
gzip-compressed binary, and drops a socket that does not answer its ``Ping`` with
``Pong`` (``docs/contract.md``): the SDK's handlers never see an event, and the socket
dies after about 30 s. :func:`gzip_aware` fixes both on one stream, on the real exchange
as on the simulator::

    from bingx.websocket import AccountDataStream
    from bingx_sim.sdk_stream import gzip_aware

    stream = gzip_aware(AccountDataStream(listen_key), on_event=my_events.append)
    stream.on_order_update(handle_order)
    stream.connect()
    stream.listen_async()

This module imports only the standard library (and not the SDK), so production code
may import it; or copy it, it is short.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

__all__ = ["decode_frame", "gzip_aware"]

GZIP_MAGIC = b"\x1f\x8b"


def decode_frame(message: bytes | bytearray | str) -> str:
    """One account-stream message as text: a gzip binary frame un-gzipped, any other
    binary frame read as UTF-8, a text frame as it is."""
    if isinstance(message, str):
        return message
    data = bytes(message)
    if data[:2] == GZIP_MAGIC:
        data = zlib.decompress(data, wbits=31)
    return data.decode("utf-8")


class _Socket(Protocol):
    def send(self, data: str) -> Any: ...


S = TypeVar("S")
"""The SDK's ``AccountDataStream`` (not imported here): the helper sets its
``_on_open``, ``_on_message`` and ``_on_close``, which ``connect()`` hands to
websocket-client's ``WebSocketApp``."""


def gzip_aware(stream: S, *, on_event: Callable[[dict[str, Any]], None] | None = None) -> S:
    """Make a bingx-python ``AccountDataStream`` read BingX's frames: each one is
    un-gzipped before the SDK's handlers see it, and the heartbeat ``Ping`` is answered
    with ``Pong``. ``on_event`` sees every event first, as a dict, including those the
    SDK has no handler for (``listenKeyExpired``, ``ACCOUNT_CONFIG_UPDATE``, ...).

    It also closes the socket when the exchange closes the connection: websocket-client
    (1.9) leaves it open after a server's close frame, until the garbage collector finds
    it (a ``ResourceWarning``). Call it before ``connect()`` (which reads the handlers).
    Returns the stream."""
    sdk: Any = stream
    sdk_open, sdk_handler, sdk_close = sdk._on_open, sdk._on_message, sdk._on_close
    held: list[Any] = []  # websocket-client's socket object, while connected

    def on_open(ws: Any) -> None:
        held[:] = [ws.sock] if getattr(ws, "sock", None) is not None else []
        sdk_open(ws)

    def on_close(ws: Any, code: Any, reason: Any) -> None:
        for socket in held:
            socket.shutdown()
        held.clear()
        sdk_close(ws, code, reason)

    def on_message(ws: _Socket, message: bytes | str) -> None:
        text = decode_frame(message)
        if text == "Ping":  # the exchange's heartbeat; a silent client is dropped
            ws.send("Pong")
            return
        if on_event is not None:
            try:
                event = json.loads(text)
            except ValueError:
                event = None
            if isinstance(event, dict):
                on_event(event)
        sdk_handler(ws, text)

    sdk._on_open, sdk._on_message, sdk._on_close = on_open, on_message, on_close
    return stream
