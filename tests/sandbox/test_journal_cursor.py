"""The journal with a cursor (``GET /_sim/journal?since=``): sequence numbers that survive
the journal's bound and resets, ``limit``, ``kind`` and ``account`` filters, the ``next``
cursor, a long poll (``wait=``) woken by the journal rather than polling, and the same
entries as server-sent events (``GET /_sim/journal/stream``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bingx_clocks import real_monotonic
from bingx_sim import Simulator
from bingx_sim.core.journal import Journal, RestCall, WsFrame
from bingx_sim.faults import RestError
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH
from tests.sandbox_process import sandbox_process

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(ping_interval=60, snapshots=False) as simulator:
        yield simulator


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def journal(http: requests.Session, sim: Simulator, **query: Any) -> dict[str, Any]:
    answer = http.get(f"{sim.rest_url}/_sim/journal", params=query, timeout=30)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def new_key(http: requests.Session, rest: str, api_key: str) -> str:
    answer = http.post(f"{rest}{LISTEN_KEY_PATH}", headers={"X-BX-APIKEY": api_key})
    key: str = answer.json()["listenKey"]
    return key


def test_entries_carry_a_seq_and_since_returns_only_later_ones(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    for _ in range(3):
        new_key(http, sim.rest_url, account.api_key)
    whole = journal(http, sim)
    assert [e["seq"] for e in whole["entries"]] == [1, 2, 3]
    assert whole["next"] == whole["last"] == 3 and whole["first"] == 1
    assert whole["dropped"] == 0
    later = journal(http, sim, since=1)
    assert [e["seq"] for e in later["entries"]] == [2, 3] and later["next"] == 3
    assert journal(http, sim, since=3)["entries"] == []
    first_two = journal(http, sim, limit=2)
    assert [e["seq"] for e in first_two["entries"]] == [1, 2] and first_two["next"] == 2
    rest = journal(http, sim, since=first_two["next"], limit=2)
    assert [e["seq"] for e in rest["entries"]] == [3] and rest["next"] == 3
    nothing = journal(http, sim, since=1, limit=0)  # where the journal stands
    assert nothing["entries"] == [] and nothing["next"] == 1 and nothing["last"] == 3


def test_kind_and_account_filter_and_next_skips_what_did_not_match(
    sim: Simulator, http: requests.Session
) -> None:
    from bingx.exceptions import BingXException
    from bingx.websocket import AccountDataStream

    alice, bob = sim.add_account(), sim.add_account()
    key = new_key(http, sim.rest_url, alice.api_key)
    new_key(http, sim.rest_url, bob.api_key)
    stream = AccountDataStream(key, base_url=sim.ws_url)
    stream.connect()
    try:
        sim.push(alice, {"e": "ORDER_TRADE_UPDATE", "o": {"s": "ETH-USDT"}})
        sim.inject(RestError(method="PUT", account=bob, status=503))
        http.put(
            f"{sim.rest_url}{LISTEN_KEY_PATH}",
            params={"listenKey": "x"},
            headers={"X-BX-APIKEY": bob.api_key},
        )
    finally:
        stream.disconnect()
    sim.settle()

    mine = journal(http, sim, account=alice.api_key)["entries"]
    assert {e["type"] for e in mine} == {"RestCall", "WsEvent", "WsFrame"}
    assert all(e["account"] == alice.api_key for e in mine)
    frames = journal(http, sim, kind="frame", account=alice.api_key)
    assert frames["entries"] and {e["type"] for e in frames["entries"]} == {"WsFrame"}
    assert frames["next"] == frames["last"]  # past the non-matching tail
    theirs = journal(http, sim, account=bob.api_key, kind="fault,rest")["entries"]
    assert [e["type"] for e in theirs] == ["RestCall", "FaultFired", "RestCall"]
    assert journal(http, sim, kind="FaultFired")["entries"][0]["fault"] == "RestError"
    sockets = journal(http, sim, kind="socket")["entries"]
    assert [e["kind"] for e in sockets] == ["open", "close"]  # the entry's own field
    assert journal(http, sim, kind="error")["entries"] == []
    assert journal(http, sim, account="nobody")["entries"] == []
    sim.expect_errors("unknown listen key")
    refused = AccountDataStream("no-such-key", base_url=sim.ws_url)
    with pytest.raises(BingXException):
        refused.connect()
    (nobodys,) = journal(http, sim, kind="socket", since=frames["last"])["entries"]
    assert nobodys["kind"] == "refused" and nobodys["account"] is None
    assert journal(http, sim, account=alice.api_key, since=frames["last"])["entries"] == []


def test_mistakes_are_a_kind_and_keyless_calls_belong_to_their_keys_owner(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    key = new_key(http, sim.rest_url, account.api_key)
    sim.expect_errors("unknown endpoint")
    http.get(f"{sim.rest_url}/openApi/nothing", headers={"X-BX-APIKEY": account.api_key})
    mistakes = journal(http, sim, kind="mistake")["entries"]
    assert len(mistakes) == 1 and "unknown endpoint" in mistakes[0]["violation"]
    # A call with no API key header is its listenKey's owner's.
    http.put(f"{sim.rest_url}{LISTEN_KEY_PATH}", params={"listenKey": key})
    owned = journal(http, sim, account=account.api_key, kind="rest")["entries"]
    assert [e["method"] for e in owned] == ["POST", "GET", "PUT"]


def test_a_long_poll_returns_as_soon_as_an_entry_matches(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    since = journal(http, sim)["last"]
    answers: list[tuple[float, dict[str, Any]]] = []

    def wait_in_another_thread() -> None:
        with requests.Session() as own:  # its own connection, as another client's
            started = real_monotonic()
            answer = own.get(
                f"{sim.rest_url}/_sim/journal",
                params={"since": since, "wait": 20, "kind": "rest"},
                timeout=30,
            )
            answers.append((real_monotonic() - started, answer.json()))

    waiter = threading.Thread(target=wait_in_another_thread)
    waiter.start()
    sim.push(account, {"e": "ORDER_TRADE_UPDATE"})  # no socket: no entry at all
    new_key(http, sim.rest_url, account.api_key)
    waiter.join(25)
    ((took, body),) = answers
    assert took < 10, took
    assert [e["path"] for e in body["entries"]] == [LISTEN_KEY_PATH]
    assert body["next"] == body["entries"][0]["seq"]


def test_a_long_poll_that_times_out_answers_empty_with_a_moved_cursor(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    new_key(http, sim.rest_url, account.api_key)
    started = real_monotonic()
    body = journal(http, sim, since=0, kind="fault", wait=0.3)
    assert 0.25 <= real_monotonic() - started < 5
    assert body["entries"] == [] and body["next"] == body["last"] == 1


def test_a_cursor_older_than_the_journal_says_how_much_it_missed(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    for _ in range(3):
        new_key(http, sim.rest_url, account.api_key)
    sim.reset()  # the journal is wiped, and its numbers go on
    sim.add_account(account.api_key, account.api_secret)
    new_key(http, sim.rest_url, account.api_key)
    after = journal(http, sim, since=1)
    assert after["dropped"] == 2 and after["first"] == 4
    assert [e["seq"] for e in after["entries"]] == [4]
    assert journal(http, sim, since=3)["dropped"] == 0


def test_sequence_numbers_survive_the_journals_bound() -> None:
    log = Journal(maxlen=3)
    for i in range(10):
        log.append(WsFrame("in", "swap", "k", str(i), False, i))
    page = log.page(2)
    assert page.dropped == 5 and page.first == 8 and page.last == 10
    assert [(seq, e.text) for seq, e in page.entries] == [  # type: ignore[union-attr]
        (8, "7"),
        (9, "8"),
        (10, "9"),
    ]
    assert log.page(9).entries[0][0] == 10 and log.page(9).dropped == 0
    with pytest.raises(ValueError, match="ahead of the journal"):
        log.page(11)
    with pytest.raises(ValueError, match="0 or more"):
        log.page(-1)
    with pytest.raises(ValueError, match="limit must be 0 or more"):
        log.page(0, limit=-1)


def test_what_belongs_to_an_account() -> None:
    from bingx_sim.core.journal import FaultFired, SimError, WsEvent, entry_account

    owners = {"key-a": "alice"}.get
    headers = {"x-bx-apikey": "bob"}  # any case
    assert entry_account(RestCall("GET", "/", {}, headers, "", 200, None, 0), owners) == "bob"
    keyless = RestCall("PUT", "/", {"listenKey": "key-a"}, {}, "", 200, None, 0)
    assert entry_account(keyless, owners) == "alice"
    assert entry_account(RestCall("GET", "/", {}, {}, "", 200, None, 0), owners) is None
    assert entry_account(WsEvent("refused", "swap", "key-z", 0), owners) is None
    assert entry_account(FaultFired("Drop", 1, "carol", "ws", 0), owners) == "carol"
    assert entry_account(SimError("the watcher", "boom", 0), owners) is None


def test_a_waiting_page_is_woken_by_an_append_not_by_polling() -> None:
    import asyncio

    log = Journal()
    call = RestCall("GET", "/x", {}, {}, "", 200, None, 0)

    async def scenario() -> tuple[int, float]:
        loop = asyncio.get_running_loop()
        started = real_monotonic()
        loop.call_later(0.05, log.append, call)
        page = await log.page_async(0, timeout=10)
        return len(page.entries), real_monotonic() - started

    found, took = asyncio.run(scenario())
    assert found == 1 and took < 5

    async def stopped() -> int:
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, log.wake)
        page = await log.page_async(1, timeout=10, stop=lambda: True)
        return len(page.entries)

    assert asyncio.run(stopped()) == 0


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("since=abc", "since must be a whole number"),
        ("since=-1", "since must be a whole number"),
        ("since=1.5", "since must be a whole number"),
        ("since=99", "ahead of the journal"),
        ("limit=-2", "limit must be a whole number"),
        ("wait=soon", "wait must be seconds"),
        ("wait=61", "wait must be seconds between 0 and 60"),
        ("wait=nan", "wait must be seconds"),
        ("kind=frames", "kind frames is not one of"),
        ("kind=", "kind (empty)"),
        ("account=", "account must be an API key"),
        ("cursor=3", "unknown parameter cursor"),
    ],
)
def test_bad_query_values_are_a_400_with_a_reason(
    sim: Simulator, http: requests.Session, query: str, reason: str
) -> None:
    answer = http.get(f"{sim.rest_url}/_sim/journal?{query}")
    assert answer.status_code == 400 and reason in answer.json()["error"], answer.text


def read_events(response: requests.Response, count: int) -> list[tuple[str, str, str]]:
    """``count`` server-sent events as ``(event, id, data)``; comments skipped."""
    events: list[tuple[str, str, str]] = []
    event, ident, data = "message", "", ""
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith(":"):
            continue
        if not line:
            if data:
                events.append((event, ident, data))
                if len(events) == count:
                    return events
            event, ident, data = "message", "", ""
        elif line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("id: "):
            ident = line.removeprefix("id: ")
        elif line.startswith("data: "):
            data += line.removeprefix("data: ")
    return events


def test_the_event_stream_tails_the_journal_from_a_cursor(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    new_key(http, sim.rest_url, account.api_key)
    url = f"{sim.rest_url}/_sim/journal/stream"
    query = {"since": "1", "kind": "rest"}
    with http.get(url, params=query, stream=True, timeout=10) as tail:
        assert tail.headers["Content-Type"].startswith("text/event-stream")
        new_key(http, sim.rest_url, account.api_key)
        new_key(http, sim.rest_url, account.api_key)
        events = read_events(tail, 2)
    assert [(event, ident) for event, ident, _ in events] == [("message", "2"), ("message", "3")]
    assert json.loads(events[0][2])["path"] == LISTEN_KEY_PATH
    # An EventSource that reconnects sends the last id it saw.
    with http.get(url, headers={"Last-Event-ID": "2"}, stream=True, timeout=10) as again:
        assert [ident for _, ident, _ in read_events(again, 1)] == ["3"]


def test_the_event_stream_says_what_a_reset_wiped(sim: Simulator, http: requests.Session) -> None:
    account = sim.add_account()
    new_key(http, sim.rest_url, account.api_key)
    new_key(http, sim.rest_url, account.api_key)
    sim.reset()
    url = f"{sim.rest_url}/_sim/journal/stream"
    with http.get(url, params={"since": 0}, stream=True, timeout=10) as tail:
        sim.add_account(account.api_key, account.api_secret)
        new_key(http, sim.rest_url, account.api_key)
        (dropped, (_, ident, _)) = read_events(tail, 2)
    assert dropped[0] == "dropped" and json.loads(dropped[2]) == {"dropped": 2, "first": 3}
    assert ident == "3"
    bad = http.get(url, params={"since": "x"})
    assert bad.status_code == 400 and "since" in bad.json()["error"]
    ahead = http.get(url, params={"since": "99"})
    assert ahead.status_code == 400 and "ahead of the journal" in ahead.json()["error"]
    assert http.get(url, params={"limit": 1}).status_code == 400  # the stream takes none


def test_stopping_ends_an_event_stream_cleanly_at_once() -> None:
    """The server tells its streams and long polls to end when it stops, rather than
    cutting them after its shutdown timeout (the reader would see a broken response)."""
    sim = Simulator(ping_interval=60)
    sim.start()
    try:
        url = f"{sim.rest_url}/_sim/journal/stream"
        with requests.get(url, stream=True, timeout=10) as tail:
            lines = tail.iter_lines()
            assert next(lines) == b"retry: 1000"  # open, and waiting for entries
            started = real_monotonic()
            sim.stop()
            assert real_monotonic() - started < 5
            # the stream's end, not a connection cut mid-response: blank lines and comments
            assert all(not line or line.startswith(b":") for line in lines)
    finally:
        sim.stop()


def test_a_client_in_another_process_waits_without_polling() -> None:
    """The sandbox as a process: a reader with its own session long-polls for the next
    REST call while the test makes one."""
    with sandbox_process(["--ping-interval", "60"]) as (_, rest), requests.Session() as http:
        account = {"api_key": "waiter-key", "api_secret": "s"}
        assert http.post(f"{rest}/_sim/accounts", json=account).status_code == 201
        since = http.get(f"{rest}/_sim/journal", params={"limit": 0}).json()["last"]
        answers: list[dict[str, Any]] = []

        def wait() -> None:
            with requests.Session() as own:
                query = {"since": since, "wait": 20, "account": "waiter-key"}
                answers.append(own.get(f"{rest}/_sim/journal", params=query, timeout=30).json())

        reader = threading.Thread(target=wait)
        started = real_monotonic()
        reader.start()
        new_key(http, rest, "waiter-key")
        reader.join(25)
        assert real_monotonic() - started < 10
        (body,) = answers
        assert [e["account"] for e in body["entries"]] == ["waiter-key"]
