"""The incident lab through the control API: what other-language clients and
applications under test use to inject faults, run incidents and break keys."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import pytest
import requests
import websocket

from bingx_sim import Simulator
from bingx_sim.contract.wire import connect
from bingx_sim.incidents import INCIDENTS
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(invalid_key="close", snapshots=False) as simulator:
        yield simulator


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Content-Type"] = "application/json"
        yield session


def test_faults_are_added_listed_with_hits_and_cleared(
    sim: Simulator, http: requests.Session
) -> None:
    base = f"{sim.rest_url}/_sim"
    account = sim.add_account()
    added = http.post(
        f"{base}/faults",
        json={"type": "rest_error", "account": account.api_key, "method": "POST", "code": 100410},
    )
    assert added.status_code == 201, added.text
    fault = added.json()
    assert fault["type"] == "rest_error" and fault["hits"] == 0 and fault["times"] == 1
    second = http.post(f"{base}/faults", json={"type": "lose_events", "times": None}).json()
    listed = http.get(f"{base}/faults").json()["faults"]
    assert [f["id"] for f in listed] == [fault["id"], second["id"]]
    refused = http.post(
        f"{sim.rest_url}{LISTEN_KEY_PATH}", headers={"X-BX-APIKEY": account.api_key}
    )
    assert refused.json()["code"] == 100410
    assert [f["id"] for f in http.get(f"{base}/faults").json()["faults"]] == [second["id"]]
    assert http.delete(f"{base}/faults/{second['id']}").json() == {"cleared": 1}
    assert http.delete(f"{base}/faults/{second['id']}").status_code == 404
    http.post(f"{base}/faults", json={"type": "silence", "times": None})
    assert http.delete(f"{base}/faults").json() == {"cleared": 1}
    assert http.get(f"{base}/faults").json() == {"faults": []}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"type": "volcano"}, "type must be one of"),
        ({"type": "rest_error", "colour": "red"}, "takes no colour"),
        ({"type": "rest_error", "times": 0}, "times"),
        ({"type": "rest_delay"}, "seconds"),
        ({"type": "drop", "account": "nobody"}, "no account"),
    ],
)
def test_bad_faults_are_refused_with_a_reason(
    sim: Simulator, http: requests.Session, body: dict[str, object], reason: str
) -> None:
    answer = http.post(f"{sim.rest_url}/_sim/faults", json=body)
    assert answer.status_code in (400, 404) and reason in answer.json()["error"]


def test_keys_break_and_sockets_close_on_request(sim: Simulator, http: requests.Session) -> None:
    base = f"{sim.rest_url}/_sim"
    account = sim.add_account()
    auth = {"X-BX-APIKEY": account.api_key}
    key = http.post(f"{sim.rest_url}{LISTEN_KEY_PATH}", headers=auth).json()["listenKey"]
    with connect(sim.ws_url, key, timeout=5) as ws:
        closed = http.post(f"{base}/sockets/close", json={"account": account.api_key, "code": 4001})
        assert closed.json() == {"closed": 1}
        opcode, data = ws.recv_data(control_frame=True)
        while opcode != websocket.ABNF.OPCODE_CLOSE:
            opcode, data = ws.recv_data(control_frame=True)
        assert int.from_bytes(data[:2], "big") == 4001
    assert http.post(f"{base}/listen-keys/{key}/forget").json() == {"forgotten": key}
    assert http.post(f"{base}/listen-keys/{key}/expire").status_code == 404
    other = http.post(f"{sim.rest_url}{LISTEN_KEY_PATH}", headers=auth).json()["listenKey"]
    assert http.post(f"{base}/listen-keys/{other}/expire").json() == {"expired": other}
    assert http.post(f"{base}/sockets/close", json={"code": 1005}).status_code == 400


def test_incidents_are_listed_and_run(sim: Simulator, http: requests.Session) -> None:
    base = f"{sim.rest_url}/_sim"
    listed = http.get(f"{base}/incidents").json()["incidents"]
    assert [i["name"] for i in listed] == list(INCIDENTS)
    assert all(i["summary"] and i["correct"] and i["source"] for i in listed)
    account = sim.add_account()
    auth = {"X-BX-APIKEY": account.api_key}
    key = http.post(f"{sim.rest_url}{LISTEN_KEY_PATH}", headers=auth).json()["listenKey"]
    ran = http.post(
        f"{base}/incidents/expired-despite-keepalive", json={"account": account.api_key}
    )
    assert ran.json() == {"incident": "expired-despite-keepalive", "account": account.api_key}
    assert [k["state"] for k in http.get(f"{base}/listen-keys").json()["listen_keys"]] == [
        "expired"
    ]
    assert key
    assert http.post(f"{base}/incidents/nope", json={"account": account.api_key}).status_code == 404
    assert http.post(f"{base}/incidents/silent-socket", json={}).status_code == 404


def test_options_are_read_back(sim: Simulator, http: requests.Session) -> None:
    options = http.get(f"{sim.rest_url}/_sim/options").json()["options"]
    assert options["invalid_key"] == "close" and options["signature_encodings"] == ["hex"]


def test_faults_from_the_control_api_act_on_the_wire(
    sim: Simulator, http: requests.Session
) -> None:
    base = f"{sim.rest_url}/_sim"
    account = sim.add_account()
    auth = {"X-BX-APIKEY": account.api_key}
    key = http.post(f"{sim.rest_url}{LISTEN_KEY_PATH}", headers=auth).json()["listenKey"]
    fault = {"type": "refuse_connect", "account": account.api_key, "status": 503}
    assert http.post(f"{base}/faults", json=fault).status_code == 201
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(sim.ws_url, key, timeout=5)
    assert refused.value.status_code == 503
    with connect(sim.ws_url, key, timeout=5) as ws:
        http.post(f"{base}/faults", json={"type": "corrupt_frame", "account": account.api_key})
        pushed = http.post(
            f"{base}/accounts/{account.api_key}/events", json={"e": "ORDER_TRADE_UPDATE"}
        )
        assert pushed.json()["delivered"] == 1
        opcode, data = ws.recv_data()
        while opcode == websocket.ABNF.OPCODE_BINARY and data == _PING:
            opcode, data = ws.recv_data()
        with pytest.raises(zlib.error):
            zlib.decompress(data, wbits=31)
        http.post(f"{base}/faults", json={"type": "drop", "account": account.api_key})
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            _no_close_frame(ws)
    fired = [e for e in http.get(f"{base}/journal").json()["entries"] if e["type"] == "FaultFired"]
    assert [e["fault"] for e in fired] == ["RefuseConnect", "CorruptFrame", "Drop"]


_PING = zlib.compress(b"Ping", 6, wbits=31)


def _no_close_frame(ws: websocket.WebSocket) -> None:
    while True:
        opcode, _ = ws.recv_data(control_frame=True)
        assert opcode != websocket.ABNF.OPCODE_CLOSE


def test_events_are_built_and_pushed_per_product(sim: Simulator, http: requests.Session) -> None:
    account = sim.add_account()
    url = f"{sim.rest_url}/_sim/accounts/{account.api_key}/events"
    coin = http.post(f"{url}?product=coinm", json={"e": "ACCOUNT_UPDATE"}).json()["event"]
    assert coin["a"]["P"][0]["s"] == "BTC-USD" and "iw" not in coin["a"]["P"][0]
    spot = http.post(url, json={"e": "ACCOUNT_UPDATE", "product": "spot"}).json()["event"]
    assert "P" not in spot["a"] and "lk" in spot["a"]["B"][0]
    report = http.post(url, json={"e": "executionReport", "product": "spot"})
    assert report.status_code == 200
    wrong = http.post(url, json={"e": "executionReport"})  # not a USDT-M event
    assert wrong.status_code == 400 and "unknown swap event type" in wrong.json()["error"]
    assert http.post(f"{url}?product=margin", json={"e": "ACCOUNT_UPDATE"}).status_code == 400


def test_stubs_through_the_control_api(sim: Simulator, http: requests.Session) -> None:
    base = f"{sim.rest_url}/_sim"
    added = http.post(
        f"{base}/stubs",
        json={"method": "GET", "path": "/openApi/spot/v1/account/balance", "json": {"code": 0}},
    )
    assert added.status_code == 201, added.text
    assert requests.get(f"{sim.rest_url}/openApi/spot/v1/account/balance").json() == {"code": 0}
    listed = http.get(f"{base}/stubs").json()["stubs"]
    assert [(s["id"], s["hits"]) for s in listed] == [(added.json()["id"], 1)]
    assert http.delete(f"{base}/stubs/{added.json()['id']}").json() == {"cleared": 1}
    assert http.post(f"{base}/stubs", json={"path": "/x"}).status_code == 400
    assert (
        http.post(f"{base}/stubs", json={"method": "GET", "path": "/x", "x": 1}).status_code == 400
    )
    assert http.delete(f"{base}/stubs").json() == {"cleared": 0}


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/_sim/faults/%C2%B2", None, 404),  # "²": isdigit() but not an int
        ("DELETE", "/_sim/faults/%C2%B2", None, 404),
        ("DELETE", "/_sim/stubs/%C2%B2", None, 404),
        ("POST", "/_sim/accounts/{key}/fills", {"order_id": "²", "qty": "1"}, 400),
        ("POST", "/_sim/accounts/{key}/events", {"e": "ACCOUNT_UPDATE", "product": ["swap"]}, 400),
    ],
)
def test_odd_ids_and_products_are_refused_not_a_500(
    sim: Simulator, http: requests.Session, method: str, path: str, body: object, status: int
) -> None:
    key = sim.add_account().api_key
    answer = http.request(method, sim.rest_url + path.format(key=key), json=body)
    assert answer.status_code == status, answer.text
    assert "error" in answer.json()
