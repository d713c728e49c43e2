"""What a test waiting on the journal costs the simulator: listen-key PUTs per second
with one thread in ``journal.wait_for`` (a predicate that never matches) on a journal
of 100 000 entries, against the same with no waiter, in one run.

    python bench/journal_waiter.py [calls] [runs]
"""

from __future__ import annotations

import statistics
import sys
import threading
import time

import requests

from bingx_sim import Simulator, WsFrame
from bingx_sim.rest import LISTEN_KEY_PATH


def throughput(sim: Simulator, key: str, api_key: str, calls: int) -> float:
    with requests.Session() as http:
        url = f"{sim.rest_url}{LISTEN_KEY_PATH}"
        started = time.perf_counter()
        for _ in range(calls):
            http.put(url, params={"listenKey": key}, headers={"X-BX-APIKEY": api_key})
        return calls / (time.perf_counter() - started)


def _wait_until_stopped(sim: Simulator, stop: threading.Event) -> None:
    sim.journal.wait_for(lambda entry: stop.is_set(), timeout=60)


def main(calls: int = 500, runs: int = 5) -> None:
    with Simulator() as sim:
        account = sim.add_account()
        with requests.Session() as http:
            key = http.post(
                f"{sim.rest_url}{LISTEN_KEY_PATH}", headers={"X-BX-APIKEY": account.api_key}
            ).json()["listenKey"]
        journal = sim._require_running().journal  # the live journal, filled directly
        for i in range(100_000):
            journal.append(WsFrame("out", "swap", key, f"filler {i}", True, 0))
        without, with_waiter = [], []
        for _ in range(runs):
            without.append(throughput(sim, key, account.api_key, calls))
            stop = threading.Event()
            waiter = threading.Thread(target=_wait_until_stopped, args=(sim, stop))
            waiter.start()
            with_waiter.append(throughput(sim, key, account.api_key, calls))
            stop.set()
            throughput(sim, key, account.api_key, 1)  # one more entry: the waiter sees stop
            waiter.join(5)
        base, loaded = statistics.median(without), statistics.median(with_waiter)
        print(f"PUT/s without a waiter {base:8.0f} ({min(without):.0f}-{max(without):.0f})")
        print(
            f"PUT/s with a waiter    {loaded:8.0f} ({min(with_waiter):.0f}-{max(with_waiter):.0f})"
        )
        print(f"ratio {loaded / base:.3f} (target >= 0.95)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
