"""BingXClient on the answers the exchange gives on a bad day (injected on the simulator),
and on where its requests go: a local simulator is reached directly, a remote base URI
through the proxy the environment names."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import bingx
from bingx import (
    APIException,
    BingXClient,
    InsufficientBalanceException,
    NetworkException,
    events,
)
from bingx.websocket import AccountDataStream
from bingx_sim import Account, Simulator, WsFrame
from bingx_sim.faults import RestError
from tests.integration.conftest import MakeSim

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


def test_a_balance_code_is_an_insufficient_balance_error(
    sim: Simulator, client: BingXClient
) -> None:
    sim.inject(RestError(code=100202, msg="Insufficient margin"))
    with pytest.raises(InsufficientBalanceException) as caught:
        client.listen_key().generate()
    assert (caught.value.code, caught.value.msg) == (100202, "Insufficient margin")


@pytest.mark.parametrize(
    ("status", "body"), [(502, "<html>Bad Gateway</html>"), (200, "[]"), (200, '"ok"')]
)
def test_an_answer_that_is_no_json_object_is_an_api_error_keeping_the_body(
    sim: Simulator, client: BingXClient, status: int, body: str
) -> None:
    sim.inject(RestError(status=status, body=body))
    with pytest.raises(APIException, match="unexpected non-JSON answer to POST") as caught:
        client.listen_key().generate()
    assert (caught.value.status, caught.value.body) == (status, body)
    assert caught.value.response_data == {"raw": body}


def test_generate_reads_the_wrapped_shape_some_docs_show(
    sim: Simulator, client: BingXClient
) -> None:
    wrapped = {"code": 0, "msg": "", "data": {"listenKey": "f" * 64}}
    sim.inject(RestError(method="POST", body=json.dumps(wrapped)))
    assert client.listen_key().generate() == {**wrapped, "listenKey": "f" * 64}


def test_a_204_to_a_key_call_means_the_key_was_not_seen(
    sim: Simulator, client: BingXClient
) -> None:
    key = client.listen_key().generate()["listenKey"]
    sim.inject(RestError(method="PUT", status=204))
    with pytest.raises(APIException, match=r"no listenKey parameter \(HTTP 204\)") as caught:
        client.listen_key().extend(key)
    assert caught.value.status == 204


def test_the_client_says_which_key_and_exchange_it_uses(sim: Simulator, account: Account) -> None:
    with BingXClient(account.api_key, account.api_secret, sim.rest_url + "/") as client:
        assert (client.api_key, client.base_uri) == (account.api_key, sim.rest_url)


def test_localhost_is_reached_directly_whatever_the_proxy_variables_say(
    sim: Simulator, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nobody answers
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    local = f"http://localhost:{sim.port}"
    with BingXClient(account.api_key, account.api_secret, local) as client:
        assert len(client.listen_key().generate()["listenKey"]) == 64


def test_a_remote_exchange_is_reached_through_the_environments_proxy(
    sim: Simulator, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The simulator stands in for the proxy: it reads the absolute-form request line.
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", sim.rest_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    remote = "http://open-api.exchange.invalid"
    with BingXClient(account.api_key, account.api_secret, remote) as client:
        assert len(client.listen_key().generate()["listenKey"]) == 64
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    with (
        BingXClient(account.api_key, account.api_secret, remote, timeout=5) as client,
        pytest.raises(NetworkException),
    ):
        client.listen_key().generate()


def test_spot_heartbeats_are_answered_so_the_socket_stays(make_sim: MakeSim) -> None:
    sim = make_sim(ping_interval=0.02, pong_timeout=0.2)
    account = sim.add_account()
    pongs = 0

    def fourth_pong(entry: object) -> bool:
        nonlocal pongs
        if isinstance(entry, WsFrame) and entry.direction == "in" and '"pong"' in entry.text:
            pongs += 1
        return pongs == 4

    with BingXClient(account.api_key, account.api_secret, sim.rest_url) as client:
        key = client.listen_key().generate()["listenKey"]
        stream = AccountDataStream(key, base_url=sim.spot_ws_url)
        stream.connect()
        try:
            sim.journal.wait_for(fourth_pong, timeout=5)  # four pong timeouts' worth
            assert stream.connected
            stream.subscribe("ACCOUNT_UPDATE")
            assert stream.next_event(events.AccountUpdate).reason == "INIT"
        finally:
            stream.disconnect()
    assert not sim.journal.violations


def test_a_bare_checkout_has_no_version_but_imports() -> None:
    assert bingx.__version__ == "0.1.0"  # installed: the distribution's version
    code = (
        "import importlib.metadata as m\n"
        "def missing(name):\n"
        "    raise m.PackageNotFoundError(name)\n"
        "m.version = missing\n"
        "import bingx\n"
        "print(bingx.__version__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout == "0+unknown\n"
