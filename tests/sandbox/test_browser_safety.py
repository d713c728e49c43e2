"""A web page the user happens to open cannot drive the sandbox: cross-origin "simple"
requests and DNS-rebinding requests are refused before anything runs, while same-origin
JSON, curl-style calls and every exchange route keep working."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from bingx_sim import Simulator
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH

EVIL = "http://evil.example"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def test_a_cross_origin_text_plain_post_changes_nothing(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    for path, body in (("reset", ""), ("clock", '{"advance": 3600}')):
        answer = http.post(
            f"{sim.rest_url}/_sim/{path}",
            data=body,
            headers={"Content-Type": "text/plain", "Origin": EVIL},
        )
        assert answer.status_code == 403 and "Origin" in answer.json()["error"]
    # Nothing ran: the clock did not move and the account survived (no reset).
    assert http.get(f"{sim.rest_url}/_sim/clock").json()["offset_ms"] == 0
    assert http.post(
        f"{sim.rest_url}{LISTEN_KEY_PATH}", headers={"X-BX-APIKEY": account.api_key}
    ).json()["listenKey"]


def test_a_same_origin_text_plain_post_is_refused_for_its_content_type(
    sim: Simulator, http: requests.Session
) -> None:
    own = f"http://127.0.0.1:{sim.port}"
    answer = http.post(
        f"{sim.rest_url}/_sim/reset",
        data="{}",
        headers={"Content-Type": "text/plain", "Origin": own},
    )
    assert answer.status_code == 415 and "application/json" in answer.json()["error"]


def test_a_dns_rebinding_request_cannot_read_the_journal(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    http.post(f"{sim.rest_url}{LISTEN_KEY_PATH}", headers={"X-BX-APIKEY": account.api_key})
    for path in ("journal", "listen-keys", "health"):
        answer = http.get(
            f"{sim.rest_url}/_sim/{path}", headers={"Host": f"evil.example:{sim.port}"}
        )
        assert answer.status_code == 403 and account.api_key not in answer.text
        assert "Host" in answer.json()["error"]


def test_same_origin_json_and_plain_tools_are_let_in(
    sim: Simulator, http: requests.Session
) -> None:
    base = f"{sim.rest_url}/_sim"
    for origin in (None, f"http://127.0.0.1:{sim.port}", f"http://localhost:{sim.port}"):
        headers = {"Origin": origin} if origin else {}
        assert http.post(f"{base}/clock", json={"advance": 1}, headers=headers).status_code == 200
        assert http.get(f"{base}/journal", headers=headers).status_code == 200
    localhost = http.get(f"{base}/health", headers={"Host": f"localhost:{sim.port}"})
    assert localhost.status_code == 200


def test_exchange_routes_ignore_origin_and_host(sim: Simulator, http: requests.Session) -> None:
    account = sim.add_account()
    answer = http.post(
        f"{sim.rest_url}{LISTEN_KEY_PATH}",
        headers={
            "X-BX-APIKEY": account.api_key,
            "Origin": EVIL,
            "Host": "open-api.bingx.com",
            "Content-Type": "text/plain",
        },
    )
    assert answer.status_code == 200 and answer.json()["listenKey"]


def test_token_mode_skips_the_host_check_but_not_origin_or_content_type() -> None:
    from aiohttp.test_utils import TestClient

    from bingx_sim.wire.app import create_app

    from .app_client import run_check

    auth = {"Authorization": "Bearer s3cret"}

    async def check(client: TestClient) -> None:  # type: ignore[type-arg]
        remote = {"Host": "sandbox.internal:8080"}
        assert (await client.get("/_sim/health", headers=remote)).status == 401
        assert (await client.get("/_sim/health", headers=remote | auth)).status == 200
        evil = await client.get("/_sim/health", headers=remote | auth | {"Origin": EVIL})
        assert evil.status == 403
        plain = await client.post("/_sim/reset", data="{}", headers=remote | auth)
        assert plain.status == 415
        ok = await client.post("/_sim/reset", json={}, headers=remote | auth)
        assert ok.status == 200

    run_check(create_app(control_token="s3cret"), check)


def test_a_non_utf8_authorization_header_is_a_401_not_a_crash() -> None:
    from aiohttp.test_utils import TestClient

    from bingx_sim.wire.app import create_app

    from .app_client import run_check

    async def check(client: TestClient) -> None:  # type: ignore[type-arg]
        import asyncio

        reader, writer = await asyncio.open_connection(client.host, client.port)
        writer.write(
            b"GET /_sim/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer \xff\xfe\r\nConnection: close\r\n\r\n"
        )
        status_line = await reader.readline()
        writer.close()
        await writer.wait_closed()
        assert status_line.startswith(b"HTTP/1.1 401"), status_line

    run_check(create_app(control_token="s3cret"), check)


def test_a_bodyless_delete_needs_no_content_type(sim: Simulator, http: requests.Session) -> None:
    """``curl -X DELETE .../_sim/faults`` sends no ``Content-Type``: a browser cannot send
    any DELETE cross-origin without the preflight we never grant, so none is needed."""
    base = f"{sim.rest_url}/_sim"
    sim.fail_next("POST", times=5)
    cleared = http.delete(f"{base}/faults")
    assert "Content-Type" not in cleared.request.headers
    assert cleared.status_code == 200 and cleared.json() == {"cleared": 1}
    assert http.delete(f"{base}/stubs").json() == {"cleared": 0}
    # The origin rule still holds, and a named non-JSON type is still refused.
    sim.fail_next("POST", times=5)
    assert http.delete(f"{base}/faults", headers={"Origin": EVIL}).status_code == 403
    plain = http.delete(f"{base}/faults", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    assert len(http.get(f"{base}/faults").json()["faults"]) == 1
