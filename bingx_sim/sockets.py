"""One open account socket and the registry of them, keyed by listen key and account.

Lives on the simulator's loop thread only. Sending goes through :class:`Connection` so
every frame is gzipped the same way and journaled in the order it hit the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from aiohttp import web

from . import frames
from .journal import Journal, WsEvent, WsFrame

__all__ = ["Connection", "Registry"]


@dataclass(eq=False)
class Connection:
    """An accepted account websocket: which stream, whose key, what it subscribed to."""

    ws: web.WebSocketResponse
    stream: str  # "swap", "coinm" or "spot"
    listen_key: str
    api_key: str
    remote: str
    journal: Journal
    now_ms: Callable[[], int]
    last_pong: float
    subscriptions: set[str] = field(default_factory=set)
    silenced: bool = False  # key expired or deleted and the socket was left open
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str = ""

    @property
    def closed(self) -> bool:
        return self.ws.closed or self.close_code is not None

    async def send_text(self, text: str, *, gzip: bool = True) -> bool:
        """Write one frame; False if the socket is already gone (never raises for that)."""
        if self.closed:
            return False
        try:
            if gzip:
                await self.ws.send_bytes(frames.encode(text))
            else:
                await self.ws.send_str(text)
        except (ConnectionError, RuntimeError):
            return False
        self.journal.append(WsFrame("out", self.stream, self.listen_key, text, gzip, self.now_ms()))
        return True

    async def close(self, code: int, reason: str, violation: str | None = None) -> None:
        """Close once; the first reason wins and is journaled with its code."""
        if self.close_code is not None:
            return
        self.close_code, self.close_reason = code, reason
        self.journal.append(
            WsEvent("close", self.stream, self.listen_key, self.now_ms(), code, reason, violation)
        )
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close(code=code, message=reason.encode()[:120])


class Registry:
    """Every open account socket, findable by listen key and by account."""

    def __init__(self) -> None:
        # A dict, not a set: insertion order is connection order, so pushes reach an
        # account's sockets in a stable order.
        self._all: dict[Connection, None] = {}

    def add(self, conn: Connection) -> None:
        self._all[conn] = None

    def discard(self, conn: Connection) -> None:
        self._all.pop(conn, None)

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._all))

    def __len__(self) -> int:
        return len(self._all)

    def by_key(self, listen_key: str) -> list[Connection]:
        return [c for c in self._all if c.listen_key == listen_key]

    def by_account(self, api_key: str) -> list[Connection]:
        return [c for c in self._all if c.api_key == api_key]

    def count_from(self, remote: str) -> int:
        return sum(1 for c in self._all if c.remote == remote)
