"""Raw-wire helpers for tests that talk to the simulator with requests and websocket-client
only, as a user's own client would."""

from __future__ import annotations

import json
import zlib
from typing import Any

import requests
import websocket

from bingx_sim import LISTEN_KEY_PATH, Account, Simulator
from bingx_sim.auth import sign
from bingx_sim.clock import WallClock


def headers(account: Account | str) -> dict[str, str]:
    api_key = account.api_key if isinstance(account, Account) else account
    return {"X-BX-APIKEY": api_key}


def call(
    http: requests.Session,
    sim: Simulator,
    method: str,
    account: Account,
    params: dict[str, str] | None = None,
    *,
    signed: bool = False,
) -> requests.Response:
    """One listen-key call; ``signed`` adds timestamp and a hex signature in the query."""
    query = "&".join(f"{k}={v}" for k, v in (params or {}).items())
    if signed:
        query = "&".join(filter(None, [query, f"timestamp={WallClock().now_ms()}"]))
        query += f"&signature={sign(account.api_secret, query)}"
    url = sim.rest_url + LISTEN_KEY_PATH + (f"?{query}" if query else "")
    return http.request(method, url, headers=headers(account), timeout=5)


def new_key(http: requests.Session, sim: Simulator, account: Account) -> str:
    response = call(http, sim, "POST", account)
    assert response.status_code == 200, response.text
    return str(response.json()["listenKey"])


class ClosingWebSocket(websocket.WebSocket):
    """websocket-client's socket with a context manager, so no test can leak one."""

    def __enter__(self) -> ClosingWebSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(timeout=1)
        # close() skips the socket when the server's close frame was already read.
        self.shutdown()  # type: ignore[no-untyped-call]


def connect(url: str, key: str | None = None) -> ClosingWebSocket:
    target = url if key is None else f"{url}?listenKey={key}"
    ws = websocket.create_connection(target, timeout=3, class_=ClosingWebSocket)
    assert isinstance(ws, ClosingWebSocket)
    return ws


def recv_frame(ws: websocket.WebSocket) -> tuple[int, str]:
    """The next data frame as (opcode, text), un-gzipping binary frames."""
    opcode, data = ws.recv_data()
    if opcode == websocket.ABNF.OPCODE_BINARY:
        return opcode, zlib.decompress(data, wbits=31).decode()
    if opcode == websocket.ABNF.OPCODE_CLOSE:
        return opcode, data.decode("latin-1")
    return opcode, data.decode()


def recv_event(ws: websocket.WebSocket, skip_pings: bool = True) -> dict[str, Any]:
    """The next JSON frame (answering nothing, skipping heartbeats unless told not to)."""
    while True:
        opcode, text = recv_frame(ws)
        assert opcode == websocket.ABNF.OPCODE_BINARY, f"expected a gzip frame, got {opcode}"
        if skip_pings and text == "Ping":
            continue
        parsed = json.loads(text)
        if skip_pings and isinstance(parsed, dict) and "ping" in parsed:
            continue
        assert isinstance(parsed, dict)
        return parsed


def close_code(ws: websocket.WebSocket) -> int:
    """Read until the server's close frame; return its status code."""
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return int.from_bytes(data[:2], "big")
