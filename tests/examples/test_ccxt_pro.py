"""How-to: run ccxt.pro's BingX client, with its stock options, against the simulator.

ccxt loads currencies, markets and the balance over REST before it opens the account
stream; the simulator serves listen keys and streams, and ``sim.stub`` answers the rest
(signed where ccxt signs, so its signing is checked too). ccxt is not a dependency of
this project: the test runs where ccxt is installed (``pip install ccxt``) and is
skipped elsewhere. The same stubs work from another language through
``POST /_sim/stubs`` (``docs/incidents.md``).
"""

from __future__ import annotations

import asyncio

import pytest

from bingx_sim import Account, Simulator
from bingx_sim import events as build

ccxtpro = pytest.importorskip("ccxt.pro", reason="ccxt is not installed here")

EMPTY = {"code": 0, "msg": "", "data": []}
# What ccxt 4.5 asks for before it watches balances or positions, and whether it signs.
CCXT_NEEDS = [
    ("/openApi/wallets/v1/capital/config/getall", True),
    ("/openApi/swap/v2/quote/contracts", False),
    ("/openApi/cswap/v1/market/contracts", False),
    ("/openApi/spot/v1/common/symbols", False),
    ("/openApi/swap/v3/user/balance", True),
    ("/openApi/spot/v1/account/balance", True),
    ("/openApi/swap/v2/user/positions", True),
]


def point_at(exchange: object, sim: Simulator) -> None:
    urls = exchange.urls["api"]  # type: ignore[attr-defined]
    for section in list(urls):
        if section != "ws":
            urls[section] = f"{sim.rest_url}/openApi"
    urls["ws"] = {"linear": sim.ws_url, "spot": sim.spot_ws_url, "inverse": sim.coinm_ws_url}


@pytest.mark.asyncio
async def test_ccxt_pro_watches_the_balance(bingx_sim: Simulator, bingx_account: Account) -> None:
    for path, signed in CCXT_NEEDS:
        bingx_sim.stub("GET", path, json=EMPTY, signed=signed)
    exchange = ccxtpro.bingx({"apiKey": bingx_account.api_key, "secret": bingx_account.api_secret})
    point_at(exchange, bingx_sim)
    try:
        watching = asyncio.ensure_future(exchange.watch_balance({"type": "swap"}))
        await bingx_sim.journal.wait_for_async(lambda e: getattr(e, "kind", "") == "open")
        update = build.account_update(balances=[build.balance("USDT", "1234.5", "1200", "0")])
        bingx_sim.push(bingx_account, update)
        balance = await asyncio.wait_for(watching, 5)
        assert balance["USDT"]["free"] == 1234.5  # ccxt reads the wallet balance as free
    finally:
        await exchange.close()
