"""The client side of ``bench/scale.py``, run as its own process so that the simulator's
figures are its own: opens one account socket per listen key read from stdin (a JSON
list), answers every Ping, checks event order, and reports on stdout.

Protocol on stdin/stdout, one line each: keys in -> ``connected`` out; ``report`` in ->
a JSON report out (after the expected events arrived, or 60 s), then it closes all.

    python -m bench.scale_clients WS_URL EXPECTED_EVENTS_PER_ORDERED_SOCKET
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
import zlib
from typing import Any

import aiohttp

_CONFIG = frozenset({"SNAPSHOT", "ACCOUNT_CONFIG_UPDATE"})


class _Socket:
    def __init__(self, expected: int, all_in: asyncio.Event, counter: list[int]) -> None:
        self.expected, self.all_in, self.counter = expected, all_in, counter
        self.pings = 0
        self.events = 0
        self.out_of_order = 0
        self.last_seen = -1
        self.closed_by_server: int | None = None


async def _serve(ws: aiohttp.ClientWebSocketResponse, sock: _Socket) -> None:
    async for msg in ws:
        if msg.type is not aiohttp.WSMsgType.BINARY:
            continue
        text = zlib.decompress(msg.data, wbits=31).decode()
        if text == "Ping":
            sock.pings += 1
            await ws.send_str("Pong")
            continue
        event: dict[str, Any] = json.loads(text)
        if event.get("e") in _CONFIG:
            continue  # the per-symbol config frames on connect and every interval
        seq = event.get("E", -1)
        if isinstance(seq, int):
            sock.events += 1
            if sock.events == sock.expected:
                sock.counter[0] -= 1
                if sock.counter[0] == 0:
                    sock.all_in.set()
            if seq <= sock.last_seen:
                sock.out_of_order += 1
            sock.last_seen = seq
    sock.closed_by_server = ws.close_code


async def _main(url: str, expected: int) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE)[1:] * 2)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)  # 5 000 keys are one long line
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    keys: list[str] = json.loads(await reader.readline())
    limit = asyncio.Semaphore(100)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        all_in = asyncio.Event()
        if expected <= 0:  # no events to wait for
            all_in.set()
        waiting = [min(100, len(keys))]  # the ordered sockets still short of `expected`
        sockets = [_Socket(expected if n < 100 else -1, all_in, waiting) for n in range(len(keys))]

        async def open_one(key: str) -> aiohttp.ClientWebSocketResponse:
            async with limit:
                return await session.ws_connect(f"{url}?listenKey={key}", autoping=True)

        conns = await asyncio.gather(*(open_one(k) for k in keys))
        tasks = [asyncio.create_task(_serve(ws, s)) for ws, s in zip(conns, sockets, strict=True)]
        print("connected", flush=True)
        await reader.readline()  # "report"
        ordered = sockets[:100]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_in.wait(), 60)
        report = {
            "sockets": len(sockets),
            "pings": sum(s.pings for s in sockets),
            "min_pings": min(s.pings for s in sockets),
            "events": sum(s.events for s in ordered),
            "out_of_order": sum(s.out_of_order for s in ordered),
            "closed_by_server": sum(s.closed_by_server is not None for s in sockets),
        }
        print(json.dumps(report), flush=True)
        await asyncio.gather(*(ws.close() for ws in conns), return_exceptions=True)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], int(sys.argv[2])))
