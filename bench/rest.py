"""REST: our client against the simulator vs bare signed ``requests`` against a bare
aiohttp handler that verifies the same HMAC (``bench/baselines.py``). Listen-key PUTs,
sequential, on one kept-alive connection each; rounds interleaved.

Besides throughput, the simulator's own cost per request: the CPU time of the server's
loop thread per PUT (``bench.stream._loop_cpu``), the simulator's against the bare
handler's, both sent the very same signed request by the same client (a
``requests.Session`` with ``trust_env`` off, as the fixtures' shared session), and both
answering the same bytes (an empty 200)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable

import requests

from bingx import BingXClient
from bingx_sim import Simulator

from .baselines import BareServer
from .report import Figure, Stat
from .stream import _loop_cpu

_PATH = "/openApi/user/auth/userDataStream"
_CPU_TARGET = 1.2


def _ours(client: BingXClient, key: str, calls: int) -> float:
    keys = client.listen_key()
    started = time.perf_counter()
    for _ in range(calls):
        keys.extend(key)
    return calls / (time.perf_counter() - started)


def _bare(http: requests.Session, bare: BareServer, key: str, calls: int) -> float:
    return _puts(http, bare.rest_url, bare.api_key, bare.api_secret, key, calls)


def _puts(http: requests.Session, base: str, api_key: str, secret: str, key: str, n: int) -> float:
    """``n`` signed listen-key PUTs (requests per second); each must get an empty 200."""
    signing, url = secret.encode(), f"{base}{_PATH}"
    headers = {"X-BX-APIKEY": api_key}
    started = time.perf_counter()
    for _ in range(n):
        query = f"listenKey={key}&timestamp={int(time.time() * 1000)}"
        signature = hmac.new(signing, query.encode(), hashlib.sha256).hexdigest()
        answer = http.put(f"{url}?{query}&signature={signature}", headers=headers)
        if answer.status_code != 200 or answer.content:
            raise RuntimeError(f"{base} refused: {answer.text}")
    return n / (time.perf_counter() - started)


def _cpu(loop: asyncio.AbstractEventLoop, send: Callable[[], object], calls: int) -> float:
    """The server loop's CPU µs per request while ``send()`` makes ``calls`` of them."""
    before = _loop_cpu(loop)
    send()
    return (_loop_cpu(loop) - before) / calls * 1e6


def run(quick: bool) -> list[Figure]:
    rounds, calls = (3, 100) if quick else (41, 200)
    ours: list[float] = []
    base: list[float] = []
    plain: list[float] = []  # the bare client without requests' environment lookups
    cpu_ours: list[float] = []  # the server loop's CPU µs per PUT, same client both ways
    cpu_bare: list[float] = []
    with Simulator() as sim:
        account = sim.add_account()
        loop = sim._loop
        assert loop is not None
        with (
            BareServer(account.api_key, account.api_secret) as bare,
            requests.Session() as http,
            requests.Session() as lean,
            requests.Session() as same,
            BingXClient(account.api_key, account.api_secret, sim.rest_url) as client,
        ):
            lean.trust_env = same.trust_env = False  # what our client does for a loopback
            key = client.listen_key().generate()["listenKey"]
            secret = account.api_secret

            def to_sim() -> float:
                return _puts(same, sim.rest_url, account.api_key, secret, key, calls)

            def to_bare() -> float:
                return _puts(same, bare.rest_url, account.api_key, secret, key, calls)

            _ours(client, key, 50)  # warm every connection
            _bare(http, bare, key, 50)
            _bare(lean, bare, key, 50)
            to_sim()
            to_bare()
            for n in range(rounds):
                ours.append(_ours(client, key, calls))
                base.append(_bare(http, bare, key, calls))
                plain.append(_bare(lean, bare, key, calls))
                sides = [(cpu_ours, loop, to_sim), (cpu_bare, bare._loop, to_bare)]
                for spent, server, send in sides[:: 1 if n % 2 else -1]:
                    spent.append(_cpu(server, send, calls))
    figures = []
    for label, baseline, note in (
        ("", base, "the baseline is a default requests.Session, as a bare user has"),
        (
            " (same session settings)",
            plain,
            "both skip requests' proxy and .netrc lookups: the simulator's own cost shows",
        ),
    ):
        ratio = Stat.of(o / b for o, b in zip(ours, baseline, strict=True))
        figures.append(
            Figure(
                "rest",
                f"listen-key PUT: BingXClient -> simulator{label}",
                "req/s",
                Stat.of(ours),
                "req/s, signed requests -> bare aiohttp HMAC check",
                Stat.of(baseline),
                ratio,
                "ours / bare",
                ">= 0.95" if not label else "",
                ratio.median >= 0.95 if not label else None,
                note=note,
            )
        )
    cpu_ratio = Stat.of(o / b for o, b in zip(cpu_ours, cpu_bare, strict=True))
    figures.append(
        Figure(
            "rest",
            "listen-key PUT: server CPU per request",
            "CPU µs",
            Stat.of(cpu_ours),
            "CPU µs, the same signed PUT from the same client -> bare aiohttp HMAC check",
            Stat.of(cpu_bare),
            cpu_ratio,
            "ours / bare",
            f"<= {_CPU_TARGET:g}x",
            cpu_ratio.median <= _CPU_TARGET,
            note=(
                "the server loop thread's CPU time per call (user + system, with the "
                "socket writes), both answering an empty 200; rounds alternate sides"
            ),
        )
    )
    return figures
