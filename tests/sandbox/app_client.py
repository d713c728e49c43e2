"""Run an async check against an app served by aiohttp's test server, on its own loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, loop_context

Check = Callable[["TestClient[web.Request, web.Application]"], Awaitable[None]]


def run_check(app: web.Application, check: Check) -> None:
    with loop_context() as loop:
        client: TestClient[web.Request, web.Application] = TestClient(TestServer(app), loop=loop)
        loop.run_until_complete(client.start_server())
        try:
            loop.run_until_complete(check(client))
        finally:
            loop.run_until_complete(client.close())
