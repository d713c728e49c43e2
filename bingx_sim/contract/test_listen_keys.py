"""Listen-key REST behaviour (``docs/contract.md``), one body for every target."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests

from bingx_sim.contract.wire import call, listen_key
from bingx_sim.plugin.targets import Target

pytestmark = pytest.mark.bingx_exchange


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def error(response: requests.Response) -> tuple[int, int]:
    """Business errors come as HTTP 200 with a non-zero ``code`` (``docs/contract.md``)."""
    body = response.json()
    assert {"code", "msg"} <= set(body), body
    assert response.status_code == 200, response.status_code
    return response.status_code, body["code"]


def test_generate_answers_a_bare_64_hex_key(bingx_target: Target, http: requests.Session) -> None:
    with listen_key(http, bingx_target) as key:
        assert re.fullmatch(r"[0-9a-f]{64}", key)


def test_generate_twice_gives_two_different_keys(
    bingx_target: Target, http: requests.Session
) -> None:
    with listen_key(http, bingx_target) as first, listen_key(http, bingx_target) as second:
        assert first != second


def test_extend_answers_an_empty_200(bingx_target: Target, http: requests.Session) -> None:
    with listen_key(http, bingx_target) as key:
        response = call(http, bingx_target, "PUT", {"listenKey": key})
        assert (response.status_code, response.content) == (200, b"")


def test_unsigned_calls_work(bingx_target: Target, http: requests.Session) -> None:
    response = call(http, bingx_target, "POST", signed=False)
    assert response.status_code == 200
    key = response.json()["listenKey"]
    assert call(http, bingx_target, "DELETE", {"listenKey": key}, signed=False).status_code == 200


def test_delete_answers_an_empty_200_then_the_key_is_gone(
    bingx_target: Target, http: requests.Session
) -> None:
    key = call(http, bingx_target, "POST").json()["listenKey"]
    response = call(http, bingx_target, "DELETE", {"listenKey": key})
    assert (response.status_code, response.content) == (200, b"")
    assert call(http, bingx_target, "PUT", {"listenKey": key}).status_code == 404


def test_unknown_key_is_404(bingx_target: Target, http: requests.Session) -> None:
    for method in ("PUT", "DELETE"):
        assert call(http, bingx_target, method, {"listenKey": "0" * 64}).status_code == 404


def test_missing_key_is_204(bingx_target: Target, http: requests.Session) -> None:
    for method in ("PUT", "DELETE"):
        response = call(http, bingx_target, method)
        assert (response.status_code, response.content) == (204, b"")


def test_bad_api_key_is_100413(bingx_target: Target, http: requests.Session) -> None:
    assert error(call(http, bingx_target, "POST", api_key="x" * 64))[1] == 100413


def test_missing_api_key_is_100413(bingx_target: Target, http: requests.Session) -> None:
    assert error(call(http, bingx_target, "POST", api_key="", signed=False))[1] == 100413


def test_bad_signature_is_100001(bingx_target: Target, http: requests.Session) -> None:
    assert error(call(http, bingx_target, "POST", secret="not-the-secret"))[1] == 100001


def test_stale_timestamp_is_100421(bingx_target: Target, http: requests.Session) -> None:
    from bingx_clocks import wall_time_ms

    response = call(http, bingx_target, "POST", timestamp=wall_time_ms() - 120_000)
    assert error(response)[1] == 100421


def _needs_time(target: Target) -> None:
    if not target.can_move_time:
        pytest.skip(f"{target.name}: cannot move time; this would take an hour of real time")


def test_a_key_dies_exactly_60_minutes_after_its_last_touch(
    bingx_target: Target, http: requests.Session
) -> None:
    _needs_time(bingx_target)
    with listen_key(http, bingx_target) as key:
        bingx_target.advance(timedelta(minutes=59, seconds=59))
        assert call(http, bingx_target, "PUT", {"listenKey": key}).status_code == 200
        bingx_target.advance(timedelta(minutes=59, seconds=59))  # 60 min from the PUT: alive
        assert call(http, bingx_target, "PUT", {"listenKey": key}).status_code == 200
        bingx_target.advance(timedelta(minutes=60))
        assert call(http, bingx_target, "PUT", {"listenKey": key}).status_code == 404


@pytest.mark.bingx_sim_only("needs a second account, which a real target does not have")
def test_someone_elses_key_is_404(bingx_target: Target, http: requests.Session) -> None:
    assert bingx_target.simulator is not None
    other = bingx_target.simulator.add_account()
    with listen_key(http, bingx_target) as key:
        response = call(
            http,
            bingx_target,
            "PUT",
            {"listenKey": key},
            api_key=other.api_key,
            secret=other.api_secret,
        )
        assert response.status_code == 404
        assert call(http, bingx_target, "PUT", {"listenKey": key}).status_code == 200
