"""How-tos for the three things listen-key code must survive, each a complete test:
renewal at minute 60, reconnecting after a drop, retrying an extend that got a 5xx."""

from __future__ import annotations

from datetime import timedelta

from bingx import BingXClient, UserDataStream, events
from bingx_sim import Account, Simulator
from bingx_sim import events as build
from bingx_sim.plugin.clock_fixtures import SettlingClock


def test_renewal_at_minute_60(
    bingx_sim: Simulator, bingx_client: BingXClient, bingx_clock: SettlingClock
) -> None:
    # Drive the schedule yourself (poll_interval=None) and move the frozen clock.
    keeper = UserDataStream(bingx_client, poll_interval=None).start()  # URL: the fixture's
    first = keeper.listen_key
    bingx_clock.tick(timedelta(minutes=61))  # no keep-alive ran: the key expires
    keeper.wait_for_transition("expired")
    keeper.run_pending()  # renew and reconnect
    assert [t.kind for t in keeper.transitions] == [
        "connected",
        "expired",
        "renewed",
        "reconnected",
    ]
    assert keeper.listen_key != first
    keeper.close()


def test_reconnect_after_a_drop(bingx_sim: Simulator, bingx_account: Account) -> None:
    with (
        BingXClient(bingx_account.api_key, bingx_account.api_secret) as client,
        UserDataStream(client, poll_interval=0.02, backoff_initial=0.05) as keeper,
    ):
        bingx_sim.close_sockets(bingx_account, code=1001, reason="new features")
        keeper.wait_for_transition("reconnected")
        assert bingx_sim.push(bingx_account, build.account_update()) == 1
        assert keeper.stream is not None and keeper.stream.next_event(events.AccountUpdate)


def test_retry_an_extend_that_got_a_5xx(
    bingx_sim: Simulator, bingx_client: BingXClient, bingx_clock: SettlingClock
) -> None:
    bingx_sim.fail_next("PUT", status=503)  # the next extend fails; strict: it must
    with UserDataStream(bingx_client, poll_interval=0.01, backoff_initial=0.05) as keeper:
        bingx_clock.tick(timedelta(minutes=30))  # the keep-alive is due
        keeper.wait_for_transition("extend_failed")
        keeper.wait_for_transition("extended")  # retried after its backoff
    assert [r.status for r in bingx_sim.journal.requests if r.method == "PUT"] == [503, 200]
