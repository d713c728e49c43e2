"""While a test uses the simulator, it cannot reach the real exchange by accident.

Two layers (``docs/design.md``): the client's defaults point at the simulator through the
environment variables it honours (``BINGX_BASE_URL``, ``BINGX_STREAM_URL``), and any
name lookup of a BingX host from the test process fails at once with an error that
names the host and the opt-out, ``@pytest.mark.bingx_sim(allow_real_hosts=True)``.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["RealHostBlocked", "is_bingx_host", "production_guard"]

_BINGX_DOMAINS = ("bingx.com", "bingx.pro", "bingx.io")
_lock = threading.Lock()
_depth = 0
_original: Callable[..., Any] | None = None


class RealHostBlocked(OSError):
    """A test using the simulator tried to reach the real exchange."""


def is_bingx_host(host: object) -> bool:
    name = host.decode() if isinstance(host, bytes) else str(host or "")
    name = name.lower().rstrip(".")
    return any(name == d or name.endswith("." + d) for d in _BINGX_DOMAINS)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if is_bingx_host(host):
        raise RealHostBlocked(
            f"bingx-sim: this test uses the simulator but tried to reach the real exchange "
            f"({host}); point the client at the simulator (its rest_url / ws_url), or mark "
            "the test @pytest.mark.bingx_sim(allow_real_hosts=True)"
        )
    assert _original is not None
    return _original(host, *args, **kwargs)


_ENV = ("BINGX_BASE_URL", "BINGX_STREAM_URL")


class production_guard:
    """Point the client's defaults at the simulator and block BingX's hosts, for the
    duration of a ``with``; nested and concurrent uses share one patch. A class rather
    than a generator: it is entered once per test, and this is the cheaper form."""

    __slots__ = ("_saved", "_urls")

    def __init__(self, rest_url: str, stream_url: str) -> None:
        self._urls = (rest_url, stream_url)
        self._saved: tuple[str | None, ...] = ()

    def __enter__(self) -> None:
        global _depth, _original
        environ = os.environ
        self._saved = tuple(environ.get(k) for k in _ENV)
        for key, value, saved in zip(_ENV, self._urls, self._saved, strict=True):
            if saved != value:
                environ[key] = value
        with _lock:
            if _depth == 0:
                _original = socket.getaddrinfo
                socket.getaddrinfo = _guarded_getaddrinfo
            _depth += 1

    def __exit__(self, *exc_info: object) -> None:
        global _depth, _original
        with _lock:
            _depth -= 1
            if _depth == 0 and _original is not None:
                socket.getaddrinfo = _original
                _original = None
        environ = os.environ
        for key, value, saved in zip(_ENV, self._urls, self._saved, strict=True):
            if saved is None:
                environ.pop(key, None)
            elif saved != value:
                environ[key] = saved
