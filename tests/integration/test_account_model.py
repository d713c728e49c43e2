"""The USDT-M account model on the wire: REST answers and pushed events from one ledger,
under prices the test sets; every refusal leaves the ledger as it was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bingx_sim import Account, Simulator, schemas
from bingx_sim.faults import RestError
from bingx_sim.ledger import Refused
from tests.integration.conftest import MakeSim
from tests.trading import public, signed
from tests.wire import ClosingWebSocket, connect, new_key, recv_event

ORDER = "/openApi/swap/v2/trade/order"
BALANCE = "/openApi/swap/v3/user/balance"
POSITIONS = "/openApi/swap/v2/user/positions"
OPEN_ORDERS = "/openApi/swap/v2/trade/openOrders"


@pytest.fixture
def rich(sim: Simulator) -> Account:
    return sim.add_account(balances={"USDT": "10000"})


@pytest.fixture
def stream(sim: Simulator, http: requests.Session, rich: Account) -> Iterator[ClosingWebSocket]:
    ws = connect(f"{sim.ws_url}?listenKey={new_key(http, sim, rich)}")
    try:
        yield ws
    finally:
        ws.close()


def _events(ws: ClosingWebSocket, count: int) -> list[dict[str, Any]]:
    got = [recv_event(ws) for _ in range(count)]
    for event in got:
        schemas.validate(event)
    return got


def _kinds(events: list[dict[str, Any]]) -> list[str]:
    return [
        f"{e['e']}:{e['o']['x']}/{e['o']['X']}"
        if e["e"] == "ORDER_TRADE_UPDATE"
        else f"{e['e']}:{e['a']['m']}"
        for e in events
    ]


def test_a_market_buy_fills_at_the_last_price_and_rest_agrees_with_the_stream(
    sim: Simulator, http: requests.Session, rich: Account, stream: ClosingWebSocket
) -> None:
    sim.set_price("BTC-USDT", "50000")
    answer = signed(
        http,
        sim,
        rich,
        "POST",
        ORDER,
        symbol="BTC-USDT",
        side="BUY",
        positionSide="LONG",
        type="MARKET",
        quantity="0.01",
    )
    assert answer["code"] == 0
    order = answer["data"]["order"]  # the request echoed, as BingX answers a placement
    assert (order["symbol"], order["type"], order["quantity"]) == ("BTC-USDT", "MARKET", 0.01)
    assert isinstance(order["orderId"], int) and order["orderId"] > 2**53
    queried = signed(http, sim, rich, "GET", ORDER, symbol="BTC-USDT", orderId=order["orderId"])
    assert queried["data"]["order"]["status"] == "FILLED"
    assert float(queried["data"]["order"]["avgPrice"]) == 50000
    events = _events(stream, 3)
    assert _kinds(events) == [
        "ORDER_TRADE_UPDATE:NEW/NEW",
        "ACCOUNT_UPDATE:ORDER",
        "ORDER_TRADE_UPDATE:TRADE/FILLED",
    ]
    trade = events[2]["o"]
    assert trade["i"] == order["orderId"] and trade["l"] == trade["z"] == "0.01000000"
    wallet = events[1]["a"]["B"][0]["wb"]
    rest_balance = signed(http, sim, rich, "GET", BALANCE)["data"][0]
    assert float(rest_balance["balance"]) == float(wallet)  # the same fact, both ways
    held = signed(http, sim, rich, "GET", POSITIONS, symbol="BTC-USDT")["data"]
    assert [(p["positionSide"], p["positionAmt"]) for p in held] == [("LONG", "0.0100")]
    position = events[1]["a"]["P"][0]
    assert (position["ps"], position["pa"], position["ep"]) == (
        "LONG",
        "0.01000000",
        "50000.00000000",
    )


def test_a_resting_limit_fills_as_maker_when_the_price_crosses_it(
    sim: Simulator, http: requests.Session, rich: Account, stream: ClosingWebSocket
) -> None:
    sim.set_price("BTC-USDT", "50000")
    placed = signed(
        http,
        sim,
        rich,
        "POST",
        ORDER,
        symbol="BTC-USDT",
        side="BUY",
        positionSide="LONG",
        type="LIMIT",
        price="49000",
        quantity="0.02",
        clientOrderId="My-Bot-1",
    )["data"]["order"]
    assert placed["clientOrderID"] == "my-bot-1"  # lowercased by the exchange
    assert _kinds(_events(stream, 1)) == ["ORDER_TRADE_UPDATE:NEW/NEW"]
    open_now = signed(http, sim, rich, "GET", OPEN_ORDERS, symbol="BTC-USDT")["data"]["orders"]
    assert [o["orderId"] for o in open_now] == [placed["orderId"]]

    pushed = sim.set_price("BTC-USDT", "48900")  # returns once the frames are on the wire
    events = _events(stream, len(pushed))
    assert events == pushed
    fills = [e for e in events if e["e"] == "ORDER_TRADE_UPDATE" and e["o"]["x"] == "TRADE"]
    assert [(f["o"]["L"], f["o"]["X"]) for f in fills] == [("49000.00000000", "FILLED")]
    after = signed(http, sim, rich, "GET", ORDER, symbol="BTC-USDT", orderId=placed["orderId"])
    assert after["data"]["order"]["status"] == "FILLED"
    assert signed(http, sim, rich, "GET", OPEN_ORDERS)["data"]["orders"] == []


def test_a_cancel_answers_the_order_and_pushes_canceled(
    sim: Simulator, http: requests.Session, rich: Account, stream: ClosingWebSocket
) -> None:
    placed = sim.place_order(
        rich,
        symbol="ETH-USDT",
        side="SELL",
        positionSide="SHORT",
        type="LIMIT",
        price="9000",
        quantity="0.5",
    )["order"]
    _events(stream, 1)
    cancelled = signed(
        http, sim, rich, "DELETE", ORDER, symbol="ETH-USDT", orderId=placed["orderId"]
    )["data"]["order"]
    assert cancelled["status"] == "CANCELLED"  # REST's spelling
    assert _kinds(_events(stream, 1)) == ["ORDER_TRADE_UPDATE:CANCELED/CANCELED"]  # stream's


def _state(sim: Simulator, account: Account) -> dict[str, Any]:
    return sim.account_state(account)


REFUSALS: list[tuple[str, dict[str, Any]]] = [
    (
        "insufficient margin",
        dict(symbol="BTC-USDT", side="BUY", positionSide="LONG", type="MARKET", quantity="100"),
    ),
    (
        "unknown symbol",
        dict(symbol="NOPE-USDT", side="BUY", positionSide="LONG", type="MARKET", quantity="1"),
    ),
    (
        "wrong positionSide for the mode",
        dict(symbol="BTC-USDT", side="BUY", positionSide="BOTH", type="MARKET", quantity="0.01"),
    ),
    (
        "below minimum",
        dict(symbol="BTC-USDT", side="BUY", positionSide="LONG", type="MARKET", quantity="0.00001"),
    ),
    (
        "post-only that would take",
        dict(
            symbol="BTC-USDT",
            side="BUY",
            positionSide="LONG",
            type="LIMIT",
            price="70000",
            quantity="0.01",
            timeInForce="PostOnly",
        ),
    ),
]


@pytest.mark.parametrize(("why", "params"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_each_refusal_answers_the_exchanges_code_and_changes_nothing(
    sim: Simulator, http: requests.Session, rich: Account, why: str, params: dict[str, Any]
) -> None:
    sim.set_price("BTC-USDT", "64000")
    before = _state(sim, rich)
    answer = signed(http, sim, rich, "POST", ORDER, **params)
    assert answer["code"] != 0 and answer["msg"], why
    assert _state(sim, rich) == before


def test_duplicate_client_order_id_and_cancel_of_a_filled_order_are_refused(
    sim: Simulator, http: requests.Session, rich: Account
) -> None:
    sim.set_price("BTC-USDT", "64000")
    order = dict(
        symbol="BTC-USDT",
        side="BUY",
        positionSide="LONG",
        type="MARKET",
        quantity="0.01",
        clientOrderId="once",
    )
    filled = signed(http, sim, rich, "POST", ORDER, **order)["data"]["order"]
    before = _state(sim, rich)
    assert signed(http, sim, rich, "POST", ORDER, **order)["code"] == 101481
    refused = signed(http, sim, rich, "DELETE", ORDER, symbol="BTC-USDT", orderId=filled["orderId"])
    assert refused["code"] != 0
    assert _state(sim, rich) == before


def test_an_unsigned_trading_call_is_refused_even_when_listen_keys_work_unsigned(
    sim: Simulator, http: requests.Session, rich: Account
) -> None:
    sim.expect_errors("missing signature")
    response = http.get(f"{sim.rest_url}{BALANCE}", headers={"X-BX-APIKEY": rich.api_key})
    assert response.json()["code"] == 100412


def test_market_data_is_public_and_follows_the_price_the_test_sets(
    sim: Simulator, http: requests.Session
) -> None:
    sim.set_price("ETH-USDT", "3000.5")
    price = public(http, sim, "/openApi/swap/v2/quote/price", symbol="ETH-USDT")["data"]
    assert float(price["price"]) == 3000.5
    book = public(http, sim, "/openApi/swap/v2/quote/bookTicker", symbol="ETH-USDT")["data"]
    ticker = book.get("book_ticker", book)
    assert float(ticker["bid_price"]) < 3000.5 < float(ticker["ask_price"])
    assert public(http, sim, "/openApi/swap/v2/server/time")["data"]["serverTime"] > 0


def test_a_stub_for_a_modelled_path_wins_and_a_rest_fault_targets_a_path(
    sim: Simulator, http: requests.Session, rich: Account
) -> None:
    stub = sim.stub("GET", BALANCE, json={"code": 0, "msg": "", "data": []}, signed=True)
    assert signed(http, sim, rich, "GET", BALANCE)["data"] == []
    stub.clear()
    assert signed(http, sim, rich, "GET", BALANCE)["data"][0]["balance"].startswith("10000")
    fault = sim.inject(RestError(path=ORDER, method="POST", code=109500, msg="busy"))
    order = dict(symbol="BTC-USDT", side="BUY", positionSide="LONG", type="MARKET", quantity="0.01")
    assert signed(http, sim, rich, "POST", ORDER, **order)["code"] == 109500
    assert fault.hits == 1 and _state(sim, rich)["positions"] == []
    assert signed(http, sim, rich, "POST", ORDER, **order)["code"] == 0


def test_trading_endpoints_have_budgets_of_their_own(make_sim: Any, http: requests.Session) -> None:
    sim = make_sim(rate_limit_per_second=2)
    rich = sim.add_account(balances={"USDT": "1000"})
    for _ in range(2):
        assert signed(http, sim, rich, "GET", BALANCE)["code"] == 0
    limited = signed(http, sim, rich, "GET", BALANCE)
    assert limited["code"] in (109429, 100410)
    # Another group (and a listen-key endpoint) is not spent by the balance reads.
    assert signed(http, sim, rich, "GET", OPEN_ORDERS)["code"] == 0
    assert new_key(http, sim, rich)


def test_the_facade_raises_the_exchanges_refusal(sim: Simulator, rich: Account) -> None:
    with pytest.raises(Refused) as refused:
        sim.place_order(
            rich, symbol="NOPE-USDT", side="BUY", positionSide="LONG", type="MARKET", quantity="1"
        )
    assert refused.value.error.code == 109400
    with pytest.raises(ValueError, match="product must be one of swap, spot, coinm"):
        sim.deposit(rich, "USDT", "1", product="margin")
    assert sim.deposit(rich, "USDT", "1", product="spot") == "1"  # a wallet of its own


def test_deposits_withdrawals_funding_and_liquidation_push_their_reasons(
    sim: Simulator, rich: Account, stream: ClosingWebSocket
) -> None:
    assert sim.deposit(rich, "USDT", "500").startswith("10500")
    assert _kinds(_events(stream, 1)) == ["ACCOUNT_UPDATE:DEPOSIT"]
    assert sim.withdraw(rich, "USDT", "250").startswith("10250")
    assert _kinds(_events(stream, 1)) == ["ACCOUNT_UPDATE:WITHDRAW"]
    sim.set_price("BTC-USDT", "60000")
    sim.place_order(
        rich, symbol="BTC-USDT", side="BUY", positionSide="LONG", type="MARKET", quantity="0.1"
    )
    _events(stream, 3)
    pushed = sim.funding("BTC-USDT", "0.0001")
    assert _kinds(_events(stream, len(pushed))) == ["ACCOUNT_UPDATE:FUNDING_FEE"]
    orders = sim.liquidate(rich, "BTC-USDT")
    assert orders and orders[0]["status"] == "FILLED"
    assert _state(sim, rich)["positions"] == []
    with pytest.raises(Refused):
        sim.withdraw(rich, "USDT", "1000000")


def test_a_scripted_path_steps_on_the_exchange_clock(
    sim: Simulator, http: requests.Session, rich: Account
) -> None:
    from datetime import timedelta

    assert (
        sim.script_prices(
            "BTC-USDT", [(timedelta(minutes=1), "51000"), (timedelta(minutes=2), "52000")]
        )
        == 2
    )
    price = "/openApi/swap/v2/quote/price"
    sim.advance(timedelta(seconds=61))
    assert float(public(http, sim, price, symbol="BTC-USDT")["data"]["price"]) == 51000
    sim.advance(timedelta(minutes=5))
    assert float(public(http, sim, price, symbol="BTC-USDT")["data"]["price"]) == 52000


def test_a_forced_partial_fill_keeps_the_order_open(
    sim: Simulator, rich: Account, stream: ClosingWebSocket
) -> None:
    sim.set_price("BTC-USDT", "50000")
    order = sim.place_order(
        rich,
        symbol="BTC-USDT",
        side="BUY",
        positionSide="LONG",
        type="LIMIT",
        price="49000",
        quantity="0.03",
    )["order"]
    _events(stream, 1)
    after = sim.fill(rich, order["orderId"], "0.01")
    assert after["status"] == "PARTIALLY_FILLED" and float(after["executedQty"]) == 0.01
    trade = next(e for e in _events(stream, 2) if e["e"] == "ORDER_TRADE_UPDATE")["o"]
    assert (trade["x"], trade["X"], trade["l"], trade["z"]) == (
        "TRADE",
        "PARTIALLY_FILLED",
        "0.01000000",
        "0.01000000",
    )


def test_reordered_events_arrive_as_swapped_pairs(
    sim: Simulator, rich: Account, stream: ClosingWebSocket
) -> None:
    from bingx_sim.faults import ReorderEvents

    fault = sim.inject(ReorderEvents(account=rich, times=1))
    sim.set_price("BTC-USDT", "50000")
    sim.place_order(
        rich, symbol="BTC-USDT", side="BUY", positionSide="LONG", type="MARKET", quantity="0.01"
    )
    assert _kinds(_events(stream, 3)) == [
        "ACCOUNT_UPDATE:ORDER",  # the NEW was held back and follows it
        "ORDER_TRADE_UPDATE:NEW/NEW",
        "ORDER_TRADE_UPDATE:TRADE/FILLED",
    ]
    assert fault.hits == 1


def test_a_held_frame_is_sent_when_the_reorder_fault_is_cleared(
    sim: Simulator, rich: Account, stream: ClosingWebSocket
) -> None:
    from bingx_sim.faults import ReorderEvents

    fault = sim.inject(ReorderEvents(account=rich, times=1))
    sim.deposit(rich, "USDT", "1")
    assert fault.clear()
    assert _kinds(_events(stream, 1)) == ["ACCOUNT_UPDATE:DEPOSIT"]


def test_a_triggered_stop_can_fill_without_its_order_update(
    sim: Simulator, http: requests.Session, rich: Account, stream: ClosingWebSocket
) -> None:
    from bingx_sim.faults import SuppressTriggered

    sim.set_price("BTC-USDT", "60000")
    stop = sim.place_order(
        rich,
        symbol="BTC-USDT",
        side="BUY",
        positionSide="LONG",
        type="STOP_MARKET",
        stopPrice="61000",
        quantity="0.01",
    )["order"]
    assert _kinds(_events(stream, 1)) == ["ORDER_TRADE_UPDATE:NEW/NEW"]
    fault = sim.inject(SuppressTriggered(account=rich))
    pushed = sim.set_price("BTC-USDT", "61000")
    assert [e["e"] for e in pushed] == ["ACCOUNT_UPDATE"]  # what reached the wire
    assert _kinds(_events(stream, 1)) == ["ACCOUNT_UPDATE:ORDER"]
    assert fault.hits >= 1
    truth = signed(http, sim, rich, "GET", ORDER, symbol="BTC-USDT", orderId=stop["orderId"])
    assert truth["data"]["order"]["status"] == "FILLED"  # REST stays the truth


def test_events_are_identical_for_the_same_script(make_sim: MakeSim) -> None:
    def script() -> list[dict[str, Any]]:
        sim = make_sim(seed=7)
        account = sim.add_account("k", "s", balances={"USDT": "5000"})
        pushed = sim.set_price("ETH-USDT", "3000")
        sim.place_order(
            account,
            symbol="ETH-USDT",
            side="BUY",
            positionSide="LONG",
            type="LIMIT",
            price="2900",
            quantity="0.5",
        )
        pushed += sim.set_price("ETH-USDT", "2899")
        pushed += sim.funding("ETH-USDT", "0.0003")
        for event in pushed:  # the wall clock differs between runs; nothing else may
            event.pop("E"), event.pop("T", None)
            event.get("o", {}).pop("T", None)
        return pushed

    assert script() == script()


def test_the_fill_event_order_option_puts_the_trade_frame_first(make_sim: MakeSim) -> None:
    sim = make_sim(fill_event_order="order-first")
    rich = sim.add_account(balances={"USDT": "10000"})
    sim.set_price("BTC-USDT", "50000")
    with connect(sim.ws_url + f"?listenKey={_key(sim, rich)}") as ws:
        sim.place_order(
            rich,
            symbol="BTC-USDT",
            side="BUY",
            positionSide="LONG",
            type="MARKET",
            quantity="0.01",
        )
        assert _kinds(_events(ws, 3)) == [
            "ORDER_TRADE_UPDATE:NEW/NEW",
            "ORDER_TRADE_UPDATE:TRADE/FILLED",
            "ACCOUNT_UPDATE:ORDER",
        ]


def _key(sim: Simulator, account: Account) -> str:
    with requests.Session() as http:
        return new_key(http, sim, account)


def test_a_position_whose_loss_exceeds_its_margin_can_still_be_closed(sim: Simulator) -> None:
    # Closing books the loss into the wallet, which may take the available margin below
    # zero: only what opens needs margin (a stop-loss must not be cancelled for it).
    trader = sim.add_account(balances={"USDT": "13000"})
    other = sim.add_account(balances={"USDT": "13000"})
    sim.set_price("BTC-USDT", "64000")
    for account in (trader, other):
        sim.place_order(
            account,
            symbol="BTC-USDT",
            side="BUY",
            positionSide="LONG",
            type="MARKET",
            quantity="1",
        )
    sim.place_order(
        other,
        symbol="BTC-USDT",
        side="SELL",
        positionSide="LONG",
        type="STOP_MARKET",
        stopPrice="60000",
        quantity="1",
    )
    pushed = sim.set_price("BTC-USDT", "50000")  # gaps through the stop: it fills
    statuses = [e["o"]["X"] for e in pushed if e["e"] == "ORDER_TRADE_UPDATE"]
    assert statuses == ["FILLED"]
    assert sim.account_state(other)["positions"] == []
    closed = sim.place_order(
        trader,
        symbol="BTC-USDT",
        side="SELL",
        positionSide="LONG",
        type="MARKET",
        quantity="1",
    )
    assert closed["order"]["orderId"]
    assert sim.account_state(trader)["positions"] == []
