"""The pytest plugin, tested as a downstream project sees it: no conftest, just installed."""

from __future__ import annotations

import pytest

from .conftest import ASYNCIO_INI

pytest_plugins = ["pytester"]

HEADER = """
import requests, websocket, zlib, json
from datetime import timedelta
import pytest
from bingx_sim import LISTEN_KEY_PATH
"""


def test_fixtures_are_found_without_a_conftest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_client(bingx_sim, bingx_account, bingx_client):
    key = bingx_client.listen_key().generate()["listenKey"]
    assert bingx_client.listen_key().extend(key) == {}
    assert [k.owner for k in bingx_sim.listen_keys()] == [bingx_account.api_key]
"""
    )
    assert not list(pytester.path.glob("conftest.py"))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_simulator_is_shared_and_reset_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
PORTS = []

def test_a(bingx_sim, bingx_client):
    PORTS.append(bingx_sim.port)
    bingx_client.listen_key().generate()
    bingx_sim.advance(30)

def test_b(bingx_sim, bingx_sim_server):
    assert bingx_sim is bingx_sim_server and PORTS == [bingx_sim.port]
    assert bingx_sim.listen_keys() == () and len(bingx_sim.journal) == 0
    assert abs(bingx_sim.now_ms() - __import__("time").time() * 1000) < 5000
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_client_mistakes_fail_the_test_with_the_reasons(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_typo(bingx_sim, bingx_account):
    requests.get(bingx_sim.rest_url + "/openApi/user/auth/userDataStreams")

def test_expected(bingx_sim, bingx_account):
    bingx_sim.expect_errors("unknown endpoint")
    requests.get(bingx_sim.rest_url + "/nope")

@pytest.mark.bingx_sim(strict=False)
def test_relaxed(bingx_sim):
    requests.get(bingx_sim.rest_url + "/nope")
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*bingx-sim: the client made 1 mistake(s) the exchange rejected:*",
            "*GET /openApi/user/auth/userDataStreams -> 404 code=100404: unknown endpoint*",
            "*expect_errors*strict=False*",
        ]
    )


def test_lenient_command_line_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_typo(bingx_sim):
    requests.get(bingx_sim.rest_url + "/nope")
"""
    )
    pytester.runpytest("--bingx-sim-lenient").assert_outcomes(passed=1)


def test_marker_options_get_a_private_simulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.bingx_sim(key_ttl=timedelta(minutes=5), on_expiry="silent")
def test_short_keys(bingx_sim, bingx_sim_server, bingx_client):
    assert bingx_sim is not bingx_sim_server
    bingx_client.listen_key().generate()
    (key,) = bingx_sim.listen_keys()
    assert key.expires_at_ms - key.created_ms == 300_000
    assert bingx_sim.config.options.on_expiry == "silent"

@pytest.mark.bingx_sim(on_expire="silent")
def test_typo_in_marker(bingx_sim):
    pass
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*unknown simulator option(s): on_expire*"])


def test_ini_and_command_line_timings(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nbingx_sim_ping_interval = 0.25\n" + ASYNCIO_INI)
    pytester.makepyfile(
        HEADER
        + """
def test_timings(bingx_sim):
    assert bingx_sim.config.ping_interval == 0.25
    assert bingx_sim.config.pong_timeout == 2.0
"""
    )
    pytester.runpytest("--bingx-sim-pong-timeout", "2").assert_outcomes(passed=1)


def test_bingx_clock_settles_and_follows_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.bingx_sim(now="2024-02-29 23:30:00")
def test_expiry(bingx_sim, bingx_clock, bingx_client):
    assert bingx_clock.now().isoformat() == "2024-02-29T23:30:00+00:00"
    key = bingx_client.listen_key().generate()["listenKey"]
    ws = websocket.create_connection(f"{bingx_sim.ws_url}?listenKey={key}", timeout=2)
    try:
        assert bingx_clock.tick(timedelta(minutes=61)) == [key]
        ws.settimeout(2)  # the expiry is on the wire; the connect's config frames come first
        frame = {"e": "SNAPSHOT"}
        while frame["e"] == "SNAPSHOT":  # the config frames of the connect come first
            frame = json.loads(zlib.decompress(ws.recv(), wbits=31))
        assert frame["e"] == "listenKeyExpired"
    finally:
        ws.close()
"""
    )
    result = pytester.runpytest("--durations=1")
    result.assert_outcomes(passed=1)
    assert "1795" not in result.stdout.str()  # no decades-long durations from the freeze


def test_positional_marker_arguments_are_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.bingx_sim(5)
def test_bad(bingx_sim):
    pass
"""
    )
    result = pytester.runpytest()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*keyword arguments only*"])


def test_runs_under_xdist_with_one_simulator_per_worker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.parametrize("n", range(8))
def test_many(bingx_sim, bingx_client, n):
    key = bingx_client.listen_key().generate()["listenKey"]
    assert [k.key for k in bingx_sim.listen_keys()] == [key]
"""
    )
    result = pytester.runpytest_subprocess("-n", "2", "-W", "error")
    result.assert_outcomes(passed=8)


def test_expect_errors_matches_plain_words_case_insensitively(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
from bingx_sim.rules.auth import sign

def test_signed_badly(bingx_sim, bingx_account):
    import requests
    bingx_sim.expect_errors("bad signature")
    requests.post(
        f"{bingx_sim.rest_url}/openApi/user/auth/userDataStream?timestamp=1&signature=00",
        headers={"X-BX-APIKEY": bingx_account.api_key},
    )

def test_shouting(bingx_sim, bingx_account):
    import requests
    bingx_sim.expect_errors("UNKNOWN ENDPOINT")
    requests.get(f"{bingx_sim.rest_url}/nope", headers={"X-BX-APIKEY": bingx_account.api_key})
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_now_without_bingx_clock_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.bingx_sim(now="2026-01-05 09:00")
def test_forgot_the_clock(bingx_sim):
    pass
"""
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*request the bingx_clock (or bingx_time_machine) fixture*"])
    assert result.ret != 0


def test_a_test_that_forgets_the_url_reaches_the_simulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
from bingx import AccountDataStream, BingXClient, UserDataStream

def test_forgetful(bingx_sim, bingx_account):
    with BingXClient(bingx_account.api_key, bingx_account.api_secret) as client:
        assert client.base_uri == bingx_sim.rest_url
        key = client.listen_key().generate()["listenKey"]
        assert AccountDataStream(key).base_url == bingx_sim.ws_url
        assert UserDataStream(client).base_url == bingx_sim.ws_url
    assert [k.key for k in bingx_sim.listen_keys()] == [key]
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_reaching_a_real_bingx_host_fails_at_once_with_the_opt_out(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
import socket
import pytest
import requests

def test_production(bingx_sim):
    with pytest.raises(requests.ConnectionError, match="allow_real_hosts=True"):
        requests.post("https://open-api.bingx.com/openApi/user/auth/userDataStream", timeout=5)
    with pytest.raises(OSError, match="open-api-swap.bingx.com"):
        socket.create_connection(("open-api-swap.bingx.com", 443), timeout=5)

@pytest.mark.bingx_sim(allow_real_hosts=True)
def test_opted_out(bingx_sim):
    assert socket.getaddrinfo.__name__ == "getaddrinfo"

def test_no_simulator_no_guard():
    assert socket.getaddrinfo.__name__ == "getaddrinfo"
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_bingx_time_machine_settles_and_follows_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.bingx_sim(now="2024-02-29 23:30:00")
def test_expiry(bingx_sim, bingx_time_machine, bingx_client):
    import time
    assert bingx_time_machine.now().isoformat() == "2024-02-29T23:30:00+00:00"
    assert int(time.time()) == 1709249400  # naive means UTC, as with bingx_clock
    key = bingx_client.listen_key().generate()["listenKey"]
    ws = websocket.create_connection(f"{bingx_sim.ws_url}?listenKey={key}", timeout=2)
    try:
        assert bingx_time_machine.tick(timedelta(minutes=59)) == []
        assert bingx_time_machine.move_to("2024-03-01T00:31:00") == [key]
        frame = {"e": "SNAPSHOT"}
        while frame["e"] == "SNAPSHOT":  # the config frames of the connect come first
            frame = json.loads(zlib.decompress(ws.recv(), wbits=31))
        assert frame["e"] == "listenKeyExpired"
    finally:
        ws.close()
"""
    )
    pytester.runpytest("-W", "error").assert_outcomes(passed=1)


def test_an_untouched_test_leaves_nothing_and_a_touched_one_is_reset(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_1_untouched(bingx_sim):
    assert bingx_sim.pristine

def test_2_touches(bingx_sim, bingx_client):
    bingx_client.listen_key().generate()
    assert not bingx_sim.pristine

def test_3_sees_a_clean_simulator(bingx_sim):
    assert bingx_sim.pristine and bingx_sim.listen_keys() == ()
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_bingx_client_shares_a_connection_pool_but_no_cookies(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
seen = []

@pytest.mark.parametrize("n", range(2))
def test_pool(bingx_sim, bingx_client, n):
    seen.append(bingx_client._transport.session)
    assert not bingx_client._transport.session.cookies
    bingx_sim.stub("GET", "/cookie", json={}, headers={"Set-Cookie": "a=1"})
    bingx_client._transport.session.get(f"{bingx_sim.rest_url}/cookie")
    assert len(set(map(id, seen))) == 1
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)
