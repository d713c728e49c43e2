"""``Simulator``: the fake exchange on a background thread, with a thread-safe facade.

The simulator's state is only ever touched on its own loop. Every facade method runs a
coroutine there and waits for it with a real-time deadline, so it is safe inside a
freeze, and refuses with a clear error (instead of deadlocking) when called from the
loop thread itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
from collections.abc import Callable, Coroutine
from datetime import timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from .app import create_app, make_config
from .clock import ExchangeClock, RealTimeLoop
from .exchange import Account, ListenKey
from .faults import Fault
from .journal import JournalSnapshot
from .state import STATE, SimState

__all__ = ["Simulator"]

T = TypeVar("T")


class Simulator:
    """A BingX listen-key and account-stream exchange, in process, on port 0.

    ``ping_interval``, ``pong_timeout`` and ``watch_interval`` are real seconds; the key
    lifetime runs on the exchange clock (the wall clock as freezegun or time-machine
    present it, plus :meth:`advance`). Any other keyword is a contract option
    (:class:`~bingx_sim.options.ContractOptions`).
    """

    def __init__(
        self,
        *,
        key_ttl: timedelta = timedelta(minutes=60),
        ping_interval: float = 5.0,
        pong_timeout: float = 15.0,
        watch_interval: float | None = 0.05,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: ExchangeClock | None = None,
        **contract_options: Any,
    ) -> None:
        self.config = make_config(
            key_ttl=key_ttl,
            ping_interval=ping_interval,
            pong_timeout=pong_timeout,
            watch_interval=watch_interval,
            **contract_options,
        )
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
        app = create_app(self.config, wall=self._clock)
        self._state = app[STATE]
        self._stop_requested = asyncio.Event()
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        listener = socket.create_server((self._host, self._port))
        try:
            await web.SockSite(runner, listener).start()
            self._port = listener.getsockname()[1]
            ready.set()
            await self._stop_requested.wait()
        finally:
            await runner.cleanup()
            listener.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Close every socket, stop the loop and join its thread. Idempotent."""
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
    def rest_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """USDT-M account stream base: connect to ``f"{ws_url}?listenKey={key}"``."""
        return f"ws://{self._host}:{self.port}/swap-market"

    @property
    def spot_ws_url(self) -> str:
        return f"ws://{self._host}:{self.port}/market"

    @property
    def coinm_ws_url(self) -> str:
        return f"ws://{self._host}:{self.port}/cswap-market"

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

    def _call(
        self,
        name: str,
        work: Callable[[SimState], Coroutine[Any, Any, T]],
        timeout: float,
    ) -> T:
        self._guard(name)
        state = self._require_running()
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(work(state), self._loop)
        try:
            # Future.result waits on a C lock: real time, even inside a freeze.
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise TimeoutError(f"Simulator.{name}() did not finish within {timeout} s") from None

    def add_account(self, api_key: str | None = None, api_secret: str | None = None) -> Account:
        """Register an API key pair (generated when not given) and return it."""

        async def work(state: SimState) -> Account:
            return state.add_account(api_key, api_secret)

        return self._call("add_account", work, 5.0)

    def push(self, account: Account | str, event: dict[str, Any], timeout: float = 5.0) -> int:
        """Send ``event`` gzipped to every live socket of the account, in order.

        Returns how many sockets got it (spot sockets only get what they subscribed to).
        """
        api_key = account.api_key if isinstance(account, Account) else account

        async def work(state: SimState) -> int:
            return await state.push(api_key, event)

        return self._call("push", work, timeout)

    def settle(self, timeout: float = 5.0) -> list[str]:
        """Expire what is due on the exchange clock now; return once the
        ``listenKeyExpired`` frames are written. Returns the keys it expired."""

        async def work(state: SimState) -> list[str]:
            return [k.key for k in await state.sweep()]

        return self._call("settle", work, timeout)

    def advance(self, delta: timedelta | float, timeout: float = 5.0) -> list[str]:
        """Move the simulator's own clock forward (seconds or a timedelta), then settle.

        Nothing is patched: client code that reads the wall clock does not see this move.
        """
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)

        async def work(state: SimState) -> list[str]:
            state.clock.advance(round(seconds * 1000))
            return [k.key for k in await state.sweep()]

        return self._call("advance", work, timeout)

    def reset(self, timeout: float = 5.0) -> list[str]:
        """Back to empty: sockets closed; keys, accounts, journal, faults, expected errors
        and clock offset gone. Returns what :meth:`unexpected_errors` said just before, so
        a per-test fixture checks and resets in one round trip."""

        async def work(state: SimState) -> list[str]:
            return await state.reset()

        return self._call("reset", work, timeout)

    def close_sockets(
        self, account: Account | str | None = None, *, code: int = 1001, reason: str = ""
    ) -> int:
        """Close account sockets (all, or one account's) from the server side, as the
        exchange does when it "releases new features". Returns how many were closed."""
        api_key = account.api_key if isinstance(account, Account) else account

        async def work(state: SimState) -> int:
            conns = [c for c in state.sockets if api_key is None or c.api_key == api_key]
            await asyncio.gather(*(c.close(code, reason) for c in conns))
            return len(conns)

        return self._call("close_sockets", work, 5.0)

    def fail_next(
        self,
        method: str = "*",
        *,
        status: int = 503,
        code: int | None = None,
        msg: str = "",
        body: str = "",
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` listen-key calls of ``method`` with an injected error:
        ``status`` with the exchange's JSON error when ``code`` is given, else ``body``."""
        fault = Fault(method.upper(), status, code, msg, body, times)

        async def work(state: SimState) -> None:
            state.faults.add(fault)

        self._call("fail_next", work, 5.0)

    def expect_errors(self, *patterns: str) -> None:
        """Declare client mistakes this test provokes on purpose (regexes searched in
        each violation's text); with no pattern, any. Cleared by :meth:`reset`."""
        compiled = [re.compile(p) for p in patterns]

        async def work(state: SimState) -> None:
            if not compiled:
                state.expected_errors = None
            elif state.expected_errors is not None:
                state.expected_errors.extend(compiled)

        self._call("expect_errors", work, 5.0)

    def unexpected_errors(self) -> list[str]:
        """Client mistakes the simulator had to reject that no ``expect_errors`` covers:
        what a strict fixture fails the test with."""

        async def work(state: SimState) -> list[str]:
            return state.unexpected_violations()

        return self._call("unexpected_errors", work, 5.0)

    def listen_keys(self) -> tuple[ListenKey, ...]:
        """Every key the exchange holds, with owner, state and expiry, after a sweep."""

        async def work(state: SimState) -> tuple[ListenKey, ...]:
            await state.sweep()
            return state.exchange.listen_keys()

        return self._call("listen_keys", work, 5.0)

    def now_ms(self) -> int:
        """The exchange clock: the wall clock as the test sees it, plus :meth:`advance`."""
        return self._require_running().now_ms()

    @property
    def journal(self) -> JournalSnapshot:
        """An immutable snapshot of REST calls and websocket frames, both ways."""
        return self._require_running().journal.snapshot()
