"""Stubs match like WireMock's and pytest-httpserver's: query subset, API key, body
fields, ordered sequences, callable answers; named in the journal; near misses explained."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from bingx_sim import Account, RestCall, Simulator
from bingx_sim.lab.stubs import Reply, Stub, StubPlan, StubRequest, stub_from_json

POSITIONS = "/openApi/swap/v2/user/positions"
ORDER = "/openApi/swap/v2/trade/order"


def _get(http: requests.Session, sim: Simulator, path: str, **kwargs: Any) -> requests.Response:
    return http.get(f"{sim.rest_url}{path}", **kwargs)


def _last(sim: Simulator) -> RestCall:
    return sim.journal.requests[-1]


def test_query_matches_a_subset_and_ignores_timestamp(
    sim: Simulator, http: requests.Session
) -> None:
    sim.stub("GET", "/x/positions", query={"symbol": "BTC-USDT"}, json={"data": "btc"})
    sim.stub("GET", "/x/positions", query={"symbol": "ETH-USDT"}, json={"data": "eth"})
    eth = _get(http, sim, "/x/positions", params={"symbol": "ETH-USDT", "timestamp": "1"})
    btc = _get(http, sim, "/x/positions", params={"timestamp": "2", "symbol": "BTC-USDT"})
    assert (eth.json(), btc.json()) == ({"data": "eth"}, {"data": "btc"})
    assert _get(http, sim, "/x/positions").status_code == 404  # no symbol: no stub
    sim.expect_errors("unknown endpoint")


def test_each_account_gets_its_own_answer(sim: Simulator, http: requests.Session) -> None:
    first, second = sim.add_account(), sim.add_account()
    sim.stub("GET", "/x/balance", api_key=first, json={"balance": "1"})
    sim.stub("GET", "/x/balance", api_key=second.api_key, json={"balance": "2"})
    answers = [
        _get(http, sim, "/x/balance", headers={"X-BX-APIKEY": a.api_key}).json()
        for a in (first, second)
    ]
    assert answers == [{"balance": "1"}, {"balance": "2"}]


def test_a_stub_beats_the_modelled_endpoint_only_where_it_matches(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    sim.stub("GET", POSITIONS, query={"symbol": "ETH-USDT"}, json={"code": 0, "data": ["eth"]})
    headers = {"X-BX-APIKEY": account.api_key}
    eth = _get(http, sim, POSITIONS, params={"symbol": "ETH-USDT"}, headers=headers)
    assert eth.json() == {"code": 0, "data": ["eth"]}
    btc = _get(http, sim, POSITIONS, params={"symbol": "BTC-USDT"}, headers=headers)
    assert btc.json()["code"] != 0 or btc.json()["data"] != ["eth"]  # the ledger answered
    sim.expect_errors()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("symbol=BTC-USDT&side=BUY&quantity=1", "application/x-www-form-urlencoded"),
        (json.dumps({"symbol": "BTC-USDT", "side": "BUY", "quantity": 1}), "application/json"),
    ],
)
def test_body_params_match_form_and_json_bodies(
    sim: Simulator, http: requests.Session, body: str, content_type: str
) -> None:
    sim.stub("POST", "/x/order", body_params={"side": "BUY", "quantity": "1"}, json={"ok": 1})
    sim.stub("POST", "/x/order", body_params={"side": "SELL"}, json={"ok": 2})
    got = http.post(f"{sim.rest_url}/x/order", data=body, headers={"Content-Type": content_type})
    assert got.json() == {"ok": 1}
    sell = http.post(f"{sim.rest_url}/x/order", data="side=SELL")
    assert sell.json() == {"ok": 2}


def test_a_sequence_answers_in_order_then_is_spent(sim: Simulator, http: requests.Session) -> None:
    handle = sim.stub(
        "GET",
        "/x/status",
        sequence=[{"status": 503, "body": "busy"}, Reply(json={"state": "ready"})],
        headers={"X-Stub": "yes"},
    )
    first, second = _get(http, sim, "/x/status"), _get(http, sim, "/x/status")
    assert (first.status_code, first.text, first.headers["X-Stub"]) == (503, "busy", "yes")
    assert (second.status_code, second.json()) == (200, {"state": "ready"})
    third = _get(http, sim, "/x/status")
    assert third.status_code == 404 and "is spent" in third.json()["nearMiss"]
    assert handle.hits == 2
    sim.expect_errors("unknown endpoint")


def test_a_callable_answers_from_the_request(sim: Simulator, http: requests.Session) -> None:
    seen: list[StubRequest] = []

    def echo(request: StubRequest) -> Any:
        seen.append(request)
        if request.query.get("fail"):
            return Reply(status=418, body="teapot")
        return {"symbol": request.params["symbol"], "key": request.api_key}

    sim.stub("*", "/x/echo", answer=echo)
    got = http.post(
        f"{sim.rest_url}/x/echo?a=1", data="symbol=SOL-USDT", headers={"X-BX-APIKEY": "k1"}
    )
    assert got.json() == {"symbol": "SOL-USDT", "key": "k1"}
    assert _get(http, sim, "/x/echo", params={"fail": "1"}).status_code == 418
    assert [r.method for r in seen] == ["POST", "GET"] and seen[0].body == "symbol=SOL-USDT"


def test_a_callable_that_raises_is_a_500_and_a_simulator_error(
    sim: Simulator, http: requests.Session
) -> None:
    def broken(request: StubRequest) -> Any:
        raise RuntimeError("oops")

    sim.stub("GET", "/x/broken", answer=broken, name="broken")
    got = _get(http, sim, "/x/broken")
    assert got.status_code == 500 and "RuntimeError" in got.text
    assert any("oops" in p for p in sim.unexpected_errors())
    sim.reset()


def test_the_journal_and_the_unused_check_name_the_stub(
    sim: Simulator, http: requests.Session
) -> None:
    used = sim.stub("GET", "/x/used", json={}, name="markets")
    sim.stub("GET", "/x/never", json={}, times=1, name="never called")
    sim.stub("GET", "/x/seq", sequence=[{"json": 1}])
    _get(http, sim, "/x/used")
    assert _last(sim).stub == used.label == f"stub #{used.id} 'markets' GET /x/used"
    assert repr(used) == f"<StubHandle {used.label}>"
    problems = sim.unexpected_errors()
    assert any("'never called' GET /x/never (times=1) was never called" in p for p in problems)
    assert any("GET /x/seq (a sequence of 1 replies) was never called" in p for p in problems)
    sim.reset()


def test_a_near_miss_is_explained_in_the_404_and_the_journal(
    sim: Simulator, http: requests.Session
) -> None:
    stub = sim.stub("GET", "/x/positions", query={"symbol": "BTC-USDT"}, api_key="k1", json={})
    got = _get(http, sim, "/x/positions", params={"symbol": "ETH-USDT"})
    body = got.json()
    assert got.status_code == 404 and body["code"] == 100404
    assert body["nearMiss"].startswith(f"stub #{stub.id} GET /x/positions: ")
    assert "the query's symbol is 'ETH-USDT', the stub wants 'BTC-USDT'" in body["nearMiss"]
    assert "the API key is none, the stub answers k1" in body["nearMiss"]
    assert "(closest: stub #" in (_last(sim).violation or "")
    typo = _get(http, sim, "/x/position", params={"symbol": "BTC-USDT"})  # one letter off
    assert "the path is /x/position, the stub's is /x/positions" in typo.json()["nearMiss"]
    far = _get(http, sim, "/openApi/something/else")
    assert "nearMiss" not in far.json()
    sim.expect_errors("unknown endpoint")


def test_the_control_route_takes_the_same_fields(sim: Simulator, http: requests.Session) -> None:
    base = f"{sim.rest_url}/_sim/stubs"
    made = http.post(
        base,
        json={
            "method": "GET",
            "path": "/x/c",
            "query": {"symbol": "BTC-USDT", "limit": 5},
            "api_key": "k9",
            "name": "from json",
            "sequence": [{"json": {"n": 1}}, {"status": 500, "body": "down"}],
        },
    )
    assert made.status_code == 201, made.text
    view = made.json()
    assert view["query"] == {"symbol": "BTC-USDT", "limit": "5"} and view["sequence"] == 2
    headers = {"X-BX-APIKEY": "k9"}
    params = {"symbol": "BTC-USDT", "limit": "5"}
    assert _get(http, sim, "/x/c", params=params, headers=headers).json() == {"n": 1}
    one = http.get(f"{base}/{view['id']}").json()
    assert (one["hits"], one["spent"], one["label"]) == (
        1,
        False,
        f"stub #{view['id']} 'from json' GET /x/c",
    )
    assert http.get(f"{base}/999999").status_code == 404
    assert http.get(f"{base}/nope").status_code == 404
    bad = http.post(base, json={"method": "GET", "path": "/x", "answer": "f"})
    assert bad.status_code == 400 and "Python-only" in bad.json()["error"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"query": {"a": True}}, "query's a must be a string"),
        ({"query": [1]}, "query must be an object"),
        ({"body_params": [1]}, "body_params must be an object"),
        ({"sequence": []}, "non-empty list"),
        ({"sequence": [1]}, "each reply of a sequence is an object"),
        ({"sequence": [{"nope": 1}]}, "a reply takes no nope"),
        ({"sequence": [{"json": 1}], "times": 2}, "give no times"),
        ({"sequence": [{"json": 1}], "json": 2}, "give one answer"),
        ({"api_key": ""}, "api_key must be a non-empty string"),
        ({"name": 5}, "name must be a string"),
        ({"status": 99}, "not an HTTP status"),
        ({"body": 5}, "body must be a string"),
        ({"sequence": [{"status": "x"}]}, "not an HTTP status"),
    ],
)
def test_bad_stub_fields_are_refused_with_a_reason(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stub_from_json({"method": "GET", "path": "/x", **fields})


def test_python_only_checks() -> None:
    with pytest.raises(ValueError, match="callable of the request"):
        Stub(method="GET", path="/x", answer="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sequence holds replies"):
        Stub(method="GET", path="/x", sequence=(5,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="query must map"):
        Stub(method="GET", path="/x", query={"a": 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="body_params must map"):
        Stub(method="GET", path="/x", body_params={1: "a"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="method and a path"):
        Stub(method=None, path="/x")  # type: ignore[arg-type]
    assert Stub(method="GET", path="/x", sequence=(Reply(json=1),)).payload() == (
        b"1",
        "application/json",
    )


def test_body_fields_and_value_matching_rules() -> None:
    def asked(body: str) -> StubRequest:
        return StubRequest("POST", "/x", {}, body)

    assert asked('{"a": [1]}').body_fields() == {"a": [1]}
    assert asked("{not json").body_fields() == {}
    assert asked("[1, 2]").body_fields() == {}
    assert asked("a=1&a=2").body_fields() == {"a": "1"}
    stub = Stub(method="POST", path="/x", body_params={"n": "1", "b": "true", "f": 2})
    assert stub.matches(asked('{"n": 1, "b": true, "f": "2"}'))
    assert not stub.matches(asked('{"n": 2, "b": true, "f": "2"}'))
    assert "the body has no n" in stub.mismatches(asked("b=true&f=2"))[0]
    plan = StubPlan()
    assert plan.near_miss(asked("")) is None
    active = plan.add(stub)
    with pytest.raises(KeyError):
        plan.hits(active.id + 1000)


def test_a_stubs_view_shows_its_matchers() -> None:
    plan = StubPlan()
    active = plan.add(
        Stub(method="POST", path="/x", body_params={"a": 1}, answer=lambda request: {}, name="n")
    )
    view = active.view()
    assert view["body_params"] == {"a": 1} and view["answer"].endswith("<lambda>")
    assert plan.find(active.id) is active and plan.remove(active.id) and not plan.remove(active.id)
    with pytest.raises(ValueError, match="headers must map strings to strings"):
        Stub(method="GET", path="/x", headers={"a": 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="times must be a positive count"):
        Stub(method="GET", path="/x", times=0)
