"""Serving an app on a host and port, and stopping it: the one start-up and shutdown path
of both the in-process :class:`~bingx_sim.Simulator` and the ``bingx-sim serve`` sandbox."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

__all__ = ["AppServer"]

ACCESS_FORMAT = '%a "%r" %s %b %Tfs'


class _ProtocolLog(logging.Logger):
    """aiohttp's HTTP-layer logger for one server. A request aiohttp refuses before any
    handler runs (an unsupported ``Content-Encoding``, a malformed request line or header)
    is the client's mistake, already answered with a 4xx: it is reported to
    ``on_refused`` and logged as one line, not as an ERROR with our traceback."""

    def __init__(self, on_refused: Callable[[int, str], None] | None) -> None:
        super().__init__("bingx_sim.http")
        self.parent = logging.getLogger("bingx_sim.http")
        self._on_refused = on_refused

    def _refused(self, error: object) -> bool:
        status = getattr(error, "code", 500)
        if not (isinstance(error, HttpProcessingError) and 400 <= status < 500):
            return False
        why = " ".join(str(error.message or type(error).__name__).split())
        self.info("refused a malformed request with %s: %s", status, why)
        if self._on_refused is not None:
            self._on_refused(status, why)
        return True

    def exception(self, msg: object, *args: object, **kwargs: Any) -> None:
        if not self._refused(kwargs.get("exc_info")):
            super().exception(msg, *args, **kwargs)

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        # aiohttp logs a bad method on a connection's first request at debug level.
        if not self._refused(kwargs.get("exc_info")):
            super().debug(msg, *args, **kwargs)


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on the first address ``host`` resolves to: IPv4 or IPv6
    (``::1``, ``[::1]``), or a name. ``OSError`` when it cannot be bound."""
    host = host.removeprefix("[").removesuffix("]")
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (UnicodeError, ValueError) as error:  # a name IDNA cannot encode, a NUL byte
        raise OSError(f"{host!r} is not a host name or address: {error}") from None
    return socket.create_server(address[:2], family=family)


class AppServer:
    """One aiohttp app bound to ``host:port`` (0: any free port). Call :meth:`start` and
    :meth:`close` on the loop that serves it; :meth:`close` is idempotent.
    ``on_refused`` hears of each request aiohttp refused before the app saw it."""

    def __init__(
        self,
        app: web.Application,
        host: str,
        port: int,
        *,
        access_log: logging.Logger | None = None,
        shutdown_timeout: float = 1.0,
        on_refused: Callable[[int, str], None] | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=access_log,
            access_log_format=ACCESS_FORMAT,
            shutdown_timeout=shutdown_timeout,
            logger=_ProtocolLog(on_refused),
        )
        self._listener: socket.socket | None = None
        self._closed = False

    async def start(self) -> None:
        """Bind and accept; ``OSError`` (port in use, bad host) leaves nothing running."""
        await self._runner.setup()
        try:
            self._listener = _listen(self.host, self.port)
            await web.SockSite(self._runner, self._listener).start()
        except BaseException:
            await self.close()
            raise
        self.host, self.port = self._listener.getsockname()[:2]

    async def close(self) -> None:
        """Close every socket (clients get ``close_grace`` to answer), stop serving."""
        if self._closed:
            return
        self._closed = True
        await self._runner.cleanup()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
