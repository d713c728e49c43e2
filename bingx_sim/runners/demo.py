"""``bingx-sim demo``: the whole listen-key lifecycle in one command, in about a second.

An embedded simulator, the real ``bingx`` client and its managed ``UserDataStream``, and
freezegun moving the wall clock: generate, connect, events, extend at minute 30, a
61-minute jump, ``listenKeyExpired``, renew, reconnect, delete.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TextIO

from freezegun import freeze_time

from bingx import BingXClient, Transition, UserDataStream, events
from bingx_sim import events as build
from bingx_sim.runners.simulator import Simulator

__all__ = ["run_demo"]


def _short(key: str | None) -> str:
    return f"{key[:8]}…" if key else "-"


def run_demo(out: TextIO) -> int:
    started = time.perf_counter()

    def say(minute: int, text: str) -> None:
        out.write(f"[t+{minute:>3} min] {text}\n")

    with Simulator() as sim, freeze_time("2026-01-05 09:00:00") as frozen:
        account = sim.add_account()
        minute = 0
        with BingXClient(account.api_key, account.api_secret, sim.rest_url) as client:
            keeper = UserDataStream(client, base_url=sim.ws_url, poll_interval=None)

            def on_transition(step: Transition) -> None:
                say(minute, f"{step.kind:<11} key {_short(step.listen_key)} {step.detail}".rstrip())

            snapshots = [0]

            def on_event(event: events.Event) -> None:
                if isinstance(event, events.ConfigUpdate) and event.snapshot:
                    snapshots[0] += 1  # the periodic config frames: counted, not told
                    return
                say(minute, f"event       {type(event).__name__} ({event.type})")

            keeper.on_transition(on_transition)
            keeper.on_event(on_event)
            out.write(f"simulator on {sim.rest_url}; account {account.api_key[:8]}…\n")
            keeper.start()
            stream = keeper.stream
            assert stream is not None
            sim.push(account, build.account_update())
            stream.next_event(events.AccountUpdate)
            sim.push(account, build.order_trade_update())
            stream.next_event(events.OrderUpdate)

            frozen.tick(timedelta(minutes=30))
            minute = 30
            keeper.run_pending()  # due: the key now lives to minute 90

            frozen.tick(timedelta(minutes=61))
            minute = 91
            say(minute, "jumped 61 minutes with no extend in between")
            sim.settle()
            keeper.wait_for_transition("expired")
            keeper.run_pending()  # renew and reconnect
            stream = keeper.stream
            assert stream is not None
            sim.push(account, build.account_config_update(long_leverage=20))
            while stream.next_event(events.ConfigUpdate).snapshot:
                pass  # the SNAPSHOT frames of the new connection come first
            keeper.close()
        out.write(f"config frames: {snapshots[0]} SNAPSHOT (one per contract on each connect)\n")
        calls = " ".join(f"{r.method}:{r.status}" for r in sim.journal.requests)
        out.write(f"REST calls seen by the exchange: {calls}\n")
        problems = sim.unexpected_errors()
    elapsed = time.perf_counter() - started
    out.write(f"done in {elapsed:.2f} s of wall time; client mistakes: {len(problems)}\n")
    return 0 if not problems else 1
