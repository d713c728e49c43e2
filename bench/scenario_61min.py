"""Median wall time of the headline scenario, and its ratio to a no-time-travel baseline.

Scenario: freeze, generate a key, connect, tick 61 minutes (+ settle), receive the
``listenKeyExpired`` frame, PUT refused with 404. Baseline, same run and simulator:
generate, connect, receive one pushed event, PUT accepted (the transport cost alone).

    python bench/scenario_61min.py [iterations]
"""

from __future__ import annotations

import statistics
import sys
import time
import zlib
from datetime import timedelta

import requests
import websocket
from freezegun import freeze_time

from bingx_sim import LISTEN_KEY_PATH, Simulator, events


def _frame(ws: websocket.WebSocket) -> str:
    _, data = ws.recv_data()
    return zlib.decompress(data, wbits=31).decode()


def main(iterations: int = 200) -> None:
    with Simulator() as sim, requests.Session() as http:
        account = sim.add_account()
        url, hdr = sim.rest_url + LISTEN_KEY_PATH, {"X-BX-APIKEY": account.api_key}

        def baseline() -> None:
            key = http.post(url, headers=hdr).json()["listenKey"]
            ws = websocket.create_connection(f"{sim.ws_url}?listenKey={key}", timeout=2)
            sim.push(account, events.account_update())
            assert '"ACCOUNT_UPDATE"' in _frame(ws)
            assert http.put(url, params={"listenKey": key}, headers=hdr).status_code == 200
            ws.close()

        def scenario() -> None:
            with freeze_time() as frozen:
                key = http.post(url, headers=hdr).json()["listenKey"]
                ws = websocket.create_connection(f"{sim.ws_url}?listenKey={key}", timeout=2)
                frozen.tick(timedelta(minutes=61))
                sim.settle()
                assert "listenKeyExpired" in _frame(ws)
                assert http.put(url, params={"listenKey": key}, headers=hdr).status_code == 404
                ws.close()

        results: dict[str, list[float]] = {"baseline": [], "scenario": []}
        for _ in range(iterations):  # interleaved, so drift hits both alike
            for name, run in (("baseline", baseline), ("scenario", scenario)):
                started = time.perf_counter()
                run()
                results[name].append(time.perf_counter() - started)
            sim.reset()
            account = sim.add_account(account.api_key, account.api_secret)
    med = {k: statistics.median(v) * 1000 for k, v in results.items()}
    p99 = {k: sorted(v)[int(len(v) * 0.99) - 1] * 1000 for k, v in results.items()}
    print(f"iterations: {iterations}")
    for name in results:
        print(f"{name:9s} median {med[name]:.2f} ms  p99 {p99[name]:.2f} ms")
    print(f"ratio scenario/baseline (median): {med['scenario'] / med['baseline']:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
