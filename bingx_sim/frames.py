"""Wire encoding of account-stream frames.

Every server frame is a binary frame holding a gzip stream. ``zlib`` with ``wbits=31``
writes the gzip header without reading the clock (``gzip.compress`` stamps an mtime,
which is slower under freezegun and makes bytes depend on time; ``docs/design.md``).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

__all__ = ["decode", "dumps", "encode"]


def dumps(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"))


def encode(text: str) -> bytes:
    """gzip-compress one frame's UTF-8 text."""
    return zlib.compress(text.encode(), 6, wbits=31)


def decode(data: bytes) -> str:
    """Un-gzip one frame; the inverse of :func:`encode`, for tests and the journal."""
    return zlib.decompress(data, wbits=31).decode()


PING = encode("Ping")
