"""Stubs answer the other endpoints a bot calls; signed ones check the signature."""

from __future__ import annotations

import pytest
import requests

from bingx_sim import Account, RestCall, Simulator
from bingx_sim.contract.wire import call as raw_call
from bingx_sim.plugin.targets import sim_target

from ..wire import call

BALANCE = "/openApi/swap/v3/user/balance"


def test_a_stub_answers_its_endpoint_and_is_journaled_as_a_call(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    handle = sim.stub("GET", BALANCE, json={"code": 0, "data": [{"asset": "USDT"}]})
    got = http.get(f"{sim.rest_url}{BALANCE}", params={"recvWindow": "5000"})
    assert got.status_code == 200 and got.json()["data"] == [{"asset": "USDT"}]
    assert handle.hits == 1 and not sim.journal.violations
    (logged,) = [e for e in sim.journal if isinstance(e, RestCall)]
    assert (logged.method, logged.path, logged.status) == ("GET", BALANCE, 200)
    assert http.post(f"{sim.rest_url}{BALANCE}").status_code == 404  # another method
    sim.expect_errors("unknown endpoint")


def test_stub_options_status_body_headers_and_times(sim: Simulator, http: requests.Session) -> None:
    sim.stub("*", "/x", status=503, body="down", headers={"Retry-After": "1"}, times=1)
    first = http.delete(f"{sim.rest_url}/x")
    assert (first.status_code, first.text, first.headers["Retry-After"]) == (503, "down", "1")
    assert http.delete(f"{sim.rest_url}/x").status_code == 404  # spent
    sim.expect_errors("unknown endpoint")


def test_a_signed_stub_checks_key_signature_and_timestamp(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    sim.stub("GET", BALANCE, json={"code": 0, "data": []}, signed=True)
    unsigned = http.get(f"{sim.rest_url}{BALANCE}", headers={"X-BX-APIKEY": account.api_key})
    assert unsigned.json()["code"] == 100412  # Null signature
    target = sim_target(sim, account)
    signed = raw_call(http, target, "GET", {"recvWindow": "5000"}, signed=True, path=BALANCE)
    assert signed.json() == {"code": 0, "data": []}
    sim.expect_errors("missing signature")


def test_an_unused_stub_with_times_is_reported(sim: Simulator) -> None:
    sim.stub("GET", "/never", json={}, times=1)
    assert any("was never called" in p for p in sim.unexpected_errors())
    sim.reset()
    assert sim.unexpected_errors() == []


def test_bad_stubs_are_refused(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="method"):
        sim.stub("FETCH", "/x")
    with pytest.raises(ValueError, match="json or body"):
        sim.stub("GET", "/x", json={}, body="x")
    with pytest.raises(TypeError):
        sim.stub("GET", "/x", json={1, 2})


def test_listen_key_calls_are_never_stubbed_away(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    sim.stub("POST", "/openApi/user/auth/userDataStream", json={"listenKey": "fake"})
    assert call(http, sim, "POST", account).json()["listenKey"] != "fake"
