"""The account websockets on the wire: gzip frames, heartbeat, refusals, pushes, spot."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import websocket

from bingx_sim import Account, Simulator, WsEvent, events, schemas
from bingx_sim.ledger import CONTRACTS
from bingx_sim.rules.event_types import build as build_event
from bingx_sim.symbols import USDT_M_SYMBOLS
from tests.integration.conftest import MakeSim
from tests.wire import ClosingWebSocket, call, close_code, connect, new_key, recv_event, recv_frame

BINARY = websocket.ABNF.OPCODE_BINARY


def open_stream(
    sim: Simulator, http: requests.Session, account: Account
) -> tuple[str, ClosingWebSocket]:
    key = new_key(http, sim, account)
    return key, connect(sim.ws_url, key)


def test_ping_is_a_gzip_binary_frame_on_real_time(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(ping_interval=0.05)
    _, ws = open_stream(sim, http, sim.add_account())
    with ws:
        for _ in range(3):
            assert recv_frame(ws) == (BINARY, "Ping")
            ws.send("Pong")
    pongs = [f for f in sim.journal.frames if f.direction == "in"]
    assert len(pongs) == 3 and {f.text for f in pongs} == {"Pong"}


def test_text_ping_option(make_sim: MakeSim, http: requests.Session) -> None:
    sim = make_sim(ping_interval=0.05, ping_encoding="text")
    _, ws = open_stream(sim, http, sim.add_account())
    with ws:
        assert recv_frame(ws) == (websocket.ABNF.OPCODE_TEXT, "Ping")


def test_silent_client_is_dropped_without_a_close_frame_and_flagged(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(ping_interval=0.05, pong_timeout=0.2)
    _, ws = open_stream(sim, http, sim.add_account())
    with ws, pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        close_code(ws)  # no close frame comes: the connection just ends (1006)
    closed = sim.journal.wait_for(lambda e: isinstance(e, WsEvent) and e.kind == "close")
    assert isinstance(closed, WsEvent) and closed.code == 1006
    assert closed.violation == "unanswered Ping: no Pong for 0.2 s"


def test_pong_timeout_close_option_sends_a_1000_close(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(ping_interval=0.05, pong_timeout=0.2, on_pong_timeout="close")
    _, ws = open_stream(sim, http, sim.add_account())
    with ws:
        assert close_code(ws) == 1000


def test_the_default_pong_timeout_lets_six_pings_go_unanswered() -> None:
    from bingx_sim import defaults

    unanswered = int(defaults.PONG_TIMEOUT // defaults.PING_INTERVAL)
    assert unanswered == 6 and defaults.PONG_TIMEOUT < 7 * defaults.PING_INTERVAL


def test_answering_pongs_keeps_the_socket_past_the_timeout(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(ping_interval=0.03, pong_timeout=0.1)
    account = sim.add_account()
    _, ws = open_stream(sim, http, account)
    with ws:
        for _ in range(10):  # about 0.3 s: three pong timeouts' worth
            assert recv_frame(ws) == (BINARY, "Ping")
            ws.send("Pong")
        assert sim.push(account, events.account_config_update()) == 1
        assert recv_event(ws)["e"] == "ACCOUNT_CONFIG_UPDATE"


def test_push_delivers_gzip_events_in_order_to_every_socket(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key, first = open_stream(sim, http, account)
    second = connect(sim.ws_url, key)
    other = sim.add_account()
    _, stranger = open_stream(sim, http, other)
    with first, second, stranger:
        sent = [
            events.account_update(),
            events.order_trade_update(),
            events.account_config_update(),
        ]
        assert [sim.push(account, e) for e in sent] == [2, 2, 2]
        for ws in (first, second):
            assert [recv_event(ws) for _ in sent] == sent
        assert sim.push(other.api_key, sent[0]) == 1
        assert recv_event(stranger) == sent[0]


def test_big_order_ids_survive_the_wire(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    _, ws = open_stream(sim, http, account)
    with ws:
        sim.push(account, events.order_trade_update(order_id=1627970445070303232))
        assert recv_event(ws)["o"]["i"] == 1627970445070303232


@pytest.mark.parametrize("frame", ["{}", '{"id":"abc","reqType":"sub","dataType":"x"}', "[1]"])
def test_any_message_but_pong_gets_80014_and_the_socket_stays(
    sim: Simulator, http: requests.Session, account: Account, frame: str
) -> None:
    _, ws = open_stream(sim, http, account)
    with ws:
        ws.send(frame)
        reply = recv_event(ws)
        expected_id = "abc" if "abc" in frame else ""
        assert reply == {
            "id": expected_id,
            "code": 80014,
            "msg": "invalid params",
            "dataType": "",
            "data": None,
        }
        assert sim.push(account, events.account_update()) == 1
    assert sim.journal.violations[0].violation == "swap account socket takes no messages"


@pytest.mark.parametrize("stray", ["hello", "ping", "PONG "])
def test_stray_text_is_ignored_and_the_socket_stays(
    sim: Simulator, http: requests.Session, account: Account, stray: str
) -> None:
    _, ws = open_stream(sim, http, account)
    with ws:
        ws.send(stray)
        assert sim.push(account, events.account_update()) == 1
        assert recv_event(ws)["e"] == "ACCOUNT_UPDATE"  # no error frame came first
    assert sim.journal.violations[0].violation == "swap account socket: stray text"


def test_stray_text_error_option_answers_80014(make_sim: MakeSim, http: requests.Session) -> None:
    sim = make_sim(stray_text="error")
    _, ws = open_stream(sim, http, sim.add_account())
    with ws:
        ws.send("hello")
        assert recv_event(ws)["code"] == 80014


def test_lowercase_pong_counts_on_coinm(make_sim: MakeSim, http: requests.Session) -> None:
    sim = make_sim(ping_interval=0.03, pong_timeout=0.1)
    key = new_key(http, sim, sim.add_account())
    with connect(sim.coinm_ws_url, key) as ws:
        for _ in range(8):  # past the pong timeout
            assert recv_frame(ws) == (BINARY, "Ping")
            ws.send("pong")
    assert not sim.journal.violations


@pytest.mark.parametrize("query", ["", "?listenKey=", "?listenKey=" + "0" * 64])
def test_bad_key_is_refused_with_404_on_the_upgrade(sim: Simulator, query: str) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(sim.ws_url + query)
    assert refused.value.status_code == 404
    (event,) = sim.journal.sockets
    assert event.kind == "refused" and event.violation


def test_bad_key_accept_then_close_option(make_sim: MakeSim) -> None:
    sim = make_sim(invalid_key="close")
    with connect(sim.ws_url, "0" * 64) as ws:
        assert recv_event(ws)["code"] == 100401
        assert close_code(ws) == 1000


def test_deleted_key_cannot_connect_and_delete_closes_open_sockets(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key, ws = open_stream(sim, http, account)
    with ws:
        assert call(http, sim, "DELETE", account, {"listenKey": key}).status_code == 200
        assert close_code(ws) == 1000
    assert sim.push(account, events.account_update()) == 0
    with pytest.raises(websocket.WebSocketBadStatusException):
        connect(sim.ws_url, key)


def test_server_side_close(sim: Simulator, http: requests.Session, account: Account) -> None:
    _, ws = open_stream(sim, http, account)
    with ws:
        assert sim.close_sockets(account, code=1012, reason="new features") == 1
        assert close_code(ws) == 1012


def test_client_close_is_journaled(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    _, ws = open_stream(sim, http, account)
    ws.close()
    closed = sim.journal.wait_for(lambda e: isinstance(e, WsEvent) and e.kind == "close")
    assert isinstance(closed, WsEvent)
    assert closed.reason == "closed by client" and closed.violation is None


def test_coinm_stream_behaves_like_swap(make_sim: MakeSim, http: requests.Session) -> None:
    sim = make_sim(ping_interval=0.05)
    account = sim.add_account()
    key = new_key(http, sim, account)
    with connect(sim.coinm_ws_url, key) as ws:
        assert recv_frame(ws) == (BINARY, "Ping")
        assert sim.push(account, events.account_update()) == 0  # USDT-M is another wallet
        update = events.coinm_account_update()
        assert sim.push(account, update, product="coinm") == 1
        got = recv_event(ws)
        assert got == update and got["a"]["P"][0]["s"] == "BTC-USD"
        schemas.validate(got, product="coinm")


def test_each_product_gets_only_its_own_events(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    with (
        connect(sim.ws_url, key) as swap,
        connect(sim.coinm_ws_url, key) as coinm,
        connect(sim.spot_ws_url, key) as spot,
    ):
        spot.send(json.dumps({"id": "s", "dataType": "ACCOUNT_UPDATE"}))
        assert recv_event(spot)["code"] == 0 and recv_event(spot)["a"]["m"] == "INIT"
        for product, ws in (("swap", swap), ("coinm", coinm), ("spot", spot)):
            update = build_event({"e": "ACCOUNT_UPDATE"}, sim.now_ms(), product)
            assert sim.push(account, update, product=product) == 1, product
            got = recv_event(ws)
            assert got == update
            schemas.validate(got, product=product)
        assert "P" not in got["a"] and "lk" in got["a"]["B"][0]  # spot: no positions, locked
    with pytest.raises(ValueError, match="product"):
        sim.push(account, events.account_update(), product="margin")


def _config_frames(ws: ClosingWebSocket, count: int) -> list[dict[str, Any]]:
    """The next ``count`` JSON frames, heartbeats skipped but config frames kept."""
    got: list[dict[str, Any]] = []
    while len(got) < count:
        _opcode, text = recv_frame(ws)
        if text != "Ping":
            got.append(json.loads(text))
    return got


def test_config_frames_come_by_default_on_connect_with_the_accounts_settings(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(snapshots=True)  # the default (the wire tests' fixture turns it off)
    account = sim.add_account(balances={"USDT": "100"})
    sim.place_order(
        account,
        symbol="ETH-USDT",
        side="BUY",
        positionSide="LONG",
        type="LIMIT",
        price="1000",
        quantity="0.01",
    )
    _, ws = open_stream(sim, http, account)
    with ws:
        burst = _config_frames(ws, len(CONTRACTS))
    assert [f["ac"]["s"] for f in burst] == list(CONTRACTS)  # every listed contract
    assert {f["e"] for f in burst} == {"SNAPSHOT"}
    for frame in burst:
        schemas.validate(frame)
        assert (frame["ac"]["l"], frame["ac"]["S"], frame["ac"]["mt"]) == (5, 5, "cross")


def test_config_frames_follow_leverage_changes_and_the_event_name_option(
    make_sim: MakeSim, http: requests.Session
) -> None:
    from tests.trading import signed

    sim = make_sim(
        snapshots=True,
        snapshot_event="ACCOUNT_CONFIG_UPDATE",
        snapshot_symbols=["BTC-USDT"],
        snapshot_interval=0.05,
    )
    account = sim.add_account()
    changed = signed(
        http,
        sim,
        account,
        "POST",
        "/openApi/swap/v2/trade/leverage",
        symbol="BTC-USDT",
        side="LONG",
        leverage="20",
    )
    assert changed["code"] == 0
    _, ws = open_stream(sim, http, account)
    with ws:
        frames = _config_frames(ws, 2)  # on connect, then one interval later
    assert [(f["e"], f["ac"]["s"], f["ac"]["l"], f["ac"]["S"]) for f in frames] == [
        ("ACCOUNT_CONFIG_UPDATE", "BTC-USDT", 20, 5)
    ] * 2


def test_config_frames_can_come_at_the_volume_seen_on_vst_and_only_on_usdt_m(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(snapshots=True, snapshot_symbols=USDT_M_SYMBOLS)  # the real 5 s interval
    account = sim.add_account()
    key, ws = open_stream(sim, http, account)
    with ws, connect(sim.coinm_ws_url, key) as coinm:
        burst = _config_frames(ws, len(USDT_M_SYMBOLS))
        assert [frame["ac"]["s"] for frame in burst] == list(USDT_M_SYMBOLS)
        assert {frame["e"] for frame in burst} == {"SNAPSHOT"}
        for frame in burst[:3]:
            schemas.validate(frame)
        # 167 frames per 5 s: the 667 an idle VST session saw in 20 s
        assert 4 * len(burst) == pytest.approx(667, abs=4)
        update = events.coinm_account_update()
        assert sim.push(account, update, product="coinm") == 1
        assert recv_event(coinm) == update  # no SNAPSHOT went first on coin-M


def test_snapshots_false_keeps_a_socket_quiet(make_sim: MakeSim, http: requests.Session) -> None:
    sim = make_sim(snapshots=False)
    account = sim.add_account()
    _, ws = open_stream(sim, http, account)
    with ws:
        sim.push(account, events.account_update())
        assert _config_frames(ws, 1)[0]["e"] == "ACCOUNT_UPDATE"  # nothing came before


def test_spot_subscriptions_acks_init_and_wrapped_execution_report(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    with connect(sim.spot_ws_url, key) as ws:
        spot = "spot"
        assert sim.push(account, events.spot_execution_report(), product=spot) == 0  # unsubscribed
        ws.send(json.dumps({"id": "a1", "reqType": "sub", "dataType": "spot.executionReport"}))
        assert recv_event(ws) == {"id": "a1", "code": 0, "msg": ""}
        ws.send(json.dumps({"id": "b2", "dataType": "ACCOUNT_UPDATE"}))  # ccxt omits reqType
        assert recv_event(ws) == {"id": "b2", "code": 0, "msg": ""}
        init = recv_event(ws)
        assert (init["e"], init["a"]["m"]) == ("ACCOUNT_UPDATE", "INIT")
        report = events.spot_execution_report()
        assert sim.push(account, report, product=spot) == 1
        assert recv_event(ws) == {"code": 0, "dataType": "spot.executionReport", "data": report}
        assert sim.push(account, events.order_trade_update(), product=spot) == 0  # no spot shape
        assert sim.push(account, report) == 0  # a swap push never reaches spot
        ws.send(json.dumps({"id": "c3", "reqType": "unsub", "dataType": "spot.executionReport"}))
        assert recv_event(ws)["code"] == 0
        assert sim.push(account, report, product=spot) == 0


def test_spot_bad_subscription_is_an_error_frame(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    with connect(sim.spot_ws_url, key) as ws:
        ws.send(json.dumps({"id": "x", "reqType": "sub", "dataType": "nonsense"}))
        assert recv_event(ws)["code"] == 100400


@pytest.mark.parametrize("topic", [["ACCOUNT_UPDATE"], {"ACCOUNT_UPDATE": 1}, None, 7])
def test_spot_subscription_to_a_non_string_topic_is_an_error_frame_not_a_crash(
    sim: Simulator, http: requests.Session, account: Account, topic: object
) -> None:
    with connect(sim.spot_ws_url, new_key(http, sim, account)) as ws:
        ws.send(json.dumps({"id": "x", "reqType": "sub", "dataType": topic}))
        assert recv_event(ws) == {
            "id": "x",
            "code": 100400,
            "msg": "invalid params",
            "dataType": "",
            "data": None,
        }
        ws.send(json.dumps({"id": "y", "reqType": "sub", "dataType": "ACCOUNT_UPDATE"}))
        assert recv_event(ws) == {"id": "y", "code": 0, "msg": ""}  # still serving
    assert [f.violation for f in sim.journal.frames if f.violation] == [
        "spot socket: not a subscription or pong"
    ]


def test_spot_json_ping_and_pong(make_sim: MakeSim, http: requests.Session) -> None:
    sim = make_sim(ping_interval=0.05, pong_timeout=0.3)
    account = sim.add_account()
    key = new_key(http, sim, account)
    with connect(sim.spot_ws_url, key) as ws:
        for _ in range(8):  # past the pong timeout: answered pings keep it open
            ping = recv_event(ws, skip_pings=False)
            assert set(ping) == {"ping", "time"} and ping["time"].endswith("+0800")
            ws.send(json.dumps({"pong": ping["ping"], "time": ping["time"]}))
        ws.send(json.dumps({"id": "a", "reqType": "sub", "dataType": "spot.executionReport"}))
        assert recv_event(ws) == {"id": "a", "code": 0, "msg": ""}


def test_sockets_per_ip_limit_answers_100419_so_a_client_can_tell_it_from_a_dead_key(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(max_sockets_per_ip=1)
    account = sim.add_account()
    key = new_key(http, sim, account)
    with connect(sim.ws_url, key), connect(sim.ws_url, key) as second:
        assert recv_event(second)["code"] == 100419
        assert close_code(second) == 1000
    refusal = sim.journal.wait_for(lambda e: isinstance(e, WsEvent) and e.kind == "refused")
    assert isinstance(refusal, WsEvent) and refusal.reason == "more than 1 sockets from 127.0.0.1"
    sim.journal.wait_for(lambda e: isinstance(e, WsEvent) and e.kind == "close")
    with connect(sim.ws_url, key):  # the first one closed: room again
        pass


def test_sockets_per_ip_404_option_refuses_like_a_dead_key(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(max_sockets_per_ip=1, too_many_sockets="404")
    key = new_key(http, sim, sim.add_account())
    with connect(sim.ws_url, key):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            connect(sim.ws_url, key)
        assert refused.value.status_code == 404


def test_spot_expiry_silent_option_and_a_subscription_then_gets_100401(
    make_sim: MakeSim, http: requests.Session
) -> None:
    sim = make_sim(spot_expiry="silent")
    account = sim.add_account()
    key = new_key(http, sim, account)
    with connect(sim.spot_ws_url, key) as spot, connect(sim.ws_url, key) as swap:
        assert sim.expire(key)
        assert recv_event(swap)["e"] == "listenKeyExpired"  # USDT-M: pushed, as documented
        spot.send(json.dumps({"id": "x", "reqType": "sub", "dataType": "ACCOUNT_UPDATE"}))
        assert recv_event(spot) == {  # spot: nothing pushed; the next request learns it
            "id": "x",
            "code": 100401,
            "msg": "AUTHENTICATION_FAIL",
            "dataType": "",
            "data": None,
        }


def test_spot_expiry_pushes_listen_key_expired_by_default(
    sim: Simulator, http: requests.Session
) -> None:
    # BingX's 2026-04 websocket reference covers all three products (docs/contract.md).
    key = new_key(http, sim, sim.add_account())
    with connect(sim.spot_ws_url, key) as spot:
        assert sim.expire(key)
        assert recv_event(spot)["e"] == "listenKeyExpired"
        assert close_code(spot) == 1000


def test_order_ids_can_be_strings(make_sim: MakeSim, http: requests.Session) -> None:
    sim = make_sim(order_ids="str")
    account = sim.add_account()
    _, ws = open_stream(sim, http, account)
    with ws:
        sim.push(account, events.order_trade_update(order_id=1627970445070303232))
        assert recv_event(ws)["o"]["i"] == "1627970445070303232"
