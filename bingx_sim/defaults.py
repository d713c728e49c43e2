"""The one home of every default timing and size, shared by ``Simulator``, the pytest
plugin, the ``bingx-sim`` command and the docs. Importing it costs nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

__all__ = [
    "CLOSE_GRACE",
    "FACADE_TIMEOUT",
    "KEY_TTL",
    "MAX_OUTBOX_BYTES",
    "PING_INTERVAL",
    "PONG_TIMEOUT",
    "WATCH_INTERVAL",
]

KEY_TTL: Final = timedelta(minutes=60)
"""A listen key's lifetime on the exchange clock, from its last POST or PUT."""
PING_INTERVAL: Final = 5.0
"""Real seconds between the heartbeat Pings of every account socket."""
PONG_TIMEOUT: Final = 15.0
"""Real seconds without a Pong before a socket is dropped (three missed Pings)."""
WATCH_INTERVAL: Final = 0.05
"""Real seconds between expiry sweeps, so a bare freezegun ``tick()`` is noticed."""
MAX_OUTBOX_BYTES: Final = 4 * 1024 * 1024
"""Bytes a socket may have queued and unwritten before it is dropped as a slow consumer."""
CLOSE_GRACE: Final = 0.5
"""Real seconds ``stop()`` lets clients answer the close handshake before dropping them
(a client whose socket buffers are already full of unread data is dropped at once)."""
FACADE_TIMEOUT: Final = 5.0
"""Real seconds a ``Simulator`` method waits for the simulator's loop to apply it."""
