"""Raw-wire helpers for our own wire tests; the shared ones live in the shipped contract
suite (``bingx_sim.contract.wire``), these bind them to a Simulator and an Account."""

from __future__ import annotations

import json
from typing import Any

import requests

from bingx_sim import Account, Simulator
from bingx_sim.contract.wire import BINARY, ClosingWebSocket, close_code, connect, recv_frame
from bingx_sim.contract.wire import call as _call
from bingx_sim.plugin.targets import sim_target

__all__ = [
    "ClosingWebSocket",
    "call",
    "close_code",
    "connect",
    "headers",
    "new_key",
    "recv_event",
    "recv_frame",
]


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
    return _call(http, sim_target(sim, account), method, params, signed=signed)


def new_key(http: requests.Session, sim: Simulator, account: Account) -> str:
    response = call(http, sim, "POST", account)
    assert response.status_code == 200, response.text
    return str(response.json()["listenKey"])


def recv_event(ws: ClosingWebSocket, skip_pings: bool = True) -> dict[str, Any]:
    """The next JSON frame (answering nothing, skipping heartbeats and the periodic
    ``SNAPSHOT`` config frames unless told not to)."""
    while True:
        opcode, text = recv_frame(ws)
        assert opcode == BINARY, f"expected a gzip frame, got {opcode}"
        if skip_pings and text == "Ping":
            continue
        parsed = json.loads(text)
        if (
            skip_pings
            and isinstance(parsed, dict)
            and ("ping" in parsed or parsed.get("e") == "SNAPSHOT")
        ):
            continue
        assert isinstance(parsed, dict)
        return parsed
