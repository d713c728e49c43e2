"""Raw-wire helpers: what any client sends and reads, with nothing of ours in between."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
import websocket

from bingx_clocks import wall_time_ms
from bingx_sim.plugin.targets import Target
from bingx_sim.rules.auth import sign
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH

BINARY = websocket.ABNF.OPCODE_BINARY
TEXT = websocket.ABNF.OPCODE_TEXT
CLOSE = websocket.ABNF.OPCODE_CLOSE


class ClosingWebSocket(websocket.WebSocket):
    """websocket-client's socket with a context manager, so no caller can leak one."""

    def __enter__(self) -> ClosingWebSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(timeout=1)
        # close() skips the socket when the server's close frame was already read.
        self.shutdown()  # type: ignore[no-untyped-call]


def connect(url: str, key: str | None = None, timeout: float = 10) -> ClosingWebSocket:
    target = url if key is None else f"{url}?listenKey={key}"
    ws = websocket.create_connection(target, timeout=timeout, class_=ClosingWebSocket)
    assert isinstance(ws, ClosingWebSocket)
    return ws


def call(
    http: requests.Session,
    target: Target,
    method: str,
    params: dict[str, str] | None = None,
    *,
    signed: bool = True,
    api_key: str | None = None,
    secret: str | None = None,
    timestamp: int | None = None,
    path: str = LISTEN_KEY_PATH,
) -> requests.Response:
    """One listen-key call (or a call of ``path``): params in the query, ``timestamp``
    and a hex ``signature`` last when ``signed``, in the order sent (the exchange
    verifies the raw string)."""
    query = "&".join(f"{k}={v}" for k, v in (params or {}).items())
    if signed:
        stamp = wall_time_ms() if timestamp is None else timestamp
        query = "&".join(filter(None, [query, f"timestamp={stamp}"]))
        query += f"&signature={sign(secret or target.api_secret, query)}"
    url = target.rest_url + path + (f"?{query}" if query else "")
    headers = {"X-BX-APIKEY": target.api_key if api_key is None else api_key}
    return http.request(method, url, headers=headers, timeout=15)


def recv_frame(ws: websocket.WebSocket) -> tuple[int, str]:
    """The next data frame as (opcode, text), un-gzipping binary frames."""
    opcode, data = ws.recv_data()
    if opcode == BINARY:
        return opcode, zlib.decompress(data, wbits=31).decode()
    if opcode == CLOSE:
        return opcode, data.decode("latin-1")
    return opcode, data.decode()


def recv_json(ws: websocket.WebSocket, *, answer_pings: bool = True) -> dict[str, Any]:
    """The next JSON object frame; heartbeats are answered (as a real client must) and
    skipped, and config ``SNAPSHOT`` frames are skipped."""
    while True:
        opcode, text = recv_frame(ws)
        assert opcode == BINARY, f"expected a gzip binary frame, got opcode {opcode}: {text!r}"
        if text == "Ping":
            if answer_pings:
                ws.send("Pong")
            continue
        parsed = json.loads(text)
        assert isinstance(parsed, dict), text
        if "ping" in parsed:
            if answer_pings:
                ws.send(json.dumps({"pong": parsed["ping"], "time": parsed.get("time")}))
            continue
        if parsed.get("e") == "SNAPSHOT":
            continue
        return parsed


def close_code(ws: websocket.WebSocket) -> int:
    """Read until the server's close frame; return its status code."""
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == CLOSE:
            return int.from_bytes(data[:2], "big")


@contextmanager
def open_stream(
    http: requests.Session, target: Target, url: str | None = None, *, heartbeats: int = 4
) -> Iterator[tuple[str, ClosingWebSocket]]:
    """A fresh key and an account socket on it (USDT-M unless ``url``), whose reads time
    out after ``heartbeats`` heartbeat intervals: long enough to never cut a live stream."""
    with listen_key(http, target) as key, connect(url or target.ws_url, key) as ws:
        ws.settimeout(target.ping_interval * heartbeats)
        yield key, ws


@contextmanager
def listen_key(http: requests.Session, target: Target) -> Iterator[str]:
    """A fresh key, deleted afterwards so real accounts are left as found."""
    response = call(http, target, "POST")
    assert response.status_code == 200, response.text
    key = str(response.json()["listenKey"])
    try:
        yield key
    finally:
        call(http, target, "DELETE", {"listenKey": key})
