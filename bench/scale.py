"""Scale: thousands of account sockets on one simulator at the real 5 s Ping cadence,
the clients in a separate process (``bench/scale_clients.py``).

* RSS the simulator's process gains per open socket (``/proc/self/status`` VmRSS after
  all are open and a few Ping rounds have passed, minus before any opened).
* Loop lag: how late a 20 ms timer on the simulator's loop fires, p99 over the soak.
* Missed Pongs: sockets the simulator closed for no Pong (it must be none) and Pings
  the clients saw.
* Order: 100 events pushed (``push_many``) to each of 100 sockets' accounts while all
  the others are open: each arrives exactly once and in order.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from bingx_sim import Simulator, WsEvent, events
from bingx_sim.state import SimState

from .report import Figure, Stat

_ORDERED, _PER_SOCKET = 100, 100


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


async def _lag_probe(seconds: float, period: float = 0.02) -> list[float]:
    loop = asyncio.get_running_loop()
    lags = []
    end = loop.time() + seconds
    while loop.time() < end:
        due = loop.time() + period
        await asyncio.sleep(period)
        lags.append((loop.time() - due) * 1000)
    return lags


def run(quick: bool) -> list[Figure]:
    count, soak = (200, 6.0) if quick else (5000, 40.0)
    with Simulator(ping_interval=5.0) as sim:
        accounts = [sim.add_account() for _ in range(_ORDERED)]

        def mint(state: SimState) -> list[str]:
            now = state.now_ms()
            owners = [a.api_key for a in accounts]
            owners += [state.add_account().api_key for _ in range(count - _ORDERED)]
            return [state.exchange.generate(owner, now).key for owner in owners]

        keys: list[str] = sim._apply("bench", mint, 120)
        before = _rss_kib()
        clients = subprocess.Popen(
            [sys.executable, "-m", "bench.scale_clients", sim.ws_url, str(_PER_SOCKET)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert clients.stdin is not None and clients.stdout is not None
        try:
            clients.stdin.write(json.dumps(keys) + "\n")
            clients.stdin.flush()
            if clients.stdout.readline().strip() != "connected":
                raise RuntimeError("the client process did not connect")
            loop = sim._loop
            assert loop is not None
            lags = asyncio.run_coroutine_threadsafe(_lag_probe(soak), loop).result(soak + 30)
            after = _rss_kib()
            started = time.perf_counter()
            for n, account in enumerate(accounts):
                batch = [events.account_update(event_time=n * 1000 + i) for i in range(_PER_SOCKET)]
                sim.push_many(account, batch)
            clients.stdin.write("report\n")
            clients.stdin.flush()
            report = json.loads(clients.stdout.readline())
            delivered_in = time.perf_counter() - started
        finally:
            clients.stdin.close()
            clients.wait(60)
        missed = [
            e
            for e in sim.journal.sockets
            if isinstance(e, WsEvent) and e.kind == "close" and "Pong" in e.reason
        ]
    per_conn = (after - before) / count
    lag = Stat.of(lags)
    p99 = sorted(lags)[int(len(lags) * 0.99) - 1]
    expected = _ORDERED * _PER_SOCKET
    exact = report["events"] == expected and report["out_of_order"] == 0
    return [
        Figure(
            "scale",
            f"RSS per open socket ({count} sockets)",
            "KiB",
            Stat.of([per_conn]),
            "KiB, the process before they opened",
            Stat.of([before]),
            None,
            "",
            "< 16 KiB",
            per_conn < 16,
        ),
        Figure(
            "scale",
            f"loop lag p99 over {soak:g} s ({count} sockets, Ping every 5 s)",
            "ms",
            Stat.of([p99]),
            "ms, median lag",
            Stat.of([lag.median]),
            None,
            "",
            "< 25 ms",
            p99 < 25,
            note=f"max {lag.high:.1f} ms over {len(lags)} samples",
        ),
        Figure(
            "scale",
            f"missed Pongs ({count} sockets, {soak:g} s)",
            "sockets",
            Stat.of([len(missed)]),
            "Pings the clients answered",
            Stat.of([report["pings"]]),
            None,
            "",
            "0",
            not missed and report["closed_by_server"] == 0,
            note=f"fewest Pings on one socket: {report['min_pings']}",
        ),
        Figure(
            "scale",
            f"{expected} events to {_ORDERED} sockets, exactly once, in order",
            "events",
            Stat.of([report["events"]]),
            "events pushed",
            Stat.of([expected]),
            None,
            "",
            "all, in order",
            exact,
            note=f"{report['out_of_order']} out of order; "
            f"{expected / delivered_in:.0f} events/s while {count} sockets were open",
        ),
    ]
