"""Where the 61-minute lifecycle's time goes: the same steps as the fixtures suite's
lifecycle test, outside pytest, each timed on its own (time-machine for the clock, the
fixtures' shared HTTP session). The baseline is the whole lifecycle's median; each
step's ratio is its share of it. This is the profile behind the lifecycle figure."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import requests
import time_machine

from bingx import AccountDataStream, BingXClient
from bingx import events as ev
from bingx_sim import Simulator, events

from .report import Figure, Stat


def _one(sim: Simulator, http: requests.Session, steps: dict[str, list[float]]) -> float:
    began = last = time.perf_counter()

    def step(name: str, action: Callable[[], object]) -> object:
        nonlocal last
        result = action()
        now = time.perf_counter()
        steps.setdefault(name, []).append((now - last) * 1000)
        last = now
        return result

    account = sim.add_account()
    client = BingXClient(account.api_key, account.api_secret, sim.rest_url, session=http)
    keys = client.listen_key()
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        key = step("POST (generate)", lambda: keys.generate()["listenKey"])
        stream = AccountDataStream(str(key), sim.ws_url)
        step("connect", stream.connect)
        step("push", lambda: sim.push(account, events.account_update()))
        step("event received", lambda: stream.next_event(ev.AccountUpdate, timeout=5))

        def tick() -> list[str]:
            traveller.shift(timedelta(minutes=61))
            return sim.settle()

        step("tick 61 min + settle", tick)
        step("listenKeyExpired received", lambda: stream.next_event(ev.ListenKeyExpired, timeout=5))
        step("disconnect", stream.disconnect)
        key = step("POST (renew)", lambda: keys.generate()["listenKey"])
        stream = AccountDataStream(str(key), sim.ws_url)
        step("reconnect", stream.connect)
        step("DELETE", lambda: keys.delete(str(key)))
        step("disconnect after DELETE", stream.disconnect)
    step("reset", sim.reset)
    return (time.perf_counter() - began) * 1000


def run(quick: bool) -> list[Figure]:
    runs = 10 if quick else 100
    steps: dict[str, list[float]] = {}
    quiet_steps: dict[str, list[float]] = {}
    totals: list[float] = []
    quiet: list[float] = []  # the same lifecycle with no config frames (snapshots=False)
    with (
        Simulator() as sim,
        Simulator(snapshots=False) as quiet_sim,
        requests.Session() as http,
    ):
        http.trust_env = False  # as the fixtures' shared session
        for _ in range(5):
            _one(sim, http, {})  # warm-up
            _one(quiet_sim, http, {})
        for _ in range(runs):  # interleaved, so drift hits both alike
            totals.append(_one(sim, http, steps))
            quiet.append(_one(quiet_sim, http, quiet_steps))
    whole = Stat.of(totals)
    figures = [
        Figure(
            "lifecycle",
            f"step: {name}",
            "ms",
            Stat.of(spans),
            "ms, the whole lifecycle",
            whole,
            Stat.of(s / t for s, t in zip(spans, totals, strict=True)),
            "share",
        )
        for name, spans in steps.items()
    ]
    # Config frames are on by default (one SNAPSHOT per listed contract on connect):
    # what the on-connect burst costs a connect and the whole lifecycle.
    for name in ("connect", "reconnect"):
        on, off = steps[name], quiet_steps[name]
        figures.append(
            Figure(
                "lifecycle",
                f"{name} with config frames (default)",
                "ms",
                Stat.of(on),
                "ms, the same with snapshots=False",
                Stat.of(off),
                Stat.of(a / b for a, b in zip(on, off, strict=True)),
                "with / without",
            )
        )
    figures.append(
        Figure(
            "lifecycle",
            "whole lifecycle with config frames (default)",
            "ms",
            whole,
            "ms, the same with snapshots=False",
            Stat.of(quiet),
            Stat.of(a / b for a, b in zip(totals, quiet, strict=True)),
            "with / without",
            target="<= 1.2x",
            met=Stat.of(a / b for a, b in zip(totals, quiet, strict=True)).median <= 1.2,
        )
    )
    return figures
