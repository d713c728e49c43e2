"""``Simulator``: the fake exchange on a background thread, with a thread-safe facade.

The simulator's state is only ever touched on its own loop. Each facade method is a thin
adapter: it hands one :class:`~bingx_sim.core.state.SimState` operation to the loop and waits
for its answer with a real-time deadline, so it is safe inside a freeze, and refuses with
a clear error (instead of deadlocking) when called from the loop thread itself.

What a facade method raises, besides the operation's own ``ValueError``/``TypeError``
for bad arguments: ``RuntimeError`` when the simulator is not running or when called from
its own thread; ``TimeoutError`` when the loop did not get to the operation in time, in
which case the operation was not applied at all (operations are atomic: they never wait
on a client, so once one starts it finishes), or, rarer, when it was applied but the
frames it queued were not all written in a second ``timeout`` (the message says which).

When a method returns, the frames it caused are on the wire: handed to the kernel, on
every socket whose client reads. A client that does not read is never waited for.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, Self, TypeVar

from bingx_sim import defaults
from bingx_sim.core.clock import ExchangeClock, RealTimeLoop
from bingx_sim.core.fan_out import prepare
from bingx_sim.core.journal import JournalSnapshot
from bingx_sim.core.state import STATE, Mistake, SimState
from bingx_sim.lab.faults import FaultSpec, RestError
from bingx_sim.lab.handles import FaultHandle, StubHandle
from bingx_sim.lab.incidents import INCIDENTS, Incident
from bingx_sim.lab.stubs import Reply, Stub, StubRequest, reply_from_json
from bingx_sim.ledger import StartingBalances
from bingx_sim.rules.listen_keys import Account, ListenKey
from bingx_sim.rules.options import ContractOptions
from bingx_sim.runners.app_server import AppServer
from bingx_sim.wire.app import create_app, make_config

__all__ = ["Simulator"]


def _key_of(account: Account | str) -> str:
    return account if isinstance(account, str) else account.api_key


def _param_text(value: str | int | bool) -> str:
    """A parameter as it travels in a query string (``True`` is ``true``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


T = TypeVar("T")


class Simulator:
    """A BingX listen-key and account-stream exchange, in process, on port 0.

    ``ping_interval``, ``pong_timeout``, ``watch_interval`` and ``close_grace`` are real
    seconds; the key lifetime runs on the exchange clock (the wall clock as freezegun or
    time-machine present it, plus :meth:`advance`). ``max_outbox_bytes`` is how much a
    socket may have queued and unread before it is dropped as a slow consumer. Defaults
    are in :mod:`bingx_sim.defaults`. ``seed_accounts`` exist from the start and survive
    :meth:`reset`. ``clock`` replaces the wall clock the exchange clock is based on (any
    object with ``now_ms()``). Any other keyword is a contract option
    (:class:`~bingx_sim.rules.options.ContractOptions`); ``profile="bingx-python"`` names
    a set of them (:data:`~bingx_sim.rules.profiles.PROFILES`), under the explicit ones.

    One class, long because it is the whole public surface of the in-process exchange:
    its lifecycle, addresses, and one short adapter per operation (the exchange's, the
    clock's, the lab's). Each adapter is a hop to the loop; none holds logic.
    """

    def __init__(
        self,
        *,
        key_ttl: timedelta = defaults.KEY_TTL,
        ping_interval: float = defaults.PING_INTERVAL,
        pong_timeout: float = defaults.PONG_TIMEOUT,
        watch_interval: float | None = defaults.WATCH_INTERVAL,
        max_outbox_bytes: int = defaults.MAX_OUTBOX_BYTES,
        close_grace: float = defaults.CLOSE_GRACE,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: ExchangeClock | None = None,
        seed_accounts: Iterable[Account] = (),
        **contract_options: Any,
    ) -> None:
        self.config = make_config(
            key_ttl=key_ttl,
            ping_interval=ping_interval,
            pong_timeout=pong_timeout,
            watch_interval=watch_interval,
            max_outbox_bytes=max_outbox_bytes,
            close_grace=close_grace,
            **contract_options,
        )
        self._seed_accounts = tuple(seed_accounts)
        self._host, self._port = host, port
        self._clock = clock
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state: SimState | None = None
        self._stop_requested: asyncio.Event | None = None
        self._startup_error: BaseException | None = None

    # lifecycle --------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving; when this returns the port is bound and accepting."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("this Simulator is already started")
            ready = threading.Event()
            thread = threading.Thread(
                target=self._run, args=(ready,), name="bingx-sim", daemon=True
            )
            self._thread = thread
            thread.start()
        if not ready.wait(timeout):
            raise RuntimeError(f"the simulator did not start within {timeout} s")
        if self._startup_error is not None:
            thread.join(timeout)
            self._thread = None
            raise RuntimeError("the simulator failed to start") from self._startup_error
        return self

    def _run(self, ready: threading.Event) -> None:
        loop = RealTimeLoop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        except BaseException as exc:  # reported to start(); the thread must not die loudly
            self._startup_error = exc
            ready.set()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            asyncio.set_event_loop(None)
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        app = create_app(self.config, wall=self._clock, seed_accounts=self._seed_accounts)
        self._state = app[STATE]
        self._stop_requested = asyncio.Event()
        server = AppServer(app, self._host, self._port, on_refused=app[STATE].refused_request)
        try:
            await server.start()
            self._port = server.port
            ready.set()
            await self._stop_requested.wait()
        finally:
            await server.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Close every socket, stop the loop and join its thread. Idempotent.

        Clients get ``close_grace`` real seconds to answer the close; one that does not
        (it stopped reading) is dropped, so this returns promptly whatever clients do."""
        self._guard("stop")
        with self._lock:
            thread, loop, stop = self._thread, self._loop, self._stop_requested
            if thread is None:
                return
            if loop is not None and stop is not None and not loop.is_closed():
                # RuntimeError: the loop closed between the check and the call.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(stop.set)
            thread.join(timeout)
            if thread.is_alive():
                raise RuntimeError(f"the simulator thread did not stop within {timeout} s")
            self._thread = self._loop = self._state = self._stop_requested = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # addresses --------------------------------------------------------------------

    @property
    def port(self) -> int:
        self._require_running()
        return self._port

    @property
    def _authority(self) -> str:
        host = self._host.strip("[]")
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    @property
    def rest_url(self) -> str:
        return f"http://{self._authority}"

    @property
    def ws_url(self) -> str:
        """USDT-M account stream base: connect to ``f"{ws_url}?listenKey={key}"``."""
        return f"ws://{self._authority}/swap-market"

    @property
    def spot_ws_url(self) -> str:
        return f"ws://{self._authority}/market"

    @property
    def coinm_ws_url(self) -> str:
        return f"ws://{self._authority}/cswap-market"

    @property
    def ui_url(self) -> str:
        """The dashboard (``docs/dashboard.md``): open it in a browser to watch."""
        return f"http://{self._authority}/_sim/ui"

    # the facade -------------------------------------------------------------------

    def _guard(self, name: str) -> None:
        thread = self._thread
        if thread is not None and threading.get_ident() == thread.ident:
            raise RuntimeError(
                f"Simulator.{name}() was called from the simulator's own thread (a handler "
                "or callback running on its loop); it would deadlock. Call it from the "
                "test's thread."
            )

    def _require_running(self) -> SimState:
        state = self._state
        if state is None or self._loop is None:
            raise RuntimeError("the simulator is not running: call start() or use `with`")
        return state

    def _apply(self, name: str, op: Callable[[SimState], T], timeout: float) -> T:
        """Run ``op`` on the loop thread; its result or its exception, here.

        It returns once the frames the operation queued are on the wire: handed to the
        kernel, for every socket whose client reads (a client that does not read is
        never waited for)."""
        self._guard(name)
        state = self._require_running()
        loop = self._loop
        assert loop is not None
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def answer(result: T) -> Callable[[], None]:
            def done() -> None:
                # Also when the loop is stopping and the writers end early: the caller
                # has its answer, the operation itself was applied.
                if not future.done():
                    future.set_result(result)

            return done

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return  # the caller gave up before we got here: do nothing at all
            try:
                result = op(state)
            except Exception as error:
                future.set_exception(error)
                return
            state.when_flushed(answer(result))

        try:
            loop.call_soon_threadsafe(run)
        except RuntimeError:  # the loop closed between the check and the call
            raise RuntimeError("the simulator is not running: call start() or use `with`") from None
        try:
            # Future.result waits on a C lock: real time, even inside a freeze.
            return future.result(timeout)
        except TimeoutError:
            if future.cancel():
                raise TimeoutError(
                    f"Simulator.{name}() was not applied within {timeout} s: the "
                    "simulator's loop did not get to it (busy or blocked); nothing changed"
                ) from None
        try:
            return future.result(timeout)  # applied; its frames are still being written
        except TimeoutError:
            raise TimeoutError(
                f"Simulator.{name}() was applied, but its frames were not all written "
                f"within another {timeout} s (the simulator's loop is busy or blocked)"
            ) from None

    def add_account(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        balances: StartingBalances | None = None,
    ) -> Account:
        """Register an API key pair (generated when not given) and return it;
        ``balances`` are its starting wallets: USDT-M's (``{"USDT": "10000"}``), or per
        product (``{"swap": {"USDT": "10000"}, "spot": {"USDT": "500"}, "coinm":
        {"BTC": "1"}}``)."""
        return self._apply(
            "add_account",
            lambda s: s.add_account(api_key, api_secret, balances),
            defaults.FACADE_TIMEOUT,
        )

    # the account model --------------------------------------------------------------

    def set_price(
        self,
        symbol: str,
        price: str | Decimal,
        *,
        last: str | Decimal | None = None,
        index: str | Decimal | None = None,
        product: str = "swap",
    ) -> list[dict[str, Any]]:
        """Set ``symbol``'s mark price (last and index follow unless given) on
        ``product`` (``"swap"`` USDT-M, ``"coinm"``; on ``"spot"`` the pair's last
        price, its only one: a spot pair's price is separate from the perpetual of the
        same name) and run that product's matcher: resting limits that cross fill as
        maker at their price, stop, take-profit and trigger orders fire. Returns the
        events pushed, which are on the wire when this returns."""
        return self._apply(
            "set_price",
            lambda s: s.set_price(symbol, price, last=last, index=index, product=product),
            defaults.FACADE_TIMEOUT,
        )

    def script_prices(
        self, symbol: str, steps: Iterable[tuple[timedelta | int, str | Decimal]]
    ) -> int:
        """Schedule ``symbol``'s mark price on the exchange clock: each ``(when, price)``
        step (``when``: a ``timedelta`` from now, or epoch ms) applies, as
        :meth:`set_price`, once the exchange clock reaches it. How many are pending."""

        def schedule(state: SimState) -> int:
            now = state.now_ms()
            timed = [
                (now + round(w.total_seconds() * 1000) if isinstance(w, timedelta) else w, p)
                for w, p in steps
            ]
            return state.script_prices(symbol, timed)

        return self._apply("script_prices", schedule, defaults.FACADE_TIMEOUT)

    def deposit(
        self,
        account: Account | str,
        asset: str,
        amount: str | Decimal,
        *,
        product: str = "swap",
    ) -> str:
        """Credit ``amount`` of ``asset`` to the ``product`` wallet (``"swap"``,
        ``"spot"``, ``"coinm"``; ``ACCOUNT_UPDATE`` reason ``DEPOSIT``); returns the new
        wallet balance (spot: the free balance)."""
        api_key = _key_of(account)
        return self._apply(
            "deposit", lambda s: s.deposit(api_key, asset, amount, product), defaults.FACADE_TIMEOUT
        )

    def withdraw(
        self,
        account: Account | str,
        asset: str,
        amount: str | Decimal,
        *,
        product: str = "swap",
    ) -> str:
        """Debit ``amount`` (refused above the available margin); the new balance."""
        api_key = _key_of(account)
        return self._apply(
            "withdraw",
            lambda s: s.withdraw(api_key, asset, amount, product),
            defaults.FACADE_TIMEOUT,
        )

    def place_order(
        self, account: Account | str, *, product: str = "swap", **params: str | int | bool
    ) -> Any:
        """Place an order as the ``product``'s place-order endpoint would (``"swap"``:
        ``POST /openApi/swap/v2/trade/order``; ``"spot"``: ``/openApi/spot/v1/trade/order``;
        ``"coinm"``: ``/openApi/cswap/v1/trade/order``), with BingX's parameter names
        (``symbol=``, ``side=``, ``type=``, ``quantity=``, ``price=``,
        ``quoteOrderQty=``, ...): the same checks, answer and events. Raises
        :class:`~bingx_sim.ledger.Refused` with the exchange's error."""
        api_key = _key_of(account)
        text = {k: _param_text(v) for k, v in params.items()}
        return self._apply(
            "place_order", lambda s: s.place_order(api_key, text, product), defaults.FACADE_TIMEOUT
        )

    def fill(
        self,
        account: Account | str,
        order_id: int,
        qty: str | Decimal,
        price: str | Decimal | None = None,
    ) -> dict[str, Any]:
        """Force a (partial) maker fill of a resting limit order of any product, at its
        price unless ``price`` is given; the order as its product's query-order endpoint
        shows it after."""
        api_key = _key_of(account)
        return self._apply(
            "fill", lambda s: s.fill(api_key, order_id, qty, price), defaults.FACADE_TIMEOUT
        )

    def funding(
        self, symbol: str, rate: str | Decimal, *, product: str = "swap"
    ) -> list[dict[str, Any]]:
        """Settle funding at ``rate`` on every open position of ``symbol`` (longs pay
        when positive; ``product`` ``"swap"`` or ``"coinm"``); the events pushed."""
        return self._apply(
            "funding", lambda s: s.funding(symbol, rate, product), defaults.FACADE_TIMEOUT
        )

    def liquidate(
        self, account: Account | str, symbol: str, *, product: str = "swap"
    ) -> list[dict[str, Any]]:
        """Liquidate ``account``'s positions in ``symbol`` at the mark price (there is
        no automatic liquidation; ``product`` ``"swap"`` or ``"coinm"``); the
        liquidation orders as REST shows them."""
        api_key = _key_of(account)
        return self._apply(
            "liquidate", lambda s: s.liquidate(api_key, symbol, product), defaults.FACADE_TIMEOUT
        )

    def account_state(self, account: Account | str, *, product: str = "swap") -> dict[str, Any]:
        """The account's ``product`` wallet as REST shows it: ``balance``, ``positions``
        (not on spot), ``openOrders`` (each the ``data`` of its endpoint)."""
        api_key = _key_of(account)
        return self._apply(
            "account_state", lambda s: s.account_view(api_key, product), defaults.FACADE_TIMEOUT
        )

    def push(
        self,
        account: Account | str,
        event: dict[str, Any],
        timeout: float = defaults.FACADE_TIMEOUT,
        *,
        product: str = "swap",
    ) -> int:
        """Queue ``event`` gzipped on every live socket of the account's ``product``
        (``"swap"`` USDT-M, ``"coinm"``, ``"spot"``: separate wallets), in order.

        Returns how many sockets took it (spot sockets only get what they subscribed to).
        Never waits for a client to read: a socket that does not read is dropped once its
        outbox passes ``max_outbox_bytes``.
        """
        api_key = account.api_key if isinstance(account, Account) else account
        ready = prepare((event,), self._require_running().options)  # here, not on the loop
        return self._apply("push", lambda s: s.push_prepared(api_key, ready, product)[0], timeout)

    def push_many(
        self,
        account: Account | str,
        events: Iterable[dict[str, Any]],
        timeout: float = defaults.FACADE_TIMEOUT,
        *,
        product: str = "swap",
    ) -> list[int]:
        """:meth:`push` for each event, in order, in one hop to the simulator's thread:
        for a test that feeds many events, several times the throughput of a ``push``
        per event. Returns how many sockets took each event. Every event is serialised
        before any is sent: one that cannot be (``TypeError``) sends none."""
        api_key = account.api_key if isinstance(account, Account) else account
        ready = prepare(events, self._require_running().options)  # here, not on the loop
        return self._apply("push_many", lambda s: s.push_prepared(api_key, ready, product), timeout)

    def settle(self, timeout: float = defaults.FACADE_TIMEOUT) -> list[str]:
        """Expire what is due on the exchange clock now; return once the
        ``listenKeyExpired`` frames are queued on their sockets, in order before anything
        sent later. Returns the keys it expired."""
        return self._apply("settle", SimState.settle, timeout)

    def advance(
        self, delta: timedelta | float, timeout: float = defaults.FACADE_TIMEOUT
    ) -> list[str]:
        """Move the simulator's own clock forward (seconds or a timedelta), then settle.

        Nothing is patched: client code that reads the wall clock does not see this move.
        """
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        delta_ms = round(seconds * 1000)
        return self._apply("advance", lambda s: s.advance(delta_ms), timeout)

    def reset(self, timeout: float = defaults.FACADE_TIMEOUT) -> list[str]:
        """Back to empty: sockets closed; keys, accounts, journal, faults, expected errors
        and clock offset gone. Returns what :meth:`unexpected_errors` said just before, so
        a per-test fixture checks and resets in one round trip."""
        return self._apply("reset", SimState.reset, timeout)

    def reset_and_add_account(
        self, timeout: float = defaults.FACADE_TIMEOUT
    ) -> tuple[list[str], Account]:
        """:meth:`reset`, then :meth:`add_account`, in one round trip to the simulator's
        thread: what a per-test fixture does between two tests that each take an
        account."""

        def reset_then_add(state: SimState) -> tuple[list[str], Account]:
            return state.reset(), state.add_account()

        return self._apply("reset_and_add_account", reset_then_add, timeout)

    def close_sockets(
        self, account: Account | str | None = None, *, code: int = 1001, reason: str = ""
    ) -> int:
        """Close account sockets (all, or one account's) from the server side, as the
        exchange does when it "releases new features". Returns how many were closed."""
        api_key = account.api_key if isinstance(account, Account) else account
        return self._apply(
            "close_sockets",
            lambda s: s.close_sockets(api_key, code, reason),
            defaults.FACADE_TIMEOUT,
        )

    def expect_errors(self, *patterns: str) -> None:
        """Declare client mistakes this test provokes on purpose (regexes searched in
        each violation's text); with no pattern, any. Cleared by :meth:`reset`."""
        self._apply("expect_errors", lambda s: s.expect_errors(patterns), defaults.FACADE_TIMEOUT)

    def unexpected_errors(self) -> list[str]:
        """Client mistakes the simulator had to reject that no ``expect_errors`` covers:
        what a strict fixture fails the test with."""
        return self._apply("unexpected_errors", SimState.unexpected_errors, defaults.FACADE_TIMEOUT)

    def mistakes(self) -> list[Mistake]:
        """:meth:`unexpected_errors` as records: each with its ``kind``, the exchange's
        ``code`` (for a REST call), the ``reason`` and when (``at_ms``)."""
        return self._apply("mistakes", SimState.mistakes, defaults.FACADE_TIMEOUT)

    def accounts(self) -> tuple[Account, ...]:
        """Every account the exchange knows (seed accounts and the test's)."""
        found = self._apply("accounts", SimState.accounts, defaults.FACADE_TIMEOUT)
        return tuple(account for account, _seed in found)

    @property
    def options(self) -> ContractOptions:
        """The contract options in force (a cheap look, no hop)."""
        return self._require_running().options

    def set_options(self, **changes: Any) -> ContractOptions:
        """Change contract options while running (``sim.set_options(success_body="json")``
        or ``profile="bingx-python"``), validated as ``Simulator(...)`` validates them:
        ``ValueError`` naming the option, and nothing changed. :meth:`reset` restores the
        options the simulator started with. Returns the options now in force."""
        return self._apply("set_options", lambda s: s.set_options(changes), defaults.FACADE_TIMEOUT)

    def listen_keys(self) -> tuple[ListenKey, ...]:
        """Every key the exchange holds, with owner, state and expiry, after a sweep."""
        return self._apply("listen_keys", SimState.listen_keys, defaults.FACADE_TIMEOUT)

    @property
    def pristine(self) -> bool:
        """True when nothing has happened since the last :meth:`reset` (or the start): no
        request, socket, key, account, clock move, fault, stub or declared error. A cheap
        look from any thread, with no round trip: fixtures reset only when it is False."""
        return self._require_running().pristine

    def now_ms(self) -> int:
        """The exchange clock: the wall clock as the test sees it, plus :meth:`advance`."""
        return self._require_running().now_ms()

    @property
    def journal(self) -> JournalSnapshot:
        """An immutable snapshot of REST calls and websocket frames, both ways."""
        return self._require_running().journal.snapshot()

    # the lab: faults, key accidents, stubs, incidents -------------------------------

    def fail_next(
        self,
        method: str = "*",
        *,
        status: int = 503,
        code: int | None = None,
        msg: str = "",
        body: str = "",
        times: int = 1,
    ) -> FaultHandle:
        """Shortcut for ``inject(RestError(...))``: the next ``times`` listen-key calls of
        ``method`` answer ``status`` with the exchange's JSON error when ``code`` is
        given, else ``body``."""
        return self.inject(
            RestError(method=method, status=status, code=code, msg=msg, body=body, times=times)
        )

    def inject(self, fault: FaultSpec) -> FaultHandle:
        """Add a fault (:mod:`bingx_sim.lab.faults`); its handle counts hits and clears it."""
        active = self._apply("inject", lambda s: s.inject(fault), defaults.FACADE_TIMEOUT)
        return FaultHandle(
            self,
            active.id,
            fault,
        )

    def stub(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        status: int = 200,
        body: str | None = None,
        headers: dict[str, str] | None = None,
        times: int | None = None,
        signed: bool = False,
        query: Mapping[str, str] | None = None,
        api_key: Account | str | None = None,
        body_params: Mapping[str, Any] | None = None,
        sequence: Iterable[Reply | Mapping[str, Any]] = (),
        answer: Callable[[StubRequest], Any] | None = None,
        name: str | None = None,
    ) -> StubHandle:
        """Answer another endpoint (markets, balance, ...) with ``json`` or ``body``.
        ``signed``: the call must be signed as the exchange requires; ``times`` set: a
        strict test fails if it is never called.

        Only calls that match answer: ``query`` (these query parameters with these
        values; ``timestamp`` and the like ignored), ``api_key`` (this account's calls
        only: each account its own answer), ``body_params`` (these fields of a form or
        JSON body). ``sequence``: replies in order, one per call (``Reply(...)`` or
        ``{"json": .., "status": ..}``), then the stub is spent. ``answer``: a callable of
        the :class:`~bingx_sim.lab.stubs.StubRequest` returning a ``Reply`` or a JSON
        value, run on the simulator's thread (quick, and never calling the simulator).
        ``name`` labels it in the journal and in strict failures."""
        made = Stub(
            method=method,
            path=path,
            json=json,
            status=status,
            body=body,
            headers=dict(headers or {}),
            times=times,
            signed=signed,
            query=query,
            api_key=_key_of(api_key) if api_key is not None else None,
            body_params=body_params,
            sequence=tuple(
                r if isinstance(r, Reply) else reply_from_json(dict(r)) for r in sequence
            ),
            answer=answer,
            name=name,
        )
        active = self._apply("stub", lambda s: s.add_stub(made), defaults.FACADE_TIMEOUT)
        return StubHandle(
            self,
            active.id,
            made,
        )

    def active_faults(self) -> tuple[FaultHandle, ...]:
        """The faults still active, in injection order."""
        views = self._apply("active_faults", SimState.active_faults, defaults.FACADE_TIMEOUT)
        return tuple(
            FaultHandle(
                self,
                a.id,
                a.spec,
            )
            for a in views
        )

    def clear_faults(self) -> int:
        """Clear every fault (hung calls are closed unanswered); how many were active."""
        return self._apply("clear_faults", SimState.clear_faults, defaults.FACADE_TIMEOUT)

    def expire(self, key: str) -> bool:
        """The key dies now, as on a natural expiry (``listenKeyExpired``, close)."""
        return self._apply("expire", lambda s: s.expire_key(key), defaults.FACADE_TIMEOUT)

    def forget(self, key: str) -> bool:
        """The exchange loses the key silently: PUT answers 404, nothing is pushed."""
        return self._apply("forget", lambda s: s.forget_key(key), defaults.FACADE_TIMEOUT)

    def fault_hits(self, fault_id: int) -> int:
        """How often fault ``fault_id`` has fired (what ``FaultHandle.hits`` reads)."""
        return self._apply("fault_hits", lambda s: s.fault_hits(fault_id), defaults.FACADE_TIMEOUT)

    def clear_fault(self, fault_id: int) -> bool:
        """Clear one fault (hung calls are closed unanswered); False if not active."""
        return self._apply(
            "clear_fault", lambda s: s.clear_fault(fault_id), defaults.FACADE_TIMEOUT
        )

    def stub_hits(self, stub_id: int) -> int:
        """How often stub ``stub_id`` answered (what ``StubHandle.hits`` reads)."""
        return self._apply("stub_hits", lambda s: s.stub_hits(stub_id), defaults.FACADE_TIMEOUT)

    def clear_stub(self, stub_id: int) -> bool:
        """Stop answering with one stub; False if it was not active."""
        return self._apply("clear_stub", lambda s: s.clear_stub(stub_id), defaults.FACADE_TIMEOUT)

    def clear_stubs(self) -> int:
        """Stop answering with every stub; how many were active."""
        return self._apply("clear_stubs", SimState.clear_stubs, defaults.FACADE_TIMEOUT)

    def trigger(self, incident: str | Incident, account: Account | str) -> None:
        """Run an incident of the catalogue (:data:`~bingx_sim.incidents.INCIDENTS`, by
        name or itself) against ``account``, as one operation."""
        chosen = INCIDENTS[incident] if isinstance(incident, str) else incident
        api_key = account if isinstance(account, str) else account.api_key
        self._apply(
            f"incident {chosen.name}",
            lambda s: chosen.apply(s, api_key),
            2 * defaults.FACADE_TIMEOUT,
        )
