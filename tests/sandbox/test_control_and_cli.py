"""The control API (in process) and the command line's parsing."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests

from bingx_sim import Simulator
from bingx_sim.runners.cli import main, parse_duration
from bingx_sim.runners.demo import run_demo


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


def test_control_api_errors_are_json(sim: Simulator) -> None:
    base = f"{sim.rest_url}/_sim"
    with requests.Session() as http:
        json_type = {"Content-Type": "application/json"}
        assert http.post(f"{base}/clock", data="nope", headers=json_type).status_code == 400
        assert http.post(f"{base}/clock", json={"advance": -5}).json() == {
            "error": "the simulator's clock only moves forward"
        }
        assert http.post(f"{base}/clock", json={}).status_code == 400
        assert (
            http.post(f"{base}/accounts/nobody/events", json={"e": "ACCOUNT_UPDATE"}).status_code
            == 404
        )
        account = http.post(f"{base}/accounts", json={"api_key": "k", "api_secret": "s"})
        assert account.status_code == 201 and account.json() == {"api_key": "k", "api_secret": "s"}
        assert (
            http.post(f"{base}/accounts", json={"api_key": "k", "api_secret": "x"}).status_code
            == 409
        )
        unknown = http.post(f"{base}/accounts/k/events", json={"e": "NOPE"})
        assert unknown.status_code == 400 and "known: ACCOUNT_UPDATE" in unknown.json()["error"]
        target = sim.now_ms() + 60_000
        moved = http.post(f"{base}/clock", json={"set_ms": target}).json()
        assert abs(moved["now_ms"] - target) < 1000 and moved["offset_ms"] >= 59_000
    assert not sim.journal.violations  # the control API is not the exchange's API


def test_control_token_is_enforced_when_set() -> None:
    from aiohttp.test_utils import TestClient

    from bingx_sim.wire.app import create_app

    from .app_client import run_check

    async def check(client: TestClient) -> None:  # type: ignore[type-arg]
        assert (await client.get("/_sim/health")).status == 401
        wrong = await client.get("/_sim/health", headers={"Authorization": "Bearer no"})
        assert wrong.status == 401
        ok = await client.get("/_sim/health", headers={"Authorization": "Bearer s3cret"})
        assert ok.status == 200

    run_check(create_app(control_token="s3cret"), check)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60m", timedelta(minutes=60)),
        ("90s", timedelta(seconds=90)),
        ("1h", timedelta(hours=1)),
        ("1500ms", timedelta(seconds=1.5)),
        ("5", timedelta(seconds=5)),  # a bare number is seconds, for every flag
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "0m", "-1m", "5 days", "m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--key-ttl", "soon"])
    assert exited.value.code == 2
    assert "not a positive duration" in capsys.readouterr().err


def test_demo_tells_the_whole_story_in_under_two_seconds() -> None:
    out = io.StringIO()
    assert run_demo(out) == 0
    text = out.getvalue()
    steps = [
        line.split("] ", 1)[1].split()[0] for line in text.splitlines() if line.startswith("[t+")
    ]
    assert steps == [
        "connected",
        "event",
        "event",
        "extended",
        "jumped",
        "expired",
        "event",
        "renewed",
        "reconnected",
        "event",
        "closed",
    ]
    assert "closed      key" in text and "listen key deleted" in text
    assert "REST calls seen by the exchange: POST:200 PUT:200 POST:200 DELETE:200" in text
    assert "config frames: 14 SNAPSHOT" in text  # 7 contracts, two connects
    seconds = float(text.rsplit("done in ", 1)[1].split(" s")[0])
    assert seconds < 2.0
    assert text.rstrip().endswith("client mistakes: 0")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "99999"], "not a port number"),
        (["--port", "-1"], "not a port number"),
        (["--ping-interval", "nan"], "not a positive duration"),
        (["--pong-timeout", "inf"], "not a positive duration"),
        (["--key-ttl", "99999999999999999999"], "longer than any clock"),
    ],
)
def test_bad_flags_get_one_line_not_a_traceback(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", *argv])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and message in err and "Traceback" not in err


def test_an_unresolvable_host_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", "--host", "host.invalid", "--port", "0", "--control-token", "t"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("bingx-sim: cannot listen on host.invalid")


def test_the_control_api_refuses_bad_numbers_and_bodies(sim: Simulator) -> None:
    base = f"{sim.rest_url}/_sim"
    json_type = {"Content-Type": "application/json"}
    with requests.Session() as http:
        for body in (
            '{"advance": Infinity}',
            '{"set_ms": 1e400}',
            '{"set_ms": 1e30}',
            '{"advance_ms": 99999999999999999999}',
            "[" * 60_000,
            '{"a":' + "[" * 20 + "]" * 20 + "}",
        ):
            answer = http.post(f"{base}/clock", data=body, headers=json_type)
            assert answer.status_code == 400 and answer.json()["error"], body
        huge = http.post(f"{base}/clock", data="[" * 100_000, headers=json_type)
        assert huge.status_code == 413
        assert http.get(f"{base}/clock").json()["offset_ms"] == 0


def _ipv6_loopback() -> bool:
    import socket

    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_an_ipv6_host_serves_rest_websockets_and_the_control_api() -> None:
    from bingx_sim.contract.wire import connect

    with Simulator(host="::1") as ipv6, requests.Session() as http:
        assert ipv6.rest_url.startswith("http://[::1]:")
        account = ipv6.add_account()
        key = http.post(
            f"{ipv6.rest_url}/openApi/user/auth/userDataStream",
            headers={"X-BX-APIKEY": account.api_key},
        ).json()["listenKey"]
        with connect(ipv6.ws_url, key, timeout=5):
            pass
        assert http.post(f"{ipv6.rest_url}/_sim/clock", json={"advance": 1}).status_code == 200


@pytest.mark.parametrize(
    ("option", "message"),
    [("nope=1", "unknown simulator option"), ("invalid_key=maybe", "is not one of")],
)
def test_a_bad_option_is_one_line_exit_2(
    option: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "0", "--option", option]) == 2
    assert message in capsys.readouterr().err


def test_version_and_help_show_defaults_with_units(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("bingx-sim ")
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 60m)" in text and "(default: 5s)" in text and "(default: 30.5s)" in text
    assert "a bare number is seconds" in text


def test_duration_flags_take_units(capsys: pytest.CaptureFixture[str]) -> None:
    from bingx_sim.runners.cli import _parser

    args = _parser().parse_args(["serve", "--ping-interval", "500ms", "--pong-timeout", "1m"])
    assert (args.ping_interval, args.pong_timeout) == (0.5, 60.0)
    assert _parser().parse_args(["serve", "--key-ttl", "90"]).key_ttl == timedelta(seconds=90)


def test_the_control_api_lists_its_routes_and_a_typo_is_its_own_404(sim: Simulator) -> None:
    with requests.Session() as http:
        routes = http.get(f"{sim.rest_url}/_sim/").json()["routes"]
        assert "POST /_sim/faults" in routes and "GET /_sim/journal" in routes
        typo = http.get(f"{sim.rest_url}/_sim/jornal")
        assert typo.status_code == 404 and "see GET /_sim/" in typo.json()["error"]
    assert not sim.journal.violations  # not the exchange client's mistake


def test_the_sandbox_logs_sockets_expiry_pong_timeouts_and_faults(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bingx_sim.core.journal import FaultFired, SimError, WsEvent, WsFrame
    from bingx_sim.core.state import SimConfig, SimState
    from bingx_sim.runners.sandbox import _log_entry

    state = SimState(SimConfig())
    account = state.add_account("acct", "secret")
    key = state.generate_key(account.api_key).key
    log_entry = _log_entry(state)
    with caplog.at_level("DEBUG", logger="bingx_sim.runners.sandbox"):
        for entry in (
            WsEvent("open", "swap", key, 0),
            WsEvent("refused", "swap", "k" * 64, 0, reason="unknown listen key"),
            WsEvent("close", "swap", key, 0, 1000, "listenKeyExpired"),
            WsEvent("close", "swap", key, 0, 1006, "no Pong for 30.5 s", "unanswered Ping"),
            WsEvent("close", "swap", key, 0, 1000, "no Pong for 15 s", "unanswered Ping"),
            WsEvent("close", "swap", key, 0, 1000, "closed by client"),
            WsEvent("close", "swap", key, 0, 1009, "too big", "message too big"),
            WsFrame("in", "swap", key, "hello", False, 0, "stray text"),
            WsFrame("out", "swap", key, "Ping", True, 0),
            FaultFired("Drop", 3, "acct", "ws swap kkkk", 0),
            SimError("the watcher", "boom", 0),
        ):
            log_entry(entry)
    short = key[:8]
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", f"ws swap key {short} account=acct open"),
        ("INFO", "ws swap key kkkkkkkk account=- refused: unknown listen key"),
        ("INFO", f"ws swap key {short} account=acct expired: listenKeyExpired, close 1000"),
        ("WARNING", f"ws swap key {short} account=acct Pong timeout: unanswered Ping "
                    "(dropped, no close frame)"),
        ("WARNING", f"ws swap key {short} account=acct Pong timeout: unanswered Ping "
                    "(closed 1000)"),
        ("INFO", f"ws swap key {short} account=acct closed 1000 by the client: closed by client"),
        ("WARNING", f"ws swap key {short} account=acct closed 1009 by the server: "
                    "message too big"),
        ("WARNING", f"ws swap key {short} account=acct <- 'hello': stray text"),
        ("DEBUG", f"ws swap key {short} account=acct -> 'Ping'"),
        ("INFO", "fault Drop #3 fired on ws swap kkkk account=acct"),
        ("ERROR", "simulator error in the watcher: boom"),
    ]  # fmt: skip
    assert [getattr(r, "event", None) for r in caplog.records][:4] == [
        "ws open",
        "ws refused",
        "ws expired",
        "ws pong timeout",
    ]
