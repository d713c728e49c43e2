"""How-to: run ccxt.pro, with its stock options, against the ``bingx-sim serve`` sandbox.

This is the setup for a client that does not live in your test process (ccxt.pro in
another service, a bot in another language): start the sandbox, point the client's URLs
at it, and drive everything over HTTP with the control API: answer the endpoints the
client loads before it opens the account stream (``POST /_sim/stubs``, signed where
ccxt signs, so its signing is checked too), push events per product (``POST
/_sim/accounts/{key}/events?product=...``), then read what happened (``GET
/_sim/stubs``, ``GET /_sim/journal``). ccxt is not a dependency of this project: the
test runs where ccxt is installed (``pip install ccxt``) and is skipped elsewhere.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ..sandbox_process import sandbox_process
from .test_ccxt_pro import CCXT_NEEDS, EMPTY  # the endpoints ccxt loads first

ccxtpro = pytest.importorskip("ccxt.pro", reason="ccxt is not installed here")

ACCOUNT = {"api_key": "ccxt-key", "api_secret": "ccxt-secret"}


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    """The sandbox with one account, its stubs in place; yields its REST URL."""
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps([ACCOUNT]))
    with sandbox_process(["--accounts", str(accounts)], log=tmp_path / "sandbox.log") as (_, url):
        for path, signed in CCXT_NEEDS:
            stub = {"method": "GET", "path": path, "json": EMPTY, "signed": signed}
            requests.post(f"{url}/_sim/stubs", json=stub, timeout=5).raise_for_status()
        yield url


def ccxt_bingx(url: str) -> Any:
    exchange = ccxtpro.bingx({"apiKey": ACCOUNT["api_key"], "secret": ACCOUNT["api_secret"]})
    urls = exchange.urls["api"]
    for section in list(urls):
        if section != "ws":
            urls[section] = f"{url}/openApi"
    ws = url.replace("http://", "ws://")
    urls["ws"] = {
        "linear": f"{ws}/swap-market",
        "spot": f"{ws}/market",
        "inverse": f"{ws}/cswap-market",
    }
    return exchange


async def control(url: str, method: str, path: str, body: object = None) -> Any:
    """One control-API call, off the event loop (the client under test runs on it)."""

    def call() -> Any:
        answer = requests.request(method, f"{url}/_sim{path}", json=body, timeout=5)
        answer.raise_for_status()
        return answer.json()

    return await asyncio.to_thread(call)


def opened(stream: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e["type"] == "WsEvent" and e["kind"] == "open" and e["stream"] == stream


def subscribed(data_type: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e["type"] == "WsFrame" and e["direction"] == "in" and data_type in e["text"]


async def until(url: str, seen: Callable[[dict[str, Any]], bool], deadline_s: float = 5) -> None:
    """Wait until the sandbox's journal holds an entry ``seen`` accepts. The journal is
    in another process, so this polls it, against a real-time deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    while not any(map(seen, (await control(url, "GET", "/journal"))["entries"])):
        assert loop.time() < deadline, "the client never got there"
        await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_ccxt_pro_watches_balances_through_the_sandbox(sandbox: str) -> None:
    exchange = ccxt_bingx(sandbox)
    events = f"/accounts/{ACCOUNT['api_key']}/events"
    try:
        # USDT-M: the socket opens once ccxt has loaded what it needs.
        watching = asyncio.ensure_future(exchange.watch_balance({"type": "swap"}))
        await until(sandbox, opened("swap"))
        swap = {"e": "ACCOUNT_UPDATE", "a": {"m": "DEPOSIT", "B": [{"a": "USDT", "wb": "1234.5"}]}}
        await control(sandbox, "POST", events, swap)
        assert (await asyncio.wait_for(watching, 5))["USDT"]["free"] == 1234.5

        # Spot, a wallet of its own on its own socket: ccxt reads the locked amount from lk.
        watching = asyncio.ensure_future(exchange.watch_balance({"type": "spot"}))
        await until(sandbox, subscribed("ACCOUNT_UPDATE"))  # ccxt's spot subscription
        spot = {"e": "ACCOUNT_UPDATE", "a": {"B": [{"a": "USDT", "wb": "70", "lk": "30"}]}}
        await control(sandbox, "POST", f"{events}?product=spot", spot)
        assert (await asyncio.wait_for(watching, 5))["USDT"]["used"] == 30
    finally:
        await exchange.close()
    assert {"/openApi/swap/v3/user/balance", "/openApi/spot/v1/account/balance"} <= (
        await stubs_hit(sandbox)
    )  # ccxt's REST snapshots of both wallets
    await no_client_mistakes(sandbox)


@pytest.mark.asyncio
async def test_ccxt_pro_watches_positions_through_the_sandbox(sandbox: str) -> None:
    exchange = ccxt_bingx(sandbox)
    try:
        # ccxt opens the socket and answers the first watch with a REST snapshot: the stub.
        snapshot = await asyncio.wait_for(exchange.watch_positions(params={"type": "swap"}), 5)
        assert snapshot == []
        watching = asyncio.ensure_future(exchange.watch_positions(params={"type": "swap"}))
        position = {"s": "BTC-USDT", "pa": "0.5", "ep": "60000", "ps": "LONG", "mt": "isolated"}
        update = {"e": "ACCOUNT_UPDATE", "a": {"P": [position]}}
        await control(sandbox, "POST", f"/accounts/{ACCOUNT['api_key']}/events", update)
        [long] = await asyncio.wait_for(watching, 5)
        assert (long["symbol"], long["contracts"], long["side"]) == ("BTC-USDT", 0.5, "long")
    finally:
        await exchange.close()
    stubs = {
        stub["path"]: stub["hits"] for stub in (await control(sandbox, "GET", "/stubs"))["stubs"]
    }
    assert stubs["/openApi/swap/v2/user/positions"] == 1
    await no_client_mistakes(sandbox)


async def stubs_hit(url: str) -> set[str]:
    return {s["path"] for s in (await control(url, "GET", "/stubs"))["stubs"] if s["hits"]}


async def no_client_mistakes(url: str) -> None:
    entries = (await control(url, "GET", "/journal"))["entries"]
    assert not [e for e in entries if e.get("violation")], "ccxt made a client mistake"
