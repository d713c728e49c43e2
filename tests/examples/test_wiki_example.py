"""The ``bingx-python`` wiki's "Listen Key Service" example, verbatim, against the
simulator: only ``base_uri=`` on the client and ``base_url=`` on the stream are added."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bingx_sim import KeyState, Simulator, WsEvent


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator() as simulator:
        simulator.add_account("YOUR_API_KEY", "YOUR_API_SECRET")
        yield simulator


def test_wiki_example_runs_verbatim(sim: Simulator) -> None:
    rest_url, ws_url = sim.rest_url, sim.ws_url
    # --- the example, as users know it (two base URLs changed) ---
    from bingx import BingXClient
    from bingx.websocket import AccountDataStream

    client = BingXClient(api_key="YOUR_API_KEY", api_secret="YOUR_API_SECRET", base_uri=rest_url)
    listen_key_service = client.listen_key()
    listen_key = client.listen_key().generate()["listenKey"]
    account_stream = AccountDataStream(listen_key, base_url=ws_url)
    account_stream.connect()
    client.listen_key().extend(listen_key)
    client.listen_key().delete(listen_key)
    account_stream.disconnect()
    # --- end of the example ---
    client.close()

    assert listen_key_service is client.listen_key()
    methods = [(r.method, r.status) for r in sim.journal.requests]
    assert methods == [("POST", 200), ("PUT", 200), ("DELETE", 200)]
    assert [k.state for k in sim.listen_keys()] == [KeyState.DELETED]
    opened = [e for e in sim.journal.sockets if e.kind == "open"]
    assert len(opened) == 1 and isinstance(opened[0], WsEvent)
    assert not sim.journal.violations
    assert not account_stream.connected
