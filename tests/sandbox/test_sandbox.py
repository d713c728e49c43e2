"""`bingx-sim serve` as a real subprocess, driven by the real client and the control API."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bingx import BingXClient, UserDataStream, events

from ..sandbox_process import sandbox_process

ACCOUNT = {"api_key": "sandbox-key", "api_secret": "sandbox-secret"}


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps([ACCOUNT]))
    with sandbox_process(["--accounts", str(accounts)]) as running:
        yield running


def test_serve_drive_and_stop_with_sigterm(sandbox: tuple[subprocess.Popen[bytes], str]) -> None:
    proc, rest = sandbox
    ws = rest.replace("http://", "ws://") + "/swap-market"
    with requests.Session() as http:
        assert http.get(f"{rest}/_sim/health").json()["status"] == "ok"
        with BingXClient(ACCOUNT["api_key"], ACCOUNT["api_secret"], rest) as client:
            keeper = UserDataStream(client, base_url=ws, poll_interval=None).start()
            try:
                pushed = http.post(
                    f"{rest}/_sim/accounts/{ACCOUNT['api_key']}/events",
                    json={"e": "ORDER_TRADE_UPDATE", "o": {"s": "ETH-USDT"}},
                ).json()
                assert pushed["delivered"] == 1
                assert pushed["event"]["o"]["q"] == "0.01000000"  # filled from defaults
                assert keeper.stream is not None
                order = keeper.stream.next_event(events.OrderUpdate)
                assert order.symbol == "ETH-USDT"
                first = keeper.listen_key
                clock = http.post(f"{rest}/_sim/clock", json={"advance": 3601}).json()
                assert clock["expired"] == [first]
                keeper.wait_for_transition("expired")
                keeper.run_pending()
                assert keeper.listen_key != first
            finally:
                keeper.close()
        keys = http.get(f"{rest}/_sim/listen-keys").json()["listen_keys"]
        assert [k["state"] for k in keys] == ["expired", "deleted"]
        kinds = [e["type"] for e in http.get(f"{rest}/_sim/journal").json()["entries"]]
        assert kinds.count("RestCall") == 3 and "WsFrame" in kinds
        assert http.post(f"{rest}/_sim/reset", json={}).json() == {"status": "reset"}
        assert http.get(f"{rest}/_sim/listen-keys").json() == {"listen_keys": []}
        with BingXClient(ACCOUNT["api_key"], ACCOUNT["api_secret"], rest) as client:
            assert client.listen_key().generate()["listenKey"]  # file accounts survive reset
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    log = err.decode()
    assert re.search(
        r"bingx_sim\.runners\.sandbox POST /openApi/user/auth/userDataStream 200 ", log
    )
    assert re.search(r'bingx_sim\.access 127\.0\.0\.1 "POST /_sim/reset', log)  # control calls
    assert "stopping" in log


def test_sigint_stops_cleanly_too(sandbox: tuple[subprocess.Popen[bytes], str]) -> None:
    proc, _ = sandbox
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_a_non_loopback_host_needs_a_control_token() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bingx_sim", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert b"pass --control-token" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", b"cannot read accounts"), ("[{}]", b"entry 0 needs string api_key")],
)
def test_bad_accounts_file_is_one_clear_line(tmp_path: Path, content: str, message: bytes) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "bingx_sim", "serve", "--port", "0", "--accounts", str(path)],
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 2 and message in result.stderr
    assert b"Traceback" not in result.stderr
