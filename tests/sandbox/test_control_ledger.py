"""The account model through the control API: what a client in another language uses
to set prices, move money, force fills and read the ledger (the same operations as the
``Simulator`` methods)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bingx_sim import Simulator


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        yield simulator


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Content-Type"] = "application/json"
        yield session


def _post(http: requests.Session, sim: Simulator, path: str, body: Any, status: int = 200) -> Any:
    answer = http.post(f"{sim.rest_url}/_sim{path}", json=body)
    assert answer.status_code == status, answer.text
    return answer.json()


def test_an_account_with_balances_trades_and_its_ledger_reads_back(
    sim: Simulator, http: requests.Session
) -> None:
    made = _post(http, sim, "/accounts", {"balances": {"USDT": "10000"}}, 201)
    key = made["api_key"]
    prices = _post(http, sim, "/prices", {"symbol": "BTC-USDT", "price": "50000"})
    assert prices == {"symbol": "BTC-USDT", "events": []}
    order = {
        "symbol": "BTC-USDT",
        "side": "BUY",
        "positionSide": "LONG",
        "type": "LIMIT",
        "price": "49000",
        "quantity": "0.02",
    }
    placed = _post(http, sim, f"/accounts/{key}/orders", order, 201)["data"]["order"]
    filled = _post(
        http, sim, f"/accounts/{key}/fills", {"order_id": placed["orderId"], "qty": "0.01"}
    )["order"]
    assert filled["status"] == "PARTIALLY_FILLED"
    moved = _post(http, sim, "/prices", {"symbol": "BTC-USDT", "price": "48000"})
    assert [e["o"]["X"] for e in moved["events"] if e["e"] == "ORDER_TRADE_UPDATE"] == ["FILLED"]
    assert _post(http, sim, f"/accounts/{key}/deposit", {"asset": "USDT", "amount": "5"})[
        "balance"
    ].startswith("10004")
    funded = _post(http, sim, "/funding", {"symbol": "BTC-USDT", "rate": "0.0001"})
    assert [e["a"]["m"] for e in funded["events"]] == ["FUNDING_FEE"]
    ledger = http.get(f"{sim.rest_url}/_sim/accounts/{key}/ledger").json()
    assert [p["positionAmt"] for p in ledger["positions"]] == ["0.0200"]
    assert ledger["openOrders"]["orders"] == []
    liquidated = _post(http, sim, f"/accounts/{key}/liquidation", {"symbol": "BTC-USDT"})
    assert liquidated["orders"][0]["status"] == "FILLED"


def test_a_scripted_price_path_through_the_control_api(
    sim: Simulator, http: requests.Session
) -> None:
    now = sim.now_ms()
    steps = [[now + 60_000, "51000"], {"after_ms": 120_000, "price": "52000"}]
    assert _post(http, sim, "/prices/script", {"symbol": "ETH-USDT", "steps": steps}) == {
        "symbol": "ETH-USDT",
        "pending": 2,
    }
    _post(http, sim, "/clock", {"advance_ms": 180_000})
    price = http.get(f"{sim.rest_url}/openApi/swap/v2/quote/price?symbol=ETH-USDT").json()
    assert float(price["data"]["price"]) == 52000


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("/prices", {"symbol": "BTC-USDT"}, 400, "price is required"),
        ("/prices", {"symbol": "NOPE-USDT", "price": "1"}, 400, "109400"),
        ("/prices", {"symbol": "BTC-USDT", "price": "-5"}, 400, ""),
        ("/prices", {"symbol": "BTC-USDT", "price": "5", "product": "margin"}, 400, "product"),
        ("/prices", {"symbol": "BTC-USDT", "price": True}, 400, "string"),
        ("/prices/script", {"symbol": "BTC-USDT", "steps": [[1, "x"]]}, 400, "decimal"),
        ("/prices/script", {"symbol": "BTC-USDT", "steps": "soon"}, 400, "list"),
        ("/funding", {"symbol": "BTC-USDT", "rate": "lots"}, 400, ""),
        ("/accounts/nobody/deposit", {"asset": "USDT", "amount": "1"}, 404, "no account"),
        ("/accounts", {"balances": {"USDT": "-1"}}, 400, ""),
        ("/accounts", {"balances": ["USDT"]}, 400, "balances"),
    ],
)
def test_bad_bodies_are_refused_with_a_reason_and_change_nothing(
    sim: Simulator, http: requests.Session, path: str, body: Any, status: int, says: str
) -> None:
    before = http.get(f"{sim.rest_url}/openApi/swap/v2/quote/price?symbol=BTC-USDT").json()
    answer = _post(http, sim, path, body, status)
    assert says in answer["error"]
    after = http.get(f"{sim.rest_url}/openApi/swap/v2/quote/price?symbol=BTC-USDT").json()
    assert before["data"]["price"] == after["data"]["price"]
    assert not sim.journal.frames  # nothing was pushed


def test_a_refused_order_and_withdrawal_answer_the_exchanges_code(
    sim: Simulator, http: requests.Session
) -> None:
    key = _post(http, sim, "/accounts", {"balances": {"USDT": "10"}}, 201)["api_key"]
    big = {
        "symbol": "BTC-USDT",
        "side": "BUY",
        "positionSide": "LONG",
        "type": "MARKET",
        "quantity": "1",
    }
    assert _post(http, sim, f"/accounts/{key}/orders", big, 400)["error"].startswith("101204")
    assert "error" in _post(
        http, sim, f"/accounts/{key}/withdraw", {"asset": "USDT", "amount": "11"}, 400
    )
    ledger = http.get(f"{sim.rest_url}/_sim/accounts/{key}/ledger").json()
    assert ledger["balance"]["balance"]["balance"].startswith("10")


def test_an_account_gets_starting_balances_per_product(
    sim: Simulator, http: requests.Session
) -> None:
    body = {"balances": {"swap": {"USDT": "100"}, "spot": {"USDT": "2000", "BTC": "0.5"}}}
    key = _post(http, sim, "/accounts", body, 201)["api_key"]
    spot = http.get(f"{sim.rest_url}/_sim/accounts/{key}/ledger?product=spot").json()
    assert (
        spot["balance"] != http.get(f"{sim.rest_url}/_sim/accounts/{key}/ledger").json()["balance"]
    )
    assert "0.5" in json.dumps(spot)
    nested_bad = {"balances": {"spot": {"USDT": ["1"]}}}
    assert "one per product" in _post(http, sim, "/accounts", nested_bad, 400)["error"]
