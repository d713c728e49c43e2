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
    plain: list[float] = []  # the bare client without requests' environment lookups
    with Simulator() as sim:
        account = sim.add_account()
        with (
            BareServer(account.api_key, account.api_secret) as bare,
            requests.Session() as http,
            requests.Session() as lean,
            BingXClient(account.api_key, account.api_secret, sim.rest_url) as client,
        ):
            lean.trust_env = False  # what our client does for a loopback address
            key = client.listen_key().generate()["listenKey"]
            _ours(client, key, 50)  # warm every connection
            _bare(http, bare, key, 50)
            _bare(lean, bare, key, 50)
            for _ in range(rounds):
                ours.append(_ours(client, key, calls))
                base.append(_bare(http, bare, key, calls))
                plain.append(_bare(lean, bare, key, calls))
    figures = []
    for label, baseline, note in (
        ("", base, "the baseline is a default requests.Session, as a bare user has"),
        (
            " (same session settings)",
            plain,
            "both skip requests' proxy and .netrc lookups: the simulator's own cost shows",
        ),
    ):
        ratio = Stat.of(o / b for o, b in zip(ours, baseline, strict=True))
        figures.append(
            Figure(
                "rest",
                f"listen-key PUT: BingXClient -> simulator{label}",
                "req/s",
                Stat.of(ours),
                "req/s, signed requests -> bare aiohttp HMAC check",
                Stat.of(baseline),
                ratio,
                "ours / bare",
                ">= 0.95" if not label else "",
                ratio.median >= 0.95 if not label else None,
                note=note,
            )
        )
    return figures
