"""Wire encoding of account-stream frames.

Every server frame is a binary frame holding a gzip stream. ``zlib`` with ``wbits=31``
writes the gzip header without reading the clock (``gzip.compress`` stamps an mtime,
which is slower under freezegun and makes bytes depend on time; ``docs/design.md``).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

__all__ = ["FrameTooLarge", "dumps", "encode", "inflate"]


class FrameTooLarge(ValueError):
    """A gzip frame that inflates beyond the allowed size (a "gzip bomb")."""


def dumps(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"))


def encode(text: str) -> bytes:
    """gzip-compress one frame's UTF-8 text."""
    return zlib.compress(text.encode(), 6, wbits=31)


def inflate(data: bytes, limit: int) -> str:
    """Un-gzip a *client's* frame, never holding more than ``limit`` bytes of output:
    ``FrameTooLarge`` past it, ``zlib.error``/``UnicodeDecodeError`` when it is not
    gzip of UTF-8. A 254 KiB frame can inflate to 256 MiB; this stops at ``limit``."""
    inflater = zlib.decompressobj(wbits=31)
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise FrameTooLarge(f"inflates to more than {limit} bytes")
    if not inflater.eof:  # a gzip header cut short, or no gzip at all
        raise zlib.error("incomplete gzip stream")
    return out.decode()


PING = encode("Ping")
