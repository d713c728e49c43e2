"""REST: our client against the simulator vs bare signed ``requests`` against a bare
aiohttp handler that verifies the same HMAC (``bench/baselines.py``). Listen-key PUTs,
sequential, on one kept-alive connection each; rounds interleaved."""

from __future__ import annotations

import hashlib
import hmac
import time

import requests

from bingx import BingXClient
from bingx_sim import Simulator

from .baselines import BareServer
from .report import Figure, Stat

_PATH = "/openApi/user/auth/userDataStream"


def _ours(client: BingXClient, key: str, calls: int) -> float:
    keys = client.listen_key()
    started = time.perf_counter()
    for _ in range(calls):
        keys.extend(key)
    return calls / (time.perf_counter() - started)


def _bare(http: requests.Session, bare: BareServer, key: str, calls: int) -> float:
    secret, url = bare.api_secret.encode(), f"{bare.rest_url}{_PATH}"
    headers = {"X-BX-APIKEY": bare.api_key}
    started = time.perf_counter()
    for _ in range(calls):
        query = f"listenKey={key}&timestamp={int(time.time() * 1000)}"
        signature = hmac.new(secret, query.encode(), hashlib.sha256).hexdigest()
        answer = http.put(f"{url}?{query}&signature={signature}", headers=headers)
        if answer.status_code != 200 or answer.content:
            raise RuntimeError(f"the bare server refused: {answer.text}")
    return calls / (time.perf_counter() - started)


def run(quick: bool) -> list[Figure]:
    rounds, calls = (3, 100) if quick else (41, 200)
    ours: list[float] = []
    base: list[float] = []
    with Simulator() as sim:
        account = sim.add_account()
        with (
            BareServer(account.api_key, account.api_secret) as bare,
            requests.Session() as http,
            BingXClient(account.api_key, account.api_secret, sim.rest_url) as client,
        ):
            key = client.listen_key().generate()["listenKey"]
            _ours(client, key, 50)  # warm both connections
            _bare(http, bare, key, 50)
            for _ in range(rounds):
                ours.append(_ours(client, key, calls))
                base.append(_bare(http, bare, key, calls))
    ratio = Stat.of(o / b for o, b in zip(ours, base, strict=True))
    return [
        Figure(
            "rest",
            "listen-key PUT: BingXClient -> simulator",
            "req/s",
            Stat.of(ours),
            "req/s, signed requests -> bare aiohttp HMAC check",
            Stat.of(base),
            ratio,
            "ours / bare",
            ">= 0.95",
            ratio.median >= 0.95,
        )
    ]
