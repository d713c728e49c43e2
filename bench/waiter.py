"""What a test waiting on the journal costs the simulator: listen-key PUTs per second
with one thread in ``journal.wait_for`` (a predicate that never matches) on a journal of
100 000 entries, against the same with no waiter, rounds interleaved."""

from __future__ import annotations

import threading
import time

import requests

from bingx_sim import Simulator, WsFrame
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH

from .report import Figure, Stat


def _throughput(http: requests.Session, url: str, key: str, api_key: str, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        http.put(url, params={"listenKey": key}, headers={"X-BX-APIKEY": api_key})
    return calls / (time.perf_counter() - started)


def run(quick: bool) -> list[Figure]:
    rounds, calls, entries = (2, 100, 10_000) if quick else (9, 400, 100_000)
    without: list[float] = []
    waiting: list[float] = []
    with Simulator() as sim, requests.Session() as http:
        account = sim.add_account()
        url = f"{sim.rest_url}{LISTEN_KEY_PATH}"
        auth = {"X-BX-APIKEY": account.api_key}
        key = http.post(url, headers=auth).json()["listenKey"]
        journal = sim._require_running().journal  # the live journal, filled directly
        for i in range(entries):
            journal.append(WsFrame("out", "swap", key, f"filler {i}", True, 0))
        for _ in range(rounds):
            without.append(_throughput(http, url, key, account.api_key, calls))
            stop = threading.Event()
            waiter = threading.Thread(
                target=sim.journal.wait_for, args=(lambda _, stop=stop: stop.is_set(), 120)
            )
            waiter.start()
            waiting.append(_throughput(http, url, key, account.api_key, calls))
            stop.set()
            _throughput(http, url, key, account.api_key, 1)  # one more entry: it sees stop
            waiter.join(10)
    ratio = Stat.of(w / b for w, b in zip(waiting, without, strict=True))
    return [
        Figure(
            "waiter",
            f"PUT with a journal.wait_for waiting ({entries} entries)",
            "req/s",
            Stat.of(waiting),
            "req/s, no waiter",
            Stat.of(without),
            ratio,
            "with / without",
            ">= 0.95",
            ratio.median >= 0.95,
        )
    ]
