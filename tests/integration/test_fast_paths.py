"""What issue 16's fast paths must not change: a batched push is many pushes in order,
a fan-out encodes once but every socket still gets (and the journal still records) its
frame, and a simulator that nothing touched is pristine, so fixtures may skip a reset."""

from __future__ import annotations

import pytest
import requests

from bingx_sim import Simulator, events
from bingx_sim.faults import CorruptFrame
from tests.wire import connect, new_key, recv_event


def test_push_many_delivers_in_order_to_every_socket_and_counts_each(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    first, second = (connect(sim.ws_url, new_key(http, sim, account)) for _ in range(2))
    batch = [events.order_trade_update(order_id=n) for n in range(20)]
    assert sim.push_many(account, batch) == [2] * 20
    for ws in (first, second):
        with ws:
            assert [recv_event(ws)["o"]["i"] for _ in range(20)] == list(range(20))
    outgoing = [f for f in sim.journal.frames if f.direction == "out" and "ORDER" in f.text]
    assert len(outgoing) == 40


def test_push_many_sends_nothing_when_one_event_cannot_be_serialised(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    with connect(sim.ws_url, new_key(http, sim, account)):
        with pytest.raises(TypeError):
            sim.push_many(account, [events.account_update(), {"e": "X", "bad": object()}])
        assert not [f for f in sim.journal.frames if f.direction == "out" and "ACCOUNT" in f.text]
        assert sim.push_many(account, []) == []


def test_a_fault_on_one_frame_of_a_fan_out_leaves_the_others_intact(
    sim: Simulator, http: requests.Session
) -> None:
    account = sim.add_account()
    sockets = [connect(sim.ws_url, new_key(http, sim, account)) for _ in range(3)]
    sim.inject(CorruptFrame(account=account.api_key, kind="gzip", times=1))
    assert sim.push(account, events.account_update()) == 3
    damaged = 0
    for ws in sockets:
        with ws:
            try:
                assert recv_event(ws)["e"] == "ACCOUNT_UPDATE"
            except Exception:  # the damaged one cannot be decoded
                damaged += 1
    assert damaged == 1


def test_pristine_until_something_happens_and_again_after_reset(
    sim: Simulator, http: requests.Session
) -> None:
    assert sim.pristine
    for touch in (
        lambda: sim.add_account(),
        lambda: sim.advance(1),
        lambda: sim.expect_errors("x"),
        lambda: sim.inject(CorruptFrame(times=1)),
        lambda: http.get(f"{sim.rest_url}/nope"),
    ):
        touch()
        assert not sim.pristine
        sim.reset()
        assert sim.pristine


def test_a_seeded_simulator_is_pristine_with_its_seed_accounts() -> None:
    with Simulator(seed_accounts=[]) as sim:
        seeded = sim.add_account()
    with Simulator(seed_accounts=[seeded]) as sim:
        assert sim.pristine
        sim.add_account(seeded.api_key, seeded.api_secret)  # already there: no change
        assert sim.pristine
