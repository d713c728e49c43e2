"""The running simulator's state on its loop: exchange, clocks, sockets, journal.

Everything here runs on the simulator's own event loop thread. The expiry sweep lives
here because REST handlers, websocket handlers, the watcher and ``settle()`` all run it:
whichever observes the world first makes it consistent for the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import events, frames
from .clock import ExchangeClock, OffsetClock, WallClock, real_monotonic
from .exchange import Account, Exchange, ListenKey, seeded_factories
from .faults import FaultPlan
from .journal import Journal
from .options import ContractOptions
from .sockets import Connection, Registry

__all__ = ["STATE", "SimConfig", "SimState"]

# Which spot subscription an event needs; swap and coin-M sockets take every swap event.
_SPOT_TOPIC = {"executionReport": "spot.executionReport", "ACCOUNT_UPDATE": "ACCOUNT_UPDATE"}
_SPOT_ONLY = frozenset({"executionReport"})
_ALWAYS = frozenset({"listenKeyExpired"})


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Transport timings (real seconds) and the contract knobs."""

    ttl_ms: int = 60 * 60 * 1000
    ping_interval: float = 5.0
    pong_timeout: float = 15.0
    watch_interval: float | None = 0.05
    options: ContractOptions = field(default_factory=ContractOptions)
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.ping_interval <= 0 or self.pong_timeout <= 0:
            raise ValueError("ping_interval and pong_timeout must be positive seconds")
        if self.watch_interval is not None and self.watch_interval <= 0:
            raise ValueError("watch_interval must be positive seconds, or None for off")


class SimState:
    """The exchange plus its open sockets, owned by one event loop."""

    def __init__(self, config: SimConfig, wall: ExchangeClock | None = None) -> None:
        self.config = config
        self.options = config.options
        self.wall: ExchangeClock = wall if wall is not None else WallClock()
        self.clock = OffsetClock(self.wall)
        key_factory, credential_factory = seeded_factories(config.seed)
        self.exchange = Exchange(
            ttl_ms=config.ttl_ms,
            post_existing=self.options.post_existing,
            rate_limit_per_second=self.options.rate_limit_per_second,
            key_factory=key_factory,
            credential_factory=credential_factory,
        )
        self.faults = FaultPlan()
        self.expected_errors: list[re.Pattern[str]] | None = []
        self.sockets = Registry()
        self.journal = Journal()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sweeping = asyncio.Lock()

    def now_ms(self) -> int:
        """The exchange clock: the wall clock as the test sees it, plus our own offset."""
        return self.clock.now_ms()

    @staticmethod
    def real_ms() -> int:
        return int(real_monotonic() * 1000)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """A background task that shutdown will find and cancel."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # expiry -----------------------------------------------------------------------

    async def sweep(self) -> list[ListenKey]:
        """Expire what is due now; its sockets get ``listenKeyExpired`` before we return."""
        async with self._sweeping:
            expired = self.exchange.expire_due(self.now_ms())
            for key in expired:
                for conn in self.sockets.by_key(key.key):
                    frame = events.listen_key_expired(key.key, event_time=self.now_ms())
                    await conn.send_text(frames.dumps(frame))
                    conn.silenced = True
                    if self.options.on_expiry == "close":
                        self.spawn(conn.close(1000, "listenKeyExpired"))
            return expired

    async def watch(self, interval: float) -> None:
        """Notice a bare ``frozen.tick()`` within ``interval`` real seconds."""
        while True:
            await asyncio.sleep(interval)
            await self.sweep()

    async def drop_key_sockets(self, listen_key: str, reason: str) -> None:
        for conn in self.sockets.by_key(listen_key):
            conn.silenced = True
            if self.options.on_delete == "close":
                self.spawn(conn.close(1000, reason))

    # events -----------------------------------------------------------------------

    def _accepts(self, conn: Connection, event: dict[str, Any]) -> str | None:
        """The frame text this socket should get for ``event``, or None to skip it."""
        if conn.closed or conn.silenced:
            return None
        kind = str(event.get("e", ""))
        if conn.stream != "spot":
            return None if kind in _SPOT_ONLY else frames.dumps(event)
        if kind in _ALWAYS:
            return frames.dumps(event)
        topic = _SPOT_TOPIC.get(kind)
        if topic is None or topic not in conn.subscriptions:
            return None
        if topic == "spot.executionReport":
            return frames.dumps({"code": 0, "dataType": topic, "data": event})
        return frames.dumps(event)

    async def push(self, api_key: str, event: dict[str, Any]) -> int:
        """Deliver ``event`` to every live socket of the account; how many got it."""
        await self.sweep()
        delivered = 0
        for conn in self.sockets.by_account(api_key):
            text = self._accepts(conn, event)
            if text is not None and await conn.send_text(text):
                delivered += 1
        return delivered

    # lifecycle --------------------------------------------------------------------

    def add_account(self, api_key: str | None, api_secret: str | None) -> Account:
        return self.exchange.add_account(api_key, api_secret)

    async def close_all(self, code: int, reason: str) -> None:
        conns = list(self.sockets)
        for conn in conns:
            for task in conn.tasks:
                task.cancel()
        await asyncio.gather(*(c.close(code, reason) for c in conns), return_exceptions=True)

    def unexpected_violations(self) -> list[str]:
        """Client mistakes the test did not declare with ``expect_errors``."""
        expected = self.expected_errors
        if expected is None:  # expect_errors() with no pattern: anything goes
            return []
        found = [f"{entry}: {entry.violation}" for entry in self.journal.snapshot().violations]
        return [v for v in found if not any(p.search(v) for p in expected)]

    async def reset(self) -> list[str]:
        """Back to empty; returns the unexpected client mistakes it wiped."""
        problems = self.unexpected_violations()
        await self.close_all(1001, "simulator reset")
        self.exchange.clear()
        self.clock.reset()
        self.journal.clear()
        self.faults.clear()
        self.expected_errors = []
        return problems

    async def shutdown(self) -> None:
        """Cancel background tasks; the app's on_shutdown has already closed the sockets."""
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)


STATE: web.AppKey[SimState] = web.AppKey("bingx_sim_state", SimState)
