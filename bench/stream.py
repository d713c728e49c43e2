"""Stream: events pushed from the test's thread until a client's handler has them.

* ``push()`` per event, to one ``AccountDataStream``'s ``on_event`` handler, against a
  bare cross-thread round trip per event (``run_coroutine_threadsafe`` of one
  ``send_bytes`` on a bare aiohttp socket) to a bare websocket-client reader that
  un-gzips and parses each frame.
* ``push_many()`` of the whole batch, against the bare server's loop sending the batch
  in one hop (the stack's limit: no per-event thread hop at all).

Each figure is events per second until the last one reached its handler; rounds are
interleaved and each round's ratio is taken on the spot.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time
import zlib
from collections.abc import Callable

import websocket

from bingx import AccountDataStream, BingXClient
from bingx_sim import Simulator, events

from .baselines import BareServer
from .report import Figure, Stat


class _Counter:
    """Events a client's handler got; ``cpu``: its thread's CPU time at the last one."""

    def __init__(self) -> None:
        self.count = 0
        self.cpu = 0.0
        self._changed = threading.Condition()

    def add(self, *_: object) -> None:
        self.cpu = time.thread_time()
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def wait(self, target: int, timeout: float = 30) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.count >= target, timeout):
                raise TimeoutError(f"{self.count} of {target} events arrived")


def _bare_reader(url: str, counter: _Counter) -> websocket.WebSocket:
    ws = websocket.create_connection(url, timeout=30)

    def read() -> None:
        try:
            while True:
                opcode, data = ws.recv_data()
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    return
                json.loads(zlib.decompress(data, wbits=31))
                counter.add()
        except (OSError, websocket.WebSocketException):
            return

    threading.Thread(target=read, name="bench-bare-reader", daemon=True).start()
    return ws


def _loop_cpu(loop: asyncio.AbstractEventLoop) -> float:
    async def read() -> float:
        return time.thread_time()

    return asyncio.run_coroutine_threadsafe(read(), loop).result(10)


def _rate(
    counter: _Counter,
    count: int,
    send: Callable[[], object],
    loop: asyncio.AbstractEventLoop,
    cpu: dict[str, list[float]],
) -> float:
    """Events per second; and into ``cpu``, the CPU µs per event of the server's loop
    thread, the client's reading thread and the sending thread (the profile)."""
    start, client0, server0, sender0 = (
        counter.count,
        counter.cpu,
        _loop_cpu(loop),
        time.thread_time(),
    )
    started = time.perf_counter()
    send()
    counter.wait(start + count)
    rate = count / (time.perf_counter() - started)
    sender = time.thread_time() - sender0
    server = _loop_cpu(loop) - server0
    if client0:  # known once a first event arrived
        for name, spent in (
            ("server", server),
            ("client", counter.cpu - client0),
            ("sender", sender),
        ):
            cpu.setdefault(name, []).append(spent / count * 1e6)
    return rate


def run(quick: bool) -> list[Figure]:
    rounds, count = (2, 100) if quick else (21, 500)
    batch = [events.account_update() for _ in range(count)]
    rates: dict[str, list[float]] = {"push": [], "bare": [], "many": [], "bare_many": []}
    profile: dict[str, dict[str, list[float]]] = {}
    with Simulator() as sim:
        account = sim.add_account()
        with (
            BingXClient(account.api_key, account.api_secret, sim.rest_url) as client,
            BareServer(account.api_key, account.api_secret) as bare,
        ):
            ours = _Counter()
            stream = AccountDataStream(client.listen_key().generate()["listenKey"], sim.ws_url)
            stream.on_event(ours.add)
            stream.connect()
            theirs = _Counter()
            reader = _bare_reader(bare.ws_url, theirs)
            bare.wait_sockets(1)
            sim_loop, bare_loop = sim._loop, bare._loop
            assert sim_loop is not None
            sends: dict[str, tuple[_Counter, Callable[[], object], asyncio.AbstractEventLoop]] = {
                "push": (ours, lambda: [sim.push(account, e) for e in batch], sim_loop),
                "bare": (theirs, lambda: list(map(bare.push, batch)), bare_loop),
                "many": (ours, lambda: sim.push_many(account, batch), sim_loop),
                "bare_many": (theirs, lambda: bare.push_many(batch), bare_loop),
            }
            try:
                for _ in range(rounds):
                    for name, (counter, send, loop) in sends.items():
                        cpu = profile.setdefault(name, {})
                        rates[name].append(_rate(counter, count, send, loop, cpu))
            finally:
                stream.disconnect()
                reader.close()
    return [
        _figure(
            "push() per event -> AccountDataStream handler",
            rates["push"],
            rates["bare"],
            "events/s, bare cross-thread send per event -> bare reader",
            0.9,
            _split(profile["push"], profile["bare"]),
        ),
        _figure(
            "push_many() batch -> AccountDataStream handler",
            rates["many"],
            rates["bare_many"],
            "events/s, bare server-loop batch -> bare reader",
            0.6,
            _split(profile["many"], profile["bare_many"]),
        ),
    ]


def _split(ours: dict[str, list[float]], bare: dict[str, list[float]]) -> str:
    """CPU µs per event, thread by thread, ours vs bare (medians)."""
    parts = [
        f"{name} {statistics.median(ours[name]):.0f} vs {statistics.median(bare[name]):.0f}"
        for name in ("server", "client", "sender")
        if ours.get(name) and bare.get(name)
    ]
    return "CPU µs per event, ours vs bare: " + ", ".join(parts)


def _figure(
    name: str, ours: list[float], base: list[float], base_name: str, goal: float, note: str
) -> Figure:
    ratio = Stat.of(o / b for o, b in zip(ours, base, strict=True))
    return Figure(
        "stream",
        name,
        "events/s",
        Stat.of(ours),
        base_name,
        Stat.of(base),
        ratio,
        "ours / bare",
        f">= {goal:g}",
        ratio.median >= goal,
        note=note,
    )
