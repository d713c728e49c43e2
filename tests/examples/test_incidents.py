"""How-to: run your client through every bad day in the catalogue with one test.

Ask for the ``bingx_incident`` fixture and the test runs once per incident (narrow it
with ``@pytest.mark.bingx_incidents("silent-socket", ...)``). Start your client, trigger
the incident, then check what matters to you: here, that an event pushed after the
incident reaches the client within 15 s. This is also the acceptance test of our own
``bingx.UserDataStream``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bingx import BingXClient, UserDataStream, events
from bingx_sim import Account, Simulator
from bingx_sim import events as build
from bingx_sim.core.clock import real_monotonic
from bingx_sim.incidents import Incident


@contextmanager
def quick_keeper(sim: Simulator, account: Account) -> Iterator[UserDataStream]:
    """A started keeper with a 1 s HTTP timeout and short waits, so that recovering
    takes seconds, not minutes."""
    with BingXClient(account.api_key, account.api_secret, sim.rest_url, timeout=1.0) as client:
        stream = UserDataStream(
            client,
            base_url=sim.ws_url,
            poll_interval=0.02,
            backoff_initial=0.05,
            backoff_max=1.0,
            idle_timeout=1.0,
        )
        with stream:
            yield stream


@pytest.fixture
def keeper(bingx_sim: Simulator, bingx_account: Account) -> Iterator[UserDataStream]:
    with quick_keeper(bingx_sim, bingx_account) as stream:
        yield stream


def received_after(
    sim: Simulator, account: Account, keeper: UserDataStream, within: float
) -> float:
    """Seconds until an event pushed now is received; fails after ``within``."""
    started = real_monotonic()
    marker = 0
    while real_monotonic() - started < within:
        marker += 1
        update = build.order_trade_update(client_order_id=f"after-incident-{marker}")
        stream = keeper.stream
        if stream is not None and sim.push(account, update):
            try:  # skip what the account's own orders pushed before our marker
                while True:
                    got = stream.next_event(events.OrderUpdate, timeout=0.5)
                    if got.client_order_id == f"after-incident-{marker}":
                        return real_monotonic() - started
            except TimeoutError:
                continue  # the socket died under it: the keeper will reconnect
        else:  # no socket took it: wait (on a condition) for the next reconnect
            try:
                keeper.wait_for_transition(
                    "reconnected", timeout=0.5, after=len(keeper.transitions)
                )
            except TimeoutError:
                continue
    raise AssertionError(f"no event received within {within} s; saw {keeper.transitions}")


def arrange(sim: Simulator, account: Account, incident: Incident) -> None:
    """Give the account what an incident of the account model acts on (``needs``): money,
    a resting limit order and a stop, as a bot would have them."""
    if not incident.needs:
        return
    sim.deposit(account, "USDT", "10000")
    sim.set_price("BTC-USDT", "60000")
    order = {"symbol": "BTC-USDT", "side": "BUY", "positionSide": "LONG", "quantity": "0.01"}
    sim.place_order(account, type="LIMIT", price="59000", **order)
    sim.place_order(account, type="STOP_MARKET", stopPrice="61000", **order)


def test_user_data_stream_survives(
    bingx_incident: Incident,
    bingx_sim: Simulator,
    bingx_account: Account,
    keeper: UserDataStream,
) -> None:
    arrange(bingx_sim, bingx_account, bingx_incident)
    bingx_incident.trigger(bingx_sim, bingx_account)
    received_after(bingx_sim, bingx_account, keeper, within=15.0)
    live = [k for k in bingx_sim.listen_keys() if k.owner == bingx_account.api_key and k.active]
    assert len(live) <= 1  # never more than one key of ours alive


@pytest.mark.bingx_incidents("silent-socket", "drop-without-close")
def test_a_subset_of_incidents(bingx_incident: Incident) -> None:
    assert bingx_incident.name in ("silent-socket", "drop-without-close")


def test_the_docs_list_every_incident_and_fault() -> None:
    from pathlib import Path

    from bingx_sim.faults import FAULT_TYPES
    from bingx_sim.incidents import INCIDENTS

    docs = (Path(__file__).parents[2] / "docs" / "incidents.md").read_text()
    assert all(f"`{name}`" in docs for name in INCIDENTS)
    assert all(f"`{cls.__name__}(" in docs for cls in FAULT_TYPES.values())
