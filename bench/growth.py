"""Cost growth: what the simulator's work costs as it holds more.

* POST and PUT latency (p50 of sequential calls) with 10, 1 000 and 100 000 live keys,
  one simulator each, measured in interleaved blocks; also with ``post_existing="same"``
  (the exchange hands back the account's live key), which used to scan every key.
* ``settle()`` timed on the loop itself (no thread hop in the figure): 100 000 live keys
  none due against 10, and 1 000 due among 100 000 against 1 000 due among 1 000.
* The journal's memory (``tracemalloc``) for 100 000 REST entries copied from a real
  PUT's, per entry, and what is left after ``clear()``.
"""

from __future__ import annotations

import dataclasses
import functools
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import requests

from bingx_sim import RestCall, Simulator
from bingx_sim.core.journal import Journal, shared
from bingx_sim.core.state import SimState
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH

from .report import Figure, Stat

_MINUTE_MS = 60_000


def _on_loop(sim: Simulator, op: Callable[[SimState], Any]) -> Any:
    return sim._apply("bench", op, 600)  # the bench's own hop onto the loop


def _populate(state: SimState, live: int, due: int = 0) -> None:
    """``live`` keys valid for an hour and ``due`` keys made 61 minutes ago (expired,
    not yet swept), spread over 100 filler accounts."""
    # With post_existing="same" an account holds one live key: one account per key.
    spread = live + due if state.exchange.post_existing == "same" else 100
    owners = [state.add_account().api_key for _ in range(max(1, spread))]
    now = state.now_ms()
    for n in range(live):
        state.exchange.generate(owners[n % len(owners)], now)
    for n in range(due):  # last: generating at `now` would sweep them
        state.exchange.generate(owners[(live + n) % len(owners)], now - 61 * _MINUTE_MS)


def _latencies(
    http: requests.Session, sim: Simulator, auth: dict[str, str], key: str, method: str, calls: int
) -> list[float]:
    url = f"{sim.rest_url}{LISTEN_KEY_PATH}"
    params = {"listenKey": key} if method == "PUT" else None
    spans = []
    for _ in range(calls):
        started = time.perf_counter()
        http.request(method, url, params=params, headers=auth)
        spans.append(time.perf_counter() - started)
    return spans


def _rest(quick: bool) -> list[Figure]:
    sizes = (10, 1_000) if quick else (10, 1_000, 100_000)
    rounds, calls = (2, 50) if quick else (7, 300)
    sims = {
        (n, mode): Simulator(post_existing=mode).start() for n in sizes for mode in ("new", "same")
    }
    p50: dict[tuple[int, str, str], list[float]] = {}
    try:
        with requests.Session() as http:
            targets = {}
            for (n, mode), sim in sims.items():
                _on_loop(sim, functools.partial(_populate, live=n))
                account = sim.add_account()
                auth = {"X-BX-APIKEY": account.api_key}
                key = http.post(f"{sim.rest_url}{LISTEN_KEY_PATH}", headers=auth).json()
                targets[n, mode] = (sim, auth, key["listenKey"])
            for _ in range(rounds):
                for (n, mode), (sim, auth, key) in targets.items():
                    methods = ("POST", "PUT") if mode == "new" else ("POST",)
                    for method in methods:
                        spans = _latencies(http, sim, auth, key, method, calls)
                        p50.setdefault((n, mode, method), []).append(statistics.median(spans) * 1e6)
    finally:
        for sim in sims.values():
            sim.stop()
    figures = []
    big = sizes[-1]
    for mode, method in (("new", "POST"), ("new", "PUT"), ("same", "POST")):
        small, large = p50[10, mode, method], p50[big, mode, method]
        ratio = Stat.of(b / s for b, s in zip(large, small, strict=True))
        label = f"{method} p50 with {big} live keys" + (
            " (post_existing=same)" if mode == "same" else ""
        )
        figures.append(
            Figure(
                "growth",
                label,
                "µs",
                Stat.of(large),
                "µs with 10 keys",
                Stat.of(small),
                ratio,
                f"{big} keys / 10 keys",
                "<= 1.1",
                ratio.median <= 1.1,
            )
        )
    return figures


def _settle_ms(live: int, due: int) -> float:
    """One settle that expires ``due`` keys among ``live + due``; with none due, the
    median of 200 settles (one alone is too short to time)."""
    with Simulator(watch_interval=None) as sim:

        def timed(state: SimState) -> float:
            _populate(state, live, due)
            spans = []
            for _ in range(1 if due else 200):
                started = time.perf_counter()
                expired = state.settle()
                spans.append(time.perf_counter() - started)
                assert len(expired) == due, (len(expired), due)
            return statistics.median(spans) * 1000

        result: float = _on_loop(sim, timed)
        return result


def _settle(quick: bool) -> list[Figure]:
    rounds, big = (2, 10_000) if quick else (5, 100_000)
    idle_big, idle_small, due_big, due_small = [], [], [], []
    for _ in range(rounds):
        idle_big.append(_settle_ms(big, 0))
        idle_small.append(_settle_ms(10, 0))
        due_big.append(_settle_ms(big - 1000, 1000))
        due_small.append(_settle_ms(0, 1000))
    figures = []
    for name, ours, base, base_name in (
        (f"settle(), {big} live keys, none due", idle_big, idle_small, "ms with 10 keys"),
        (f"settle(), 1000 due among {big}", due_big, due_small, "ms, 1000 due among 1000"),
    ):
        ratio = Stat.of(o / b for o, b in zip(ours, base, strict=True))
        figures.append(
            Figure(
                "growth",
                name,
                "ms",
                Stat.of(ours),
                base_name,
                Stat.of(base),
                ratio,
                "big / small",
                "O(due): <= 1.5",
                ratio.median <= 1.5,
            )
        )
    return figures


def _journal(quick: bool) -> list[Figure]:
    entries = 10_000 if quick else 100_000
    with Simulator() as sim, requests.Session() as http:
        account = sim.add_account()
        auth = {"X-BX-APIKEY": account.api_key}
        key = http.post(f"{sim.rest_url}{LISTEN_KEY_PATH}", headers=auth).json()["listenKey"]
        http.put(f"{sim.rest_url}{LISTEN_KEY_PATH}", params={"listenKey": key}, headers=auth)
        model = sim.journal.requests[-1]
    journal = Journal()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for n in range(entries):  # fresh objects per entry, as the wire makes them
        journal.append(_copy(model, n))
    filled = tracemalloc.get_traced_memory()[0]
    counted = journal.size_bytes
    live = len(journal.snapshot())  # the byte bound may have let the oldest go
    journal.clear()
    cleared = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per_entry = (filled - before) / live
    return [
        Figure(
            "growth",
            f"journal bytes per REST entry ({entries} entries)",
            "bytes",
            Stat.of([per_entry]),
            "bytes its bound counts per entry",
            Stat.of([counted / live]),
            Stat.of([(filled - before) / counted]),
            "traced / counted",
            "",
            None,
            note=f"{(filled - before) / 2**20:.1f} MiB in all for the {live} entries kept",
        ),
        Figure(
            "growth",
            "journal bytes left after clear()",
            "bytes",
            Stat.of([max(0.0, cleared - before)]),
            "bytes when full",
            Stat.of([filled - before]),
            None,
            "",
            "~0",
            cleared - before < 64 * 1024,
        ),
    ]


def _copy(model: RestCall, n: int) -> RestCall:
    """A fresh entry like the model: new strings, except what ``rest._answer`` shares
    between requests (header values and the path)."""
    headers = {name: shared("".join(value)) for name, value in model.headers.items()}
    query = {name: "".join(value) for name, value in model.query.items()}
    path = shared("".join(model.path))
    return dataclasses.replace(
        model, path=path, headers=headers, query=query, at_ms=model.at_ms + n
    )


def run(quick: bool) -> list[Figure]:
    return _rest(quick) + _settle(quick) + _journal(quick)
