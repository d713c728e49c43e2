"""How-to: test an asyncio client (here a few lines of aiohttp) with an ``async def``
test. ``bingx_clock`` freezes the wall clock but not the event loop's, so the test can
tick 61 minutes and still ``await asyncio.sleep``; the awaitable twins
(``journal.wait_for_async``, ``next_event_async``, ``wait_for_transition_async``) wait
without blocking the loop the client runs on."""

from __future__ import annotations

import asyncio
import json
import zlib
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from bingx_sim import Account, RestCall, Simulator, WsEvent
from bingx_sim import events as build
from bingx_sim.plugin.clock_fixtures import SettlingClock
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH


async def next_event(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The next account event, answering the exchange's Ping as a client must."""
    while True:
        message = await ws.receive(timeout=5)
        text = zlib.decompress(message.data, wbits=31).decode()
        if text == "Ping":
            await ws.send_str("Pong")
            continue
        event: dict[str, Any] = json.loads(text)
        if event.get("e") == "SNAPSHOT":
            continue  # the periodic config frames (one per contract, on connect and every 5 s)
        return event


@pytest.mark.asyncio
async def test_an_async_client_sees_its_key_expire(
    bingx_sim: Simulator, bingx_account: Account, bingx_clock: SettlingClock
) -> None:
    headers = {"X-BX-APIKEY": bingx_account.api_key}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{bingx_sim.rest_url}{LISTEN_KEY_PATH}", headers=headers) as r:
            key = (await r.json())["listenKey"]
        async with http.ws_connect(f"{bingx_sim.ws_url}?listenKey={key}") as ws:
            await bingx_sim.journal.wait_for_async(
                lambda e: isinstance(e, WsEvent) and e.kind == "open"
            )
            bingx_sim.push(bingx_account, build.order_trade_update(client_order_id="one"))
            assert (await next_event(ws))["o"]["c"] == "one"
            await asyncio.sleep(0.01)  # the loop's clock is real inside the freeze
            bingx_clock.tick(timedelta(minutes=61))
            expired = await next_event(ws)
            assert expired == {
                "e": "listenKeyExpired",
                "E": expired["E"],
                "listenKey": key,
            }
        async with http.put(
            f"{bingx_sim.rest_url}{LISTEN_KEY_PATH}", params={"listenKey": key}, headers=headers
        ) as r:
            assert r.status == 404
    put = await bingx_sim.journal.wait_for_async(
        lambda e: isinstance(e, RestCall) and e.method == "PUT"
    )
    assert isinstance(put, RestCall) and put.status == 404


@pytest.mark.asyncio
async def test_our_clients_waits_have_awaitable_twins(
    bingx_sim: Simulator, bingx_account: Account
) -> None:
    from bingx import BingXClient, UserDataStream, events

    account = bingx_account
    with (
        BingXClient(account.api_key, account.api_secret, bingx_sim.rest_url) as client,
        UserDataStream(client, base_url=bingx_sim.ws_url, poll_interval=0.02) as keeper,
    ):
        await keeper.wait_for_transition_async("connected")
        assert keeper.stream is not None
        bingx_sim.push(account, build.account_update())
        update = await keeper.stream.next_event_async(events.AccountUpdate)
        assert update.reason == "ORDER"
        with pytest.raises(TimeoutError, match="no ListenKeyExpired"):
            await keeper.stream.next_event_async(events.ListenKeyExpired, timeout=0.05)
