"""Bare servers the simulator is measured against: aiohttp with nothing of ours, on a
thread of its own, port 0. What each does is the least the same job needs."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import json
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from aiohttp import web

__all__ = ["BareServer"]


class BareServer:
    """An aiohttp app on its own loop thread: a listen-key PUT that verifies the HMAC
    like the exchange (``/openApi/user/auth/userDataStream``), and a websocket
    (``/ws``) the bench can push gzip frames to from its own thread."""

    def __init__(self, api_key: str, api_secret: str) -> None:
        self.api_key, self.api_secret = api_key, api_secret
        self.sockets: list[web.WebSocketResponse] = []
        self._connected = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="bench-bare", daemon=True)
        self.port = 0

    # the handlers ------------------------------------------------------------------

    async def _put(self, request: web.Request) -> web.Response:
        query = request.rel_url.raw_query_string
        signed, _, signature = query.rpartition("&signature=")
        if request.headers.get("X-BX-APIKEY") != self.api_key:
            return web.json_response({"code": 100001, "msg": "bad key"})
        digest = hmac.new(self.api_secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(digest, signature):
            return web.json_response({"code": 100001, "msg": "bad signature"})
        return web.Response(status=200, body=b"")

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, autoping=False)
        await ws.prepare(request)
        with self._connected:
            self.sockets.append(ws)
            self._connected.notify_all()
        async for _ in ws:
            pass
        return ws

    # the thread --------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_put("/openApi/user/auth/userDataStream", self._put)
        app.router.add_get("/ws", self._ws)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        for ws in self.sockets:
            await ws.close()
        await runner.cleanup()

    def __enter__(self) -> Self:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(10)

    # from the bench's thread -------------------------------------------------------

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def wait_sockets(self, count: int, timeout: float = 10) -> None:
        with self._connected:
            if not self._connected.wait_for(lambda: len(self.sockets) >= count, timeout):
                raise TimeoutError(f"{len(self.sockets)} of {count} sockets connected")

    def call(self, make: Callable[[], Awaitable[Any]], timeout: float = 10) -> Any:
        """Run a coroutine on the server's loop and wait for it: a cross-thread round trip."""

        async def run() -> Any:
            return await make()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    def push(self, event: dict[str, Any]) -> None:
        """One event, JSON-encoded and gzipped, to every socket: one round trip."""
        data = gzip.compress(json.dumps(event, separators=(",", ":")).encode())

        async def send() -> None:
            for ws in self.sockets:
                await ws.send_bytes(data)

        self.call(send)

    def push_many(self, events: list[dict[str, Any]]) -> None:
        """Every event, each encoded once, to every socket, in one round trip."""

        async def send() -> None:
            for event in events:
                data = gzip.compress(json.dumps(event, separators=(",", ":")).encode())
                for ws in self.sockets:
                    await ws.send_bytes(data)

        self.call(send)
