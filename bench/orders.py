"""Orders: what the USDT-M account model costs on the wire (issues 25 and 29), suite
``orders`` (``trading`` is its old name).

* Place-order round trip: a signed ``POST /openApi/swap/v2/trade/order`` (a MARKET order
  that fills at once; a LIMIT that rests) from one kept-alive ``requests.Session``
  (``trust_env`` off, as the fixtures' shared session), against the same client sending
  the same signed request to a bare aiohttp handler on ``BareServer``'s loop that runs
  ``BareServer``'s own HMAC check and answers the bytes the simulator answered. Each
  call is timed on its own; the signing and the check of its answer (``code`` 0, every
  call) are outside the timed span. Every round uses a fresh, well-funded account, and
  each resting LIMIT is cancelled (untimed, on both sides alike) before the next: what
  the ledger does per order grows with the orders the account holds, which the last
  round-trip figure shows on its own (MARKET orders with LIMITs resting).
* The server's CPU per place-order: the server loop thread's CPU time per call, ours
  against the bare handler's, and the share of ours spent in the exchange's own work
  (``SimState.ledger_request``, timed on the loop thread), so what the simulator adds
  around the ledger shows on its own.
* Fill to event: a fill fanned out to 100 sockets: one account, 100 listen keys, one
  socket each, read on one asyncio loop (aiohttp client) that un-gzips and parses every
  frame. A resting LIMIT is placed (untimed), then ``set_price`` crosses it: the time
  from the call until every socket has the fill's frames (``ORDER_TRADE_UPDATE`` TRADE
  and ``ACCOUNT_UPDATE``), against ``push_many`` of the same events to the same sockets;
  and the time until each call returns (its frames handed to the kernel), both ways.
* 1 000 resting limits crossed by one price move: one account holds 1 000 resting BUY
  LIMITs (placed untimed), one socket reads its events; one ``set_price`` crosses every
  one. The time until the socket has every fill's frames, against ``push_many`` of the
  very same events to the same socket.

Rounds interleave the two sides (which goes first alternates) and each round's ratio is
taken on the spot.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import statistics
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import aiohttp
import requests
from aiohttp import web

from bingx import BingXClient
from bingx_sim import Account, Simulator

from .baselines import BareServer
from .report import Figure, Stat
from .stream import _loop_cpu

_ORDER_PATH = "/openApi/swap/v2/trade/order"
_SYMBOL = "BTC-USDT"
_FUNDS = {"USDT": "1000000000"}  # no order of the bench is ever refused for margin
_START, _LIMIT, _CROSS = "50000", "49000", "48900"
_ORDERS = {
    "MARKET": f"symbol={_SYMBOL}&side=BUY&positionSide=LONG&type=MARKET&quantity=0.001",
    "LIMIT": (
        f"symbol={_SYMBOL}&side=BUY&positionSide=LONG&type=LIMIT&price={_LIMIT}&quantity=0.001"
    ),
}
_OK = b'{"code":0,'
_SOCKETS = 100
_CONFIG = frozenset({"SNAPSHOT", "ACCOUNT_CONFIG_UPDATE"})


# the place-order round trip -----------------------------------------------------------


@dataclass(slots=True)
class _Target:
    """Where the bench's client sends its signed requests, as whom."""

    url: str  # the order endpoint's full URL
    api_key: str
    api_secret: str
    loop: asyncio.AbstractEventLoop  # the server's loop: its CPU time is read
    operation: _OperationClock | None = None  # the simulator's: its ledger's CPU time


class _OperationClock:
    """The CPU time the simulator's loop thread spends in the exchange's own work, the
    ledger (``SimState.ledger_request``, which every modelled endpoint calls), summed;
    read from the bench's thread after a :func:`~bench.stream._loop_cpu` round trip."""

    def __init__(self, sim: Simulator) -> None:
        self.spent = 0.0
        state = sim._state
        assert state is not None
        inner = state.ledger_request

        def timed(method: str, path: str, api_key: str | None, params: Mapping[str, str]) -> object:
            started = time.thread_time()
            try:
                return inner(method, path, api_key, params)
            finally:
                self.spent += time.thread_time() - started

        state.ledger_request = timed  # type: ignore[method-assign]


def _signed(target: _Target, params: str) -> str:
    """``params`` with a fresh ``timestamp``, signed as the exchange wants (over the
    query string exactly as sent)."""
    query = f"{params}&timestamp={int(time.time() * 1000)}"
    signature = hmac.new(target.api_secret.encode(), query.encode(), hashlib.sha256)
    return f"{target.url}?{query}&signature={signature.hexdigest()}"


def _checked(answer: requests.Response) -> bytes:
    if answer.status_code != 200 or not answer.content.startswith(_OK):
        raise RuntimeError(f"refused ({answer.status_code}): {answer.text[:300]}")
    return answer.content


def _round(
    http: requests.Session,
    target: _Target,
    kind: str,
    calls: int,
    cpu: list[float],
    ledger: list[float] | None = None,
) -> list[float]:
    """``calls`` place-order round trips, each timed on its own (seconds); a LIMIT is
    cancelled after its call, untimed. Into ``cpu``: the server loop's CPU µs per call
    (for a LIMIT, per place and cancel); into ``ledger``, of that, the ledger's."""
    headers = {"X-BX-APIKEY": target.api_key}
    params = _ORDERS[kind]
    times: list[float] = []
    operation = target.operation
    cpu_before = _loop_cpu(target.loop)
    ledger_before = operation.spent if operation is not None else 0.0
    for _ in range(calls):
        url = _signed(target, params)
        started = time.perf_counter()
        answer = http.post(url, headers=headers)
        times.append(time.perf_counter() - started)
        body = _checked(answer)
        if kind == "LIMIT":
            order_id = json.loads(body)["data"]["order"]["orderId"]
            cancel = _signed(target, f"symbol={_SYMBOL}&orderId={order_id}")
            _checked(http.delete(cancel, headers=headers))
    cpu.append((_loop_cpu(target.loop) - cpu_before) / calls * 1e6)
    if operation is not None and ledger is not None:
        ledger.append((operation.spent - ledger_before) / calls * 1e6)
    return times


class _BareOrders:
    """The place-order route (and the cancel), served on a ``BareServer``'s loop: each
    request passes ``BareServer``'s own HMAC check, then gets the bytes the simulator
    answered the same request (``answers``, by order type, and ``DELETE``)."""

    def __init__(self, bare: BareServer, answers: dict[str, bytes]) -> None:
        self.bare, self.answers = bare, answers
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _answer(self, request: web.Request) -> web.Response:
        refused = await self.bare._put(request)  # an empty body when the HMAC is right
        if refused.body:
            return refused
        if request.method == "DELETE":
            body = self.answers["DELETE"]
        else:
            body = self.answers[
                "LIMIT" if "type=LIMIT" in request.rel_url.raw_query_string else "MARKET"
            ]
        return web.Response(body=body, headers={"Content-Type": "application/json"})

    async def _start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_post(_ORDER_PATH, self._answer)
        app.router.add_delete(_ORDER_PATH, self._answer)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return runner

    def __enter__(self) -> Self:
        self._runner = self.bare.call(self._start)
        self.port = self._runner.addresses[0][1]
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        runner = self._runner
        if runner is not None:
            self.bare.call(runner.cleanup)

    def target(self, account: Account) -> _Target:
        """The bare side, as ``account`` (the bare check then expects its key pair)."""
        self.bare.api_key, self.bare.api_secret = account.api_key, account.api_secret
        return _Target(
            f"http://127.0.0.1:{self.port}{_ORDER_PATH}",
            account.api_key,
            account.api_secret,
            self.bare._loop,
        )


def _answers(sim: Simulator, http: requests.Session, account: Account) -> dict[str, bytes]:
    """What the simulator answers each request (the bare side sends the same bytes)."""
    assert sim._loop is not None
    target = _Target(f"{sim.rest_url}{_ORDER_PATH}", account.api_key, account.api_secret, sim._loop)
    headers = {"X-BX-APIKEY": account.api_key}
    answers = {
        k: _checked(http.post(_signed(target, p), headers=headers)) for k, p in _ORDERS.items()
    }
    order_id = json.loads(answers["LIMIT"])["data"]["order"]["orderId"]
    cancel = _signed(target, f"symbol={_SYMBOL}&orderId={order_id}")
    answers["DELETE"] = _checked(http.delete(cancel, headers=headers))
    return answers


def _rest(quick: bool) -> list[Figure]:
    rounds, calls, resting = (2, 20, 20) if quick else (21, 100, 200)
    kinds = ("MARKET", "LIMIT", "busy")  # busy: MARKET orders with `resting` LIMITs open
    ours: dict[str, list[float]] = {k: [] for k in kinds}  # medians, µs
    base: dict[str, list[float]] = {k: [] for k in kinds[:2]}
    ours_rate: dict[str, list[float]] = {k: [] for k in kinds}  # calls per second
    base_rate: dict[str, list[float]] = {k: [] for k in kinds[:2]}
    cpu: dict[str, list[float]] = {}
    with (
        Simulator() as sim,
        BareServer("unused", "unused") as bare,
        requests.Session() as http,
        requests.Session() as bare_http,
    ):
        http.trust_env = bare_http.trust_env = False
        sim.set_price(_SYMBOL, _START)
        loop = sim._loop
        assert loop is not None
        operation = _OperationClock(sim)

        def fresh() -> tuple[Account, _Target]:
            account = sim.add_account(balances=_FUNDS)
            url = f"{sim.rest_url}{_ORDER_PATH}"
            return account, _Target(url, account.api_key, account.api_secret, loop, operation)

        account, _ = fresh()
        with _BareOrders(bare, _answers(sim, http, account)) as orders:
            for kind in kinds[:2]:  # warm both connections and both code paths
                account, target = fresh()
                _round(http, target, kind, 20, [])
                _round(bare_http, orders.target(account), kind, 20, [])
            for n in range(rounds):
                for kind in kinds[:2]:
                    account, target = fresh()
                    sides = [
                        (http, target, ours[kind], ours_rate[kind], f"ours {kind}"),
                        (
                            bare_http,
                            orders.target(account),
                            base[kind],
                            base_rate[kind],
                            f"bare {kind}",
                        ),
                    ]
                    for session, where, medians, rates, name in sides[:: 1 if n % 2 else -1]:
                        spent = cpu.setdefault(name, [])
                        ledger = cpu.setdefault(f"{name} ledger", [])
                        times = _round(session, where, kind, calls, spent, ledger)
                        medians.append(statistics.median(times) * 1e6)
                        rates.append(calls / sum(times))
                account, target = fresh()
                for _ in range(resting):
                    sim.place_order(account, **_params(_ORDERS["LIMIT"]))
                times = _round(http, target, "MARKET", calls, cpu.setdefault("ours busy", []))
                ours["busy"].append(statistics.median(times) * 1e6)
                ours_rate["busy"].append(calls / sum(times))
    figures: list[Figure] = []
    what = {"MARKET": "MARKET, fills at once", "LIMIT": "LIMIT, rests"}
    for kind in kinds[:2]:
        note = (
            f"server loop CPU µs per {'place and cancel' if kind == 'LIMIT' else 'call'}, "
            f"ours vs bare: {statistics.median(cpu[f'ours {kind}']):.0f} vs "
            f"{statistics.median(cpu[f'bare {kind}']):.0f}"
        )
        figures += [
            Figure(
                "orders",
                f"place-order round trip ({what[kind]}): requests.Session -> simulator",
                "µs",
                Stat.of(ours[kind]),
                "µs, the same signed POST -> bare aiohttp HMAC check, same answer bytes",
                Stat.of(base[kind]),
                Stat.of(o / b for o, b in zip(ours[kind], base[kind], strict=True)),
                "ours / bare",
                note=f"median per call, {calls} calls a round; {note}",
            ),
            Figure(
                "orders",
                f"place-order throughput ({what[kind]})",
                "req/s",
                Stat.of(ours_rate[kind]),
                "req/s, the same signed POST -> bare aiohttp HMAC check",
                Stat.of(base_rate[kind]),
                Stat.of(o / b for o, b in zip(ours_rate[kind], base_rate[kind], strict=True)),
                "ours / bare",
                note="1 / mean round trip, sequential on one kept-alive connection",
            ),
        ]
    for kind in kinds[:2]:
        per = "place and cancel" if kind == "LIMIT" else "place-order"
        mine, theirs = cpu[f"ours {kind}"], cpu[f"bare {kind}"]
        ledger = cpu[f"ours {kind} ledger"]
        outside = [m - led for m, led in zip(mine, ledger, strict=True)]
        whole = Stat.of(m / t for m, t in zip(mine, theirs, strict=True))
        figures += [
            Figure(
                "orders",
                f"{per} ({kind}): server CPU per call",
                "CPU µs",
                Stat.of(mine),
                "CPU µs, the same signed request from the same client -> bare aiohttp "
                "HMAC check, same answer bytes",
                Stat.of(theirs),
                whole,
                "ours / bare",
                "<= 1.2x",
                whole.median <= 1.2,
                note=(
                    f"of ours, the ledger (SimState.ledger_request, the exchange's work) "
                    f"{statistics.median(ledger):.0f} µs"
                ),
            ),
            Figure(
                "orders",
                f"{per} ({kind}): server CPU per call outside the ledger",
                "CPU µs",
                Stat.of(outside),
                "CPU µs, the bare handler's whole call",
                Stat.of(theirs),
                Stat.of(o / t for o, t in zip(outside, theirs, strict=True)),
                "ours without the ledger / bare",
                note="what the simulator adds around the exchange's own work",
            ),
        ]
    figures.append(
        Figure(
            "orders",
            f"place-order round trip (MARKET) with {resting} LIMIT orders resting",
            "µs",
            Stat.of(ours["busy"]),
            "µs, the same with none resting (the MARKET row)",
            Stat.of(ours["MARKET"]),
            Stat.of(o / b for o, b in zip(ours["busy"], ours["MARKET"], strict=True)),
            f"{resting} resting / none",
            note=(
                f"server loop CPU µs per call: {statistics.median(cpu['ours busy']):.0f}; "
                "what the orders an account holds cost each of its calls"
            ),
        )
    )
    return figures


def _params(query: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in query.split("&"))


# a fill fanned out to 100 sockets -----------------------------------------------------


def _kind(event: dict[str, Any]) -> str:
    if event.get("e") == "ORDER_TRADE_UPDATE":
        return f"ORDER_TRADE_UPDATE:{event['o']['x']}"
    return str(event.get("e"))


class _Fans:
    """Account sockets read on one asyncio loop of their own thread (aiohttp client):
    every frame un-gzipped and parsed, as a client must before it knows what it got,
    Pings answered, config frames skipped. :meth:`expect` then :meth:`wait`: the
    moment (``perf_counter``) the last socket had its ``total``-th event."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.counts = [0] * len(urls)
        self.kinds: list[str] = []  # what the first socket got, in order
        self._lock = threading.Lock()
        self._target = 0
        self._short = 0
        self._done = threading.Event()
        self._at = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="bench-fans")
        self._session: aiohttp.ClientSession | None = None
        self._sockets: list[aiohttp.ClientWebSocketResponse] = []
        self._tasks: list[asyncio.Task[None]] = []

    def _on_loop(self, make: Callable[[], Any], timeout: float = 30) -> Any:
        async def run() -> Any:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    async def _read(self, n: int, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.BINARY:
                continue
            text = zlib.decompress(message.data, wbits=31)
            if text == b"Ping":
                await ws.send_str("Pong")
                continue
            event = json.loads(text)
            if event.get("e") in _CONFIG:
                continue  # per-symbol config frames, off in this suite: not the fill
            if n == 0:
                self.kinds.append(_kind(event))
            with self._lock:
                self.counts[n] += 1
                if self.counts[n] == self._target:
                    self._short -= 1
                    if self._short == 0:
                        self._at = time.perf_counter()
                        self._done.set()

    async def _open(self) -> None:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        session = self._session
        self._sockets = list(await asyncio.gather(*(session.ws_connect(u) for u in self.urls)))
        self._tasks = [asyncio.create_task(self._read(n, ws)) for n, ws in enumerate(self._sockets)]

    async def _close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self._sockets), return_exceptions=True)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def __enter__(self) -> Self:
        self._thread.start()
        self._on_loop(self._open)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self._on_loop(self._close)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    @property
    def total(self) -> int:
        """Events every socket has had (they all get the same)."""
        with self._lock:
            return min(self.counts)

    def expect(self, total: int) -> None:
        """Arm :meth:`wait` for every socket having had ``total`` events in all."""
        with self._lock:
            self._target = total
            self._short = sum(c < total for c in self.counts)
            self._done.clear()
            if self._short == 0:
                self._at = time.perf_counter()
                self._done.set()

    def wait(self, timeout: float = 10) -> float:
        if not self._done.wait(timeout):
            with self._lock:
                short = sum(c < self._target for c in self.counts)
            raise TimeoutError(f"{short} of {len(self.counts)} sockets short of {self._target}")
        return self._at


def _fan_out(quick: bool) -> list[Figure]:
    rounds = 5 if quick else 51
    times: dict[str, list[float]] = {"fill": [], "fill_back": [], "many": [], "many_back": []}
    limit = _params(_ORDERS["LIMIT"])
    # The per-symbol config frames every 5 s (``snapshots``) are off: one burst of them
    # to 100 sockets inside a timed window would be measured as the fill's cost.
    with Simulator(snapshots=False) as sim:
        account = sim.add_account(balances=_FUNDS)
        with BingXClient(account.api_key, account.api_secret, sim.rest_url) as client:
            keys = [client.listen_key().generate()["listenKey"] for _ in range(_SOCKETS)]
        with _Fans([f"{sim.ws_url}?listenKey={k}" for k in keys]) as fans:

            def rest_an_order() -> None:
                """Untimed: back above the limit, a LIMIT resting, its NEW on every socket."""
                total = fans.total
                moved = sim.set_price(_SYMBOL, _START)
                fans.expect(total + len(moved))
                fans.wait()
                fans.expect(total + len(moved) + 1)
                sim.place_order(account, **limit)
                fans.wait()

            def timed(action: Callable[[], object], count: int) -> tuple[float, float, object]:
                fans.expect(fans.total + count)
                started = time.perf_counter()
                result = action()
                returned = time.perf_counter()
                return fans.wait() - started, returned - started, result

            rest_an_order()
            first, total = len(fans.kinds), fans.total
            fill = sim.set_price(_SYMBOL, _CROSS)
            fans.expect(total + len(fill))
            fans.wait()
            got = fans.kinds[first - 1 :]
            wanted = ["ORDER_TRADE_UPDATE:NEW", *map(_kind, fill)]
            if got != wanted or {"ORDER_TRADE_UPDATE:TRADE", "ACCOUNT_UPDATE"} - set(got):
                raise RuntimeError(f"a socket got {got}, expected {wanted} with a fill")
            count = len(fill)

            for n in range(rounds):
                runs = [
                    ("fill", lambda: sim.set_price(_SYMBOL, _CROSS)),
                    ("many", lambda: sim.push_many(account, fill)),
                ]
                for name, action in runs[:: 1 if n % 2 else -1]:
                    if name == "fill":
                        rest_an_order()
                    everywhere, back, result = timed(action, count)
                    if name == "fill" and (not isinstance(result, list) or len(result) != count):
                        raise RuntimeError(f"set_price pushed {result!r}, not a fill")
                    times[name].append(everywhere * 1e6)
                    times[f"{name}_back"].append(back * 1e6)
            sim.place_order(account, **_params(_ORDERS["MARKET"]))  # Refused if unfunded
    kinds = ", ".join(_kind(e) for e in fill)
    return [
        Figure(
            "orders",
            f"fill to event, {_SOCKETS} sockets: set_price() until every socket has it",
            "µs",
            Stat.of(times["fill"]),
            f"µs, push_many() of the same {count} events until every socket has them",
            Stat.of(times["many"]),
            Stat.of(f / m for f, m in zip(times["fill"], times["many"], strict=True)),
            "set_price / push_many",
            note=f"{count} frames per socket ({kinds}), un-gzipped and parsed on one client loop",
        ),
        Figure(
            "orders",
            f"fill to event, {_SOCKETS} sockets: set_price() until it returns",
            "µs",
            Stat.of(times["fill_back"]),
            "µs, push_many() of the same events until it returns",
            Stat.of(times["many_back"]),
            Stat.of(f / m for f, m in zip(times["fill_back"], times["many_back"], strict=True)),
            "set_price / push_many",
            note="each returns once its frames are handed to the kernel on every socket",
        ),
    ]


# 1 000 resting limits crossed by one price move ------------------------------------------


def _crossing(quick: bool) -> list[Figure]:
    resting, rounds = (100, 2) if quick else (1000, 5)
    limit = _params(_ORDERS["LIMIT"])
    cross: list[float] = []  # µs until the socket had every fill's frames
    back: list[float] = []  # µs until set_price() returned
    many: list[float] = []  # the same for push_many() of the same events
    many_back: list[float] = []
    cpu: list[float] = []  # the loop's CPU µs for the price move
    count = 0
    with Simulator(snapshots=False) as sim:
        loop = sim._loop
        assert loop is not None
        for _ in range(rounds):
            sim.set_price(_SYMBOL, _START)
            account = sim.add_account(balances=_FUNDS)
            with BingXClient(account.api_key, account.api_secret, sim.rest_url) as client:
                key = client.listen_key().generate()["listenKey"]
            with _Fans([f"{sim.ws_url}?listenKey={key}"]) as fans:
                for _ in range(resting):  # untimed: what placing costs is another figure
                    sim.place_order(account, **limit)
                fans.expect(resting)  # each LIMIT's NEW
                fans.wait(60)
                total = fans.total
                fans.expect(total + 2 * resting)  # a TRADE and an ACCOUNT_UPDATE per fill
                cpu_before = _loop_cpu(loop)
                started = time.perf_counter()
                fill = sim.set_price(_SYMBOL, _CROSS)
                returned = time.perf_counter()
                if len(fill) != 2 * resting:
                    fans.expect(total + len(fill))
                arrived = fans.wait(60)
                cpu.append((_loop_cpu(loop) - cpu_before) * 1e6)
                cross.append((arrived - started) * 1e6)
                back.append((returned - started) * 1e6)
                fills = sum(1 for e in fill if _kind(e) == "ORDER_TRADE_UPDATE:TRADE")
                if fills != resting:
                    raise RuntimeError(f"one price move filled {fills} of {resting} limits")
                count = len(fill)
                fans.expect(fans.total + count)
                started = time.perf_counter()
                sim.push_many(account, fill)
                returned = time.perf_counter()
                many.append((fans.wait(60) - started) * 1e6)
                many_back.append((returned - started) * 1e6)
    per_order = statistics.median(cross) / resting
    return [
        Figure(
            "orders",
            f"{resting} resting limits crossed by one set_price(): until the socket has every fill",
            "µs",
            Stat.of(cross),
            f"µs, push_many() of the same {count} events until the socket has them",
            Stat.of(many),
            Stat.of(c / m for c, m in zip(cross, many, strict=True)),
            "set_price / push_many",
            note=(
                f"{per_order:.0f} µs per order filled; the server loop's CPU for the move "
                f"{statistics.median(cpu) / 1000:.1f} ms; set_price() returned after "
                f"{statistics.median(back) / 1000:.1f} ms (push_many() "
                f"{statistics.median(many_back) / 1000:.1f} ms)"
            ),
        )
    ]


def run(quick: bool) -> list[Figure]:
    return _rest(quick) + _fan_out(quick) + _crossing(quick)
