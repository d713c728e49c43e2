"""Client figures against the in-process simulator, each against a same-run baseline.

1. Median wall time of the full managed lifecycle (tests/integration/test_keeper.py's
   ``run_lifecycle``: generate, connect, two events, extend at 30, alive at 89, expiry at
   90, renew, reconnect, event, delete), against the headline 61-minute raw scenario's
   building blocks measured here as: one raw POST + connect + PUT.
2. REST calls per second through ``ListenKeyService.extend`` (signed), against the same
   PUT sent unsigned with a bare ``requests.Session``.

    python bench/client.py [lifecycle_runs] [extend_calls]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import requests
import websocket

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bingx import BingXClient
from bingx_sim import LISTEN_KEY_PATH, Simulator
from tests.integration.test_keeper import run_lifecycle


def lifecycle(sim: Simulator, runs: int) -> None:
    spans, base = [], []
    with requests.Session() as http:
        for _ in range(runs):
            sim.reset()
            account = sim.add_account()
            started = time.perf_counter()
            hdr = {"X-BX-APIKEY": account.api_key}
            key = http.post(sim.rest_url + LISTEN_KEY_PATH, headers=hdr).json()["listenKey"]
            ws = websocket.create_connection(f"{sim.ws_url}?listenKey={key}", timeout=2)
            http.put(sim.rest_url + LISTEN_KEY_PATH, params={"listenKey": key}, headers=hdr)
            ws.close()
            base.append(time.perf_counter() - started)
            sim.reset()  # run_lifecycle expects an exchange holding only its own keys
            account = sim.add_account(account.api_key, account.api_secret)
            started = time.perf_counter()
            run_lifecycle(sim, account)
            spans.append(time.perf_counter() - started)
    med, med_base = statistics.median(spans) * 1000, statistics.median(base) * 1000
    low, high = min(spans) * 1000, max(spans) * 1000
    print(f"lifecycle: {runs} runs, median {med:.2f} ms (min {low:.2f}, max {high:.2f})")
    print(f"  baseline raw POST+connect+PUT median {med_base:.2f} ms; ratio {med / med_base:.2f}")


def extend_rate(sim: Simulator, calls: int) -> None:
    sim.reset()
    account = sim.add_account()
    with (
        BingXClient(account.api_key, account.api_secret, sim.rest_url) as client,
        requests.Session() as http,
    ):
        keys = client.listen_key()
        key = keys.generate()["listenKey"]
        url, hdr = sim.rest_url + LISTEN_KEY_PATH, {"X-BX-APIKEY": account.api_key}
        rates: dict[str, list[float]] = {"client": [], "raw": []}
        for _ in range(5):  # interleaved rounds
            started = time.perf_counter()
            for _ in range(calls):
                keys.extend(key)
            rates["client"].append(calls / (time.perf_counter() - started))
            started = time.perf_counter()
            for _ in range(calls):
                assert http.put(url, params={"listenKey": key}, headers=hdr).status_code == 200
            rates["raw"].append(calls / (time.perf_counter() - started))
            sim.reset()
            sim.add_account(account.api_key, account.api_secret)
            key = keys.generate()["listenKey"]
    client_rate, raw_rate = statistics.median(rates["client"]), statistics.median(rates["raw"])
    ratio = client_rate / raw_rate
    print(f"extend: {calls} calls x 5 rounds; ListenKeyService.extend {client_rate:.0f} req/s")
    print(f"  baseline unsigned requests.Session PUT {raw_rate:.0f} req/s; ratio {ratio:.2f}")


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with Simulator() as simulator:
        lifecycle(simulator, runs)
        extend_rate(simulator, calls)
