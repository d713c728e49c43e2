"""UserDataStream at its edges: settings it refuses, a start that cannot connect, a close
that arrives while a renewal waits for the rate limit, and a failure from below the
client that must not stop its schedule."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from freezegun import freeze_time

from bingx import BingXClient, StreamException, Transition, UserDataStream
from bingx_sim import Account, KeyState, Simulator
from bingx_sim.faults import RefuseConnect
from tests.integration.conftest import MakeSim

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    "setting",
    [
        {"keepalive_interval": timedelta(0)},
        {"backoff_initial": 0},
        {"backoff_max": -1.0},
    ],
)
def test_settings_that_cannot_work_are_refused(setting: dict[str, Any]) -> None:
    with (
        BingXClient("k", "s") as client,
        pytest.raises(ValueError, match="must be positive"),
    ):
        UserDataStream(client, **setting)


def test_a_keeper_starts_once(sim: Simulator, client: BingXClient) -> None:
    with UserDataStream(client, base_url=sim.ws_url, poll_interval=None) as keeper:
        with pytest.raises(RuntimeError, match="starts once"):
            keeper.start()
        assert [t.kind for t in keeper.transitions] == ["connected"]


@pytest.mark.asyncio
async def test_the_awaitable_wait_checks_its_kind_and_says_what_it_saw(
    sim: Simulator, client: BingXClient
) -> None:
    with UserDataStream(client, base_url=sim.ws_url, poll_interval=None) as keeper:
        with pytest.raises(ValueError, match="no transition kind 'renewd'"):
            await keeper.wait_for_transition_async("renewd", timeout=5)  # type: ignore[arg-type]
        with pytest.raises(TimeoutError, match=r"no 'renewed' transition within 0\.05 s; saw: con"):
            await keeper.wait_for_transition_async("renewed", timeout=0.05)
        found = await keeper.wait_for_transition_async("connected", timeout=5)
        assert found.listen_key == keeper.listen_key


def test_a_refused_first_connect_fails_start_and_deletes_its_key(
    sim: Simulator, client: BingXClient
) -> None:
    errors: list[Exception] = []
    keeper = UserDataStream(client, base_url=sim.ws_url, poll_interval=None)
    keeper.on_error(errors.append)
    sim.inject(RefuseConnect(status=503))
    with pytest.raises(StreamException, match=r"refused the account stream \(HTTP 503\)"):
        keeper.start()
    assert errors == []  # raised to the caller, not reported as well
    assert [k.state for k in sim.listen_keys()] == [KeyState.DELETED]
    assert [t.kind for t in keeper.transitions] == ["closed"]
    assert keeper.stream is None


def test_close_ends_a_renewal_held_by_the_rate_limit(make_sim: MakeSim) -> None:
    sim = make_sim(on_delete="silent")  # a key deleted elsewhere leaves our socket open
    account = sim.add_account()
    with (
        freeze_time(T0) as frozen,
        BingXClient(account.api_key, account.api_secret, sim.rest_url) as client,
        BingXClient(account.api_key, account.api_secret, sim.rest_url) as other,
    ):
        keeper = UserDataStream(client, base_url=sim.ws_url, poll_interval=None, rate_limit=1)
        keeper.start()
        # The moment run_pending learns the key is gone, another thread closes the keeper:
        # the renewal it would make next is held by the rate limit (one call per 1.1 s,
        # and the failed extend was that call), and the close ends that wait.
        closer = threading.Thread(target=keeper.close)

        def on_transition(step: Transition) -> None:
            if step.kind == "expired":
                closer.start()

        keeper.on_transition(on_transition)
        first = keeper.listen_key
        assert first is not None
        other.listen_key().delete(first)
        frozen.tick(30 * MINUTE)
        keeper.run_pending()
        closer.join(5)
    assert [t.kind for t in keeper.transitions] == ["connected", "expired", "closed"]
    assert [r.method for r in sim.journal.requests] == ["POST", "DELETE", "PUT"]  # no renewal


class _BrokenOnce(requests.Session):
    """A session whose next PUT fails with an error that is not the client's own."""

    def __init__(self) -> None:
        super().__init__()
        self.broken_puts = 1

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if method == "PUT" and self.broken_puts:
            self.broken_puts -= 1
            raise RuntimeError("a bug below the client")
        return super().request(method, url, *args, **kwargs)


def test_a_failure_from_below_reaches_on_error_and_the_schedule_goes_on(
    sim: Simulator, account: Account
) -> None:
    errors: list[Exception] = []
    with (
        freeze_time(T0) as frozen,
        _BrokenOnce() as session,
        BingXClient(account.api_key, account.api_secret, sim.rest_url, session=session) as client,
    ):
        keeper = UserDataStream(client, base_url=sim.ws_url, poll_interval=0.005)
        keeper.on_error(errors.append)
        with keeper:
            frozen.tick(30 * MINUTE)  # the keep-alive is due: its first PUT breaks
            extended = keeper.wait_for_transition("extended", timeout=5)
            assert extended.listen_key == keeper.listen_key
    assert [(type(e), str(e)) for e in errors] == [(RuntimeError, "a bug below the client")]
    assert [r.method for r in sim.journal.requests] == ["POST", "PUT", "DELETE"]
