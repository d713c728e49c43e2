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
    "TARGET_NAMES",
    "WATCH_INTERVAL",
]

TARGET_NAMES: Final = ("sim", "vst", "live")
"""What ``--bingx-target`` takes; here, not in ``targets``, so that pytest's start-up
checks the option without importing the exchange (13 ms, ``python -m bench``)."""

KEY_TTL: Final = timedelta(minutes=60)
"""A listen key's lifetime on the exchange clock, from its last POST or PUT."""
PING_INTERVAL: Final = 5.0
"""Real seconds between the heartbeat Pings of every account socket."""
PONG_TIMEOUT: Final = 30.5
"""Real seconds without a Pong before a socket is dropped: six unanswered Pings at the
5 s cadence, then the drop, as a 2026-09 probe of BingX's swap socket saw."""
WATCH_INTERVAL: Final = 0.05
"""Real seconds between expiry sweeps, so a bare freezegun ``tick()`` is noticed."""
MAX_OUTBOX_BYTES: Final = 4 * 1024 * 1024
"""Bytes a socket may have queued and unwritten before it is dropped as a slow consumer."""
CLOSE_GRACE: Final = 0.5
"""Real seconds ``stop()`` lets clients answer the close handshake before dropping them
(a client whose socket buffers are already full of unread data is dropped at once)."""
FACADE_TIMEOUT: Final = 5.0
"""Real seconds a ``Simulator`` method waits for the simulator's loop to apply it."""

# Bounds on what a client, or a control-API caller, can make the simulator hold
# (docs/contract.md, "malformed input and limits").
MAX_EPOCH_MS: Final = 253_402_300_799_999
"""The exchange clock stops at 9999-12-31T23:59:59.999Z, the last time a timestamp shows."""
MAX_REST_BODY: Final = 1024 * 1024
"""Bytes of a REST body, as sent and once un-gzipped; larger is a plain 413."""
MAX_CLIENT_MESSAGE: Final = 1024 * 1024
"""Bytes of one client websocket message, raw and once un-gzipped; larger is closed 1009."""
JOURNAL_TEXT_LIMIT: Final = 64 * 1024
"""Characters of one body or frame kept in the journal; the true size is recorded."""
JOURNAL_MAX_BYTES: Final = 64 * 1024 * 1024
"""Approximate bytes the journal holds before it forgets its oldest entries."""
JOURNAL_MAX_ENTRIES: Final = 100_000
"""Entries the journal holds before it forgets its oldest ones."""
CONTROL_MAX_BODY: Final = 64 * 1024
"""Bytes of a control-API request body."""
CONTROL_MAX_DEPTH: Final = 16
"""Nesting of arrays and objects in a control-API request body."""
