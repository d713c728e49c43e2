"""Scale: thousands of account sockets on one simulator at the real 5 s Ping cadence,
the clients in a separate process (``bench/scale_clients.py``).

* RSS the simulator's process gains per open socket (``/proc/self/status`` VmRSS once
  all are open, minus before any opened; the journal of the Pings that follow is
  bounded as a whole and not counted per socket).
* Loop lag: how late a 20 ms timer on the simulator's loop fires, p99 over the soak, and
  the longest full (generation 2) garbage collection meanwhile: with thousands of
  sockets the heap holds hundreds of thousands of objects, and CPython's full collection
  stops every thread while it walks them.
* Missed Pongs: sockets the simulator closed for no Pong (it must be none) and Pings
  the clients saw.
* Order: 100 events pushed (``push_many``) to each of 100 sockets' accounts while all
  the others are open: each arrives exactly once and in order.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bingx_sim import Simulator, WsEvent, events
from bingx_sim.core.state import SimState

from .baselines import BareServer
from .report import Figure, Stat

_ORDERED, _PER_SOCKET = 100, 100


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def _open_clients(ws_url: str, keys: list[str], expected: int) -> subprocess.Popen[str]:
    clients = subprocess.Popen(
        [sys.executable, "-m", "bench.scale_clients", ws_url, str(expected)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert clients.stdin is not None and clients.stdout is not None
    clients.stdin.write(json.dumps(keys) + "\n")
    clients.stdin.flush()
    if clients.stdout.readline().strip() != "connected":
        raise RuntimeError("the client process did not connect")
    return clients


def _close_clients(clients: subprocess.Popen[str]) -> dict[str, int]:
    assert clients.stdin is not None and clients.stdout is not None
    clients.stdin.write("report\n")
    clients.stdin.flush()
    report: dict[str, int] = json.loads(clients.stdout.readline())
    clients.stdin.close()
    clients.wait(60)
    return report


def bare_kib_per_socket(count: int) -> float:
    """The stack's own cost: a bare aiohttp websocket server (``bench/baselines.py``)
    with the same clients, in this (fresh) process."""
    with BareServer("key", "secret") as bare:
        before = _rss_kib()
        clients = _open_clients(bare.ws_url, ["unused"] * count, 0)
        try:
            return (_rss_kib() - before) / count
        finally:
            _close_clients(clients)


async def _lag_probe(seconds: float, period: float = 0.02) -> list[float]:
    loop = asyncio.get_running_loop()
    lags = []
    end = loop.time() + seconds
    while loop.time() < end:
        due = loop.time() + period
        await asyncio.sleep(period)
        lags.append((loop.time() - due) * 1000)
    return lags


def _in_fresh_process(*args: object) -> Any:
    """Run a measurement of this module in a new interpreter: RSS figures must not see
    the memory earlier suites freed (the allocator hands it out again unseen)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale", *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


@contextmanager
def _full_collections() -> Iterator[list[float]]:
    """Milliseconds each generation-2 collection took while the block ran."""
    pauses: list[float] = []
    started = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(timed)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(timed)


def measure_simulator(count: int, soak: float) -> dict[str, Any]:
    """The simulator's side, meant for a fresh process (see :func:`run`)."""
    with Simulator(ping_interval=5.0) as sim:
        accounts = [sim.add_account() for _ in range(_ORDERED)]

        def mint(state: SimState) -> list[str]:
            now = state.now_ms()
            owners = [a.api_key for a in accounts]
            owners += [state.add_account().api_key for _ in range(count - _ORDERED)]
            return [state.exchange.generate(owner, now).key for owner in owners]

        keys: list[str] = sim._apply("bench", mint, 120)
        before = _rss_kib()
        clients = _open_clients(sim.ws_url, keys, _PER_SOCKET)
        try:
            # Measured once all are open: what a socket holds, before the soak fills the
            # journal with Pings and Pongs (bounded as a whole, not per socket).
            after = _rss_kib()
            loop = sim._loop
            assert loop is not None
            with _full_collections() as pauses:
                lags = asyncio.run_coroutine_threadsafe(_lag_probe(soak), loop).result(soak + 30)
            started = time.perf_counter()
            for n, account in enumerate(accounts):
                batch = [events.account_update(event_time=n * 1000 + i) for i in range(_PER_SOCKET)]
                sim.push_many(account, batch)
        finally:
            report = _close_clients(clients)
        delivered_in = time.perf_counter() - started
        missed = [
            e
            for e in sim.journal.sockets
            if isinstance(e, WsEvent) and e.kind == "close" and "Pong" in e.reason
        ]
    return {
        "per_conn": (after - before) / count,
        "lags": lags,
        "gc_pauses": pauses,
        "report": report,
        "delivered_in": delivered_in,
        "missed": len(missed),
    }


def run(quick: bool) -> list[Figure]:
    count, soak = (200, 6.0) if quick else (5000, 40.0)
    bare: float = _in_fresh_process("bare", count)
    measured = _in_fresh_process("sim", count, soak)
    per_conn, lags, report = measured["per_conn"], measured["lags"], measured["report"]
    delivered_in, missed = measured["delivered_in"], measured["missed"]
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
            "KiB per socket of a bare aiohttp websocket server",
            Stat.of([bare]),
            Stat.of([per_conn / bare]),
            "ours / bare",
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
            note=f"max {lag.high:.1f} ms over {len(lags)} samples; {_gc_note(measured)}",
        ),
        Figure(
            "scale",
            f"missed Pongs ({count} sockets, {soak:g} s)",
            "sockets",
            Stat.of([missed]),
            "Pings the clients answered",
            Stat.of([report["pings"]]),
            None,
            "",
            "0",
            missed == 0 and report["closed_by_server"] == 0,
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


def _gc_note(measured: dict[str, Any]) -> str:
    pauses = measured["gc_pauses"]
    if not pauses:
        return "no full garbage collection during the soak"
    return f"{len(pauses)} full garbage collections, the longest {max(pauses):.1f} ms"


if __name__ == "__main__":  # one measurement, in a process of its own
    if sys.argv[1] == "bare":
        print(json.dumps(bare_kib_per_socket(int(sys.argv[2]))))
    else:
        print(json.dumps(measure_simulator(int(sys.argv[2]), float(sys.argv[3]))))
