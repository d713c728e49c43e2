"""The control API can do what ``Simulator`` can: every operation has its route (a table
here, checked both ways against the class and the app), and the routes added for it."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest
import requests

from bingx_sim import Simulator
from bingx_sim import events as build
from bingx_sim.wire.app import create_app

from ..wire import call, connect, new_key, recv_event

ROUTES = {
    "add_account": "POST /_sim/accounts",
    "accounts": "GET /_sim/accounts",
    "set_price": "POST /_sim/prices",
    "script_prices": "POST /_sim/prices/script",
    "deposit": "POST /_sim/accounts/{api_key}/deposit",
    "withdraw": "POST /_sim/accounts/{api_key}/withdraw",
    "place_order": "POST /_sim/accounts/{api_key}/orders",
    "fill": "POST /_sim/accounts/{api_key}/fills",
    "funding": "POST /_sim/funding",
    "liquidate": "POST /_sim/accounts/{api_key}/liquidation",
    "account_state": "GET /_sim/accounts/{api_key}/ledger",
    "push": "POST /_sim/accounts/{api_key}/events",
    "push_many": "POST /_sim/accounts/{api_key}/events",  # a JSON array
    "settle": "POST /_sim/settle",
    "advance": "POST /_sim/clock",
    "now_ms": "GET /_sim/clock",
    "reset": "POST /_sim/reset",
    "close_sockets": "POST /_sim/sockets/close",
    "expect_errors": "POST /_sim/expect-errors",
    "unexpected_errors": "GET /_sim/mistakes",
    "mistakes": "GET /_sim/mistakes",
    "options": "GET /_sim/options",
    "set_options": "POST /_sim/options",
    "listen_keys": "GET /_sim/listen-keys",
    "pristine": "GET /_sim/health",
    "journal": "GET /_sim/journal",
    "fail_next": "POST /_sim/faults",  # a rest_error
    "inject": "POST /_sim/faults",
    "active_faults": "GET /_sim/faults",
    "clear_faults": "DELETE /_sim/faults",
    "fault_hits": "GET /_sim/faults/{fault_id}",
    "clear_fault": "DELETE /_sim/faults/{fault_id}",
    "expire": "POST /_sim/listen-keys/{key}/expire",
    "forget": "POST /_sim/listen-keys/{key}/forget",
    "stub": "POST /_sim/stubs",  # every field but the Python-only callable answer
    "stub_hits": "GET /_sim/stubs/{stub_id}",
    "clear_stub": "DELETE /_sim/stubs/{stub_id}",
    "clear_stubs": "DELETE /_sim/stubs",
    "trigger": "POST /_sim/incidents/{name}",
}
"""Each public ``Simulator`` operation and the control route that runs it."""

NOT_OPERATIONS = {
    # The process and its addresses: the sandbox's are its command line and its banner.
    "start": "bingx-sim serve",
    "stop": "SIGINT / SIGTERM",
    "config": "the command line's flags",
    "port": "the banner",
    "rest_url": "the banner",
    "ws_url": "the banner",
    "spot_ws_url": "the banner",
    "coinm_ws_url": "the banner",
    "ui_url": "the banner",
    # Two operations in one thread hop, for the fixtures; over HTTP it is two calls.
    "reset_and_add_account": "POST /_sim/reset, then POST /_sim/accounts",
}

CONTROL_ONLY = {
    "GET /_sim/": "the list of routes",
    "GET /_sim/stubs": "the stubs (Python keeps its StubHandles)",
    "GET /_sim/incidents": "the catalogue (Python: bingx_sim.INCIDENTS)",
    "GET /_sim/journal/stream": "the journal as server-sent events",
    "GET /_sim/sockets": "the dashboard's socket table",
    "GET /_sim/fault-types": "the dashboard's fault forms (Python: bingx_sim.faults)",
}
DASHBOARD = "/_sim/ui"
"""The dashboard's page and its own routes (``docs/dashboard.md``): for a person."""


def _control_routes() -> set[str]:
    found = set()
    for route in create_app().router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith(DASHBOARD) or route.method == "HEAD" or "{tail" in path:
            continue
        if path.startswith("/_sim/"):
            found.add(f"{route.method} {path}")
    return found


def test_every_simulator_operation_has_its_route_and_every_route_its_operation() -> None:
    members = {name for name, _ in inspect.getmembers(Simulator)} | set(vars(Simulator()))
    public = {name for name in members if not name.startswith("_")}
    unmapped = public - set(ROUTES) - set(NOT_OPERATIONS)
    assert not unmapped, f"Simulator operations without a control route: {sorted(unmapped)}"
    assert not (set(ROUTES) | set(NOT_OPERATIONS)) - public, "a row names no operation"
    routes = _control_routes()
    missing = set(ROUTES.values()) - routes
    assert not missing, f"routes the table names that the app lacks: {sorted(missing)}"
    unclaimed = routes - set(ROUTES.values()) - set(CONTROL_ONLY)
    assert not unclaimed, f"control routes no operation runs: {sorted(unclaimed)}"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(snapshots=False) as simulator:  # sockets read frame by frame
        yield simulator


@pytest.fixture
def control(sim: Simulator) -> Iterator[tuple[requests.Session, str]]:
    with requests.Session() as http:
        yield http, f"{sim.rest_url}/_sim"


def test_options_are_read_and_changed_as_the_constructor_takes_them(
    sim: Simulator, control: tuple[requests.Session, str]
) -> None:
    http, base = control
    before = http.get(f"{base}/options").json()
    assert before["options"]["success_body"] == "empty" and before["changed"] == {
        "snapshots": False
    }
    changed = http.post(f"{base}/options", json={"profile": "bingx-python", "recv_window_ms": 9000})
    assert changed.status_code == 200, changed.text
    assert changed.json()["options"]["signature_encodings"] == ["base64", "hex"]
    assert http.get(f"{base}/options").json()["changed"]["recv_window_ms"] == 9000
    assert sim.options.listen_key_source == "query+body"
    for body, message in (
        ({"nope": 1}, "unknown option(s) nope; valid: change_needs_api_key"),
        ({"on_expiry": "x"}, "on_expiry='x' is not one of close, silent"),
        ({"recv_window_ms": "9"}, "wrong type (expected int)"),
        ({}, "send an object of option names and values"),
    ):
        refused = http.post(f"{base}/options", json=body)
        assert refused.status_code == 400 and message in refused.json()["error"], refused.text
    http.post(f"{base}/reset", headers={"Content-Type": "application/json"})
    assert http.get(f"{base}/options").json()["options"]["success_body"] == "empty"


def test_an_array_of_events_is_pushed_in_order_in_one_hop(
    sim: Simulator, control: tuple[requests.Session, str]
) -> None:
    http, base = control
    account = sim.add_account()
    with connect(sim.ws_url, new_key(http, sim, account)) as ws:
        sim.journal.wait_for(lambda e: getattr(e, "kind", None) == "open")
        events = [{"e": "ORDER_TRADE_UPDATE", "o": {"s": s}} for s in ("A-USDT", "B-USDT")]
        events.append({"e": "ACCOUNT_UPDATE", "product": "swap"})
        pushed = http.post(f"{base}/accounts/{account.api_key}/events", json=events)
        assert pushed.status_code == 200, pushed.text
        assert pushed.json()["delivered"] == [1, 1, 1] and len(pushed.json()["events"]) == 3
        got = [recv_event(ws) for _ in range(3)]
        assert [e["e"] for e in got] == ["ORDER_TRADE_UPDATE"] * 2 + ["ACCOUNT_UPDATE"]
        assert [e["o"]["s"] for e in got[:2]] == ["A-USDT", "B-USDT"]
    one = http.post(f"{base}/accounts/{account.api_key}/events", json=build.account_update())
    assert one.json()["delivered"] == 0 and one.json()["event"]["e"] == "ACCOUNT_UPDATE"
    url = f"{base}/accounts/{account.api_key}/events"
    for body, status in (([1], 400), ([{"e": "NOPE"}], 400), (5, 400), ("[", 400)):
        sent = (
            http.post(url, json=body)
            if body != "["
            else http.post(url, data="[", headers={"Content-Type": "application/json"})
        )
        assert sent.status_code == status, (body, sent.text)
    mixed = [{"e": "ACCOUNT_UPDATE", "product": "spot"}, {"e": "ACCOUNT_UPDATE", "product": "swap"}]
    assert http.post(url, json=mixed).status_code == 400


def test_mistakes_settle_expect_errors_and_hits(
    sim: Simulator, control: tuple[requests.Session, str]
) -> None:
    http, base = control
    http.get(f"{sim.rest_url}/openApi/nope")
    (mistake,) = http.get(f"{base}/mistakes").json()["mistakes"]
    assert (mistake["kind"], mistake["code"]) == ("RestCall", 100404)
    assert mistake["reason"] == "unknown endpoint GET /openApi/nope"
    assert mistake["text"] == sim.unexpected_errors()[0]
    expected = http.post(f"{base}/expect-errors", json={"patterns": ["unknown endpoint"]})
    assert expected.json() == {"expected": ["unknown endpoint"]}
    assert http.get(f"{base}/mistakes").json()["mistakes"] == []
    assert http.post(f"{base}/expect-errors", json={"patterns": "x"}).status_code == 400
    assert http.post(f"{base}/expect-errors", json={"patterns": ["("]}).status_code == 400
    assert http.post(f"{base}/expect-errors", json={}).json() == {"expected": "any"}
    assert http.post(f"{base}/settle", headers={"Content-Type": "application/json"}).json() == {
        "expired": []
    }
    assert http.get(f"{base}/health").json()["pristine"] is False

    fault = http.post(f"{base}/faults", json={"type": "rest_error", "status": 503, "times": 2})
    fault_id = fault.json()["id"]
    account = sim.add_account()
    assert call(http, sim, "POST", account).status_code == 503
    assert http.get(f"{base}/faults/{fault_id}").json() == {
        "id": fault_id,
        "hits": 1,
        "active": True,
    }
    assert http.get(f"{base}/faults/999999").status_code == 404
    assert http.get(f"{base}/faults/x").status_code == 404
    assert sim.clear_stubs() == 0
    sim.reset()
