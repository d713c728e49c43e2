"""The sandbox's log tells the story: every REST line with the exchange's code and
reason, stubs by name, faults, key expiry and Pong timeouts on their own lines; with
``--log-format json``, real fields instead of one text field."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import websocket

from bingx_sim.rules.auth import sign

from ..sandbox_process import sandbox_process
from ..wire import connect

KEY, SECRET = "log-key", "log-secret"
LISTEN = "/openApi/user/auth/userDataStream"
UNKNOWN_KEY = "ab" * 32


def _read_until_dropped(ws: websocket.WebSocket) -> None:
    while True:
        ws.recv()


def _story(rest: str) -> None:
    """Everything the log should tell, against a running sandbox."""
    with requests.Session() as http:
        http.post(f"{rest}/_sim/accounts", json={"api_key": KEY, "api_secret": SECRET})
        api = {"X-BX-APIKEY": KEY}
        stamp = f"timestamp={int(time.time() * 1000)}"
        bad = http.post(f"{rest}{LISTEN}?{stamp}&signature={'0' * 64}", headers=api)
        assert bad.json()["code"] == 100001
        good = f"{stamp}&signature={sign(SECRET, stamp)}"
        key = http.post(f"{rest}{LISTEN}?{good}", headers=api).json()["listenKey"]
        assert http.put(f"{rest}{LISTEN}?listenKey={UNKNOWN_KEY}", headers=api).status_code == 404
        stub = {"method": "GET", "path": "/openApi/x/markets", "json": {}, "name": "markets"}
        assert http.post(f"{rest}/_sim/stubs", json=stub).status_code == 201
        assert http.get(f"{rest}/openApi/x/markets").status_code == 200
        fault = {"type": "rest_error", "status": 503, "times": 1, "path": "/openApi/x/markets"}
        assert http.post(f"{rest}/_sim/faults", json=fault).status_code == 201
        assert http.get(f"{rest}/openApi/x/markets").status_code == 503
        ws = connect(rest.replace("http://", "ws://") + "/swap-market", key)
        try:  # never answer a Ping: dropped after --pong-timeout
            with pytest.raises((websocket.WebSocketException, OSError)):
                _read_until_dropped(ws)
        finally:
            ws.close()
        other = http.post(f"{rest}{LISTEN}", headers=api).json()["listenKey"]
        expired = http.post(f"{rest}/_sim/clock", json={"advance": 3700}).json()["expired"]
        assert other in expired


@pytest.fixture(params=["text", "json"])
def told(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    log = tmp_path / "sandbox.log"
    args = ["--ping-interval", "0.1", "--pong-timeout", "0.5", "--log-format", request.param]
    with sandbox_process(args, log=log) as (proc, rest):
        _story(rest)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    return request.param, log.read_text()


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_the_log_tells_the_story(told: tuple[str, str]) -> None:
    style, log = told
    if style == "text":
        assert f"POST {LISTEN} 200 code=100001 bad signature: Signature verification" in log
        assert f"PUT {LISTEN} 404 listen key not found (unknown, expired or deleted)" in log
        assert (
            "GET /openApi/x/markets 200 [stub #" in log
            and "'markets' GET /openApi/x/markets]" in log
        )
        assert "fault RestError #" in log and "GET /openApi/x/markets 503 fault #" in log
        assert "Pong timeout: unanswered Ping: no Pong for 0.5 s (dropped, no close frame)" in log
        assert re.search(r"bingx_sim listen key [0-9a-f]{8}… of account log-key expired", log)
        return
    lines = _json_lines(log)
    assert all({"time", "level", "event", "message"} <= set(line) for line in lines)
    assert all(line["time"].endswith("Z") for line in lines)
    rest = [line for line in lines if line["event"] == "rest"]
    bad = next(line for line in rest if line.get("code") == 100001)
    assert bad["level"] == "WARNING" and bad["status"] == 200 and bad["account"] == KEY
    assert bad["reason"] == "bad signature: Signature verification failed"
    assert bad["method"] == "POST" and bad["path"] == LISTEN and bad["duration_ms"] >= 0
    missing = next(line for line in rest if line["status"] == 404)
    assert missing["key"] == UNKNOWN_KEY and "listen key not found" in missing["reason"]
    stubbed = next(line for line in rest if line.get("stub"))
    assert "'markets'" in stubbed["stub"]
    (fault,) = [line for line in lines if line["event"] == "fault"]
    assert fault["reason"] == "GET /openApi/x/markets"
    (pong,) = [line for line in lines if line["event"] == "ws pong timeout"]
    assert pong["level"] == "WARNING" and pong["code"] == 1006 and pong["account"] == KEY
    assert pong["reason"].startswith("unanswered Ping")
    expiry = [line for line in lines if line["event"] == "key expired"]
    assert expiry and expiry[0]["account"] == KEY and len(expiry[0]["key"]) == 64
    assert any(line["event"] == "control" and line.get("status") == 201 for line in lines)
    assert any(line["event"] == "ws open" for line in lines)


def test_an_unknown_option_lists_the_valid_ones() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bingx_sim", "serve", "--port", "0", "--option", "nope=1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert "unknown simulator option(s): nope; valid options: change_needs_api_key," in line
    assert "success_body" in line and "signature_payload" in line
