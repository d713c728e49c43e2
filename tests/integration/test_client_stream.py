"""AccountDataStream against the simulator: gzip, Ping/Pong, typed events, error paths."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

from bingx import BingXClient, ListenKeyNotFound, StreamException, events
from bingx.websocket import AccountDataStream
from bingx_sim import Account, Simulator, WsFrame
from bingx_sim import events as build
from tests.integration.conftest import MakeSim


@pytest.fixture
def stream(sim: Simulator, client: BingXClient) -> Any:
    made = AccountDataStream(client.listen_key().generate()["listenKey"], base_url=sim.ws_url)
    yield made
    made.disconnect()


def test_events_arrive_typed_and_through_the_sdk_handlers(
    sim: Simulator, account: Account, stream: AccountDataStream
) -> None:
    got: dict[str, list[Any]] = {
        "balance": [],
        "position": [],
        "order": [],
        "config": [],
        "all": [],
    }
    stream.on_balance_update(got["balance"].append)
    stream.on_position_update(got["position"].append)
    stream.on_order_update(got["order"].append)
    stream.on_config_update(got["config"].append)
    stream.on_event(got["all"].append)
    stream.connect()
    update, order = build.account_update(), build.order_trade_update(order_id=2**62 + 1)
    for event in (update, order, build.account_config_update(long_leverage=20)):
        assert sim.push(account, event) == 1
    typed = stream.next_event(events.AccountUpdate)
    assert typed.balances[0].wallet_balance == Decimal("5277.59264687")
    assert typed.positions[0].side == "LONG" and typed.reason == "ORDER"
    assert typed.raw["a"]["B"] == update["a"]["B"]
    placed = stream.next_event(events.OrderUpdate)
    assert placed.order_id == 2**62 + 1 and placed.status == "FILLED"
    config = stream.next_event(events.ConfigUpdate)
    assert config.long_leverage == 20 and not config.snapshot
    assert got["balance"] == [update["a"]["B"]] and got["position"] == [update["a"]["P"]]
    assert got["order"] == [order["o"]] and got["config"] == [config]
    assert [type(e) for e in got["all"]] == [
        events.AccountUpdate,
        events.OrderUpdate,
        events.ConfigUpdate,
    ]


def test_events_are_immutable(sim: Simulator, account: Account, stream: AccountDataStream) -> None:
    stream.connect()
    sim.push(account, build.account_update())
    event = stream.next_event(events.AccountUpdate)
    with pytest.raises(AttributeError):
        event.reason = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.raw["e"] = "x"  # type: ignore[index]


def test_pings_are_answered_so_the_server_keeps_the_socket(make_sim: MakeSim) -> None:
    sim = make_sim(ping_interval=0.02, pong_timeout=0.1)
    account = sim.add_account()
    with BingXClient(account.api_key, account.api_secret, sim.rest_url) as client:
        stream = AccountDataStream(client.listen_key().generate()["listenKey"], base_url=sim.ws_url)
        stream.connect()
        try:
            # Three pong timeouts' worth of real time: a deadline, not a sleep.
            assert not stream.wait_closed(0.3)
            assert sim.push(account, build.account_update()) == 1
            assert stream.next_event(events.AccountUpdate)
        finally:
            stream.disconnect()
    pongs = [f for f in sim.journal.frames if f.direction == "in" and f.text == "Pong"]
    assert len(pongs) >= 5 and not sim.journal.violations


def test_listen_key_expired_then_close(
    sim: Simulator, account: Account, stream: AccountDataStream
) -> None:
    expired: list[events.ListenKeyExpired] = []
    closed = threading.Event()
    stream.on_listen_key_expired(expired.append)
    stream.on_close(closed.set)
    stream.connect()
    sim.advance(3601)
    assert closed.wait(2)
    assert [e.listen_key for e in expired] == [stream.listen_key]
    assert (stream.close_code, stream.close_reason) == (1000, "listenKeyExpired")
    assert not stream.connected


def test_a_raising_handler_reaches_on_error_and_the_stream_goes_on(
    sim: Simulator, account: Account, stream: AccountDataStream
) -> None:
    errors: list[Exception] = []

    def broken(balances: list[dict[str, Any]]) -> None:
        raise ZeroDivisionError("user bug")

    stream.on_balance_update(broken)
    stream.on_error(errors.append)
    stream.connect()
    sim.push(account, build.account_update())
    sim.push(account, build.order_trade_update())
    assert stream.next_event(events.OrderUpdate)
    assert [type(e) for e in errors] == [ZeroDivisionError]
    assert stream.connected


def test_server_closing_the_socket_calls_on_close(
    sim: Simulator, account: Account, stream: AccountDataStream
) -> None:
    closed = threading.Event()
    stream.on_close(closed.set)
    stream.connect()
    sim.close_sockets(account, code=1012, reason="maintenance")
    assert closed.wait(2)
    assert (stream.close_code, stream.close_reason) == (1012, "maintenance")
    with pytest.raises(StreamException, match="create a new one"):
        stream.connect()


def test_unknown_key_is_refused_with_listen_key_not_found(sim: Simulator) -> None:
    stream = AccountDataStream("0" * 64, base_url=sim.ws_url)
    with pytest.raises(ListenKeyNotFound) as refused:
        stream.connect()
    assert refused.value.status == 404
    sim.reset()  # the refused connect is the point of this test, not a client mistake


def test_unreachable_host_is_a_stream_exception(sim: Simulator) -> None:
    url = sim.ws_url
    sim.stop()
    with pytest.raises(StreamException, match="could not open"):
        AccountDataStream("0" * 64, base_url=url, connect_timeout=2).connect()


def test_disconnect_is_idempotent_and_joins_the_receive_thread(stream: AccountDataStream) -> None:
    stream.connect()
    receiver = stream._thread
    stream.disconnect()
    stream.disconnect()
    assert receiver is not None and not receiver.is_alive()


def test_next_event_times_out_with_what_it_saw(
    sim: Simulator, account: Account, stream: AccountDataStream
) -> None:
    stream.connect()
    sim.push(account, build.account_update())
    with pytest.raises(TimeoutError, match="queued: AccountUpdate"):
        stream.next_event(events.OrderUpdate, timeout=0.05)


def test_spot_stream_subscribes_and_gets_wrapped_reports(
    sim: Simulator, account: Account, client: BingXClient
) -> None:
    stream = AccountDataStream(
        client.listen_key().generate()["listenKey"], base_url=sim.spot_ws_url
    )
    orders: list[dict[str, Any]] = []
    stream.on_order_update(orders.append)
    sim.deposit(account, "USDT", "250", product="spot")
    stream.connect()
    try:
        stream.subscribe("spot.executionReport", "ACCOUNT_UPDATE")
        init = stream.next_event(events.AccountUpdate)  # the spot wallet as it stands
        assert init.reason == "INIT" and init.balances[0].locked == 0
        assert init.balances[0].wallet_balance == Decimal("250")
        report = build.spot_execution_report(quantity=0.5)
        assert sim.push(account, report, product="spot") == 1
        typed = stream.next_event(events.SpotOrderUpdate)
        assert typed.quantity == Decimal("0.5") and orders == [report]
    finally:
        stream.disconnect()
    assert not sim.journal.violations
    assert any(
        isinstance(f, WsFrame) and '"reqType":"sub"' in f.text.replace(" ", "")
        for f in sim.journal.frames
    )
