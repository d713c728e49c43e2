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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def production_guard(rest_url: str, stream_url: str) -> Iterator[None]:
    """Point the client's defaults at the simulator and block BingX's hosts, for the
    duration; nested and concurrent uses share one patch."""
    global _depth, _original
    saved = {k: os.environ.get(k) for k in ("BINGX_BASE_URL", "BINGX_STREAM_URL")}
    os.environ["BINGX_BASE_URL"], os.environ["BINGX_STREAM_URL"] = rest_url, stream_url
    with _lock:
        if _depth == 0:
            _original = socket.getaddrinfo
            socket.getaddrinfo = _guarded_getaddrinfo
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _original is not None:
                socket.getaddrinfo = _original
                _original = None
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
