"""Reading request parameters the way the exchange's gateway would: strictly and once.

Pure functions, no aiohttp: the REST handlers and the signature check both read
parameters through here, so a duplicated name, a body that is not UTF-8 or a number
with a sign, an underscore or non-ASCII digits is judged the same way everywhere
(``docs/contract.md``, "malformed requests").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

__all__ = ["Params", "ascii_int", "decode_body", "parse_params"]

_DIGITS = re.compile(r"[0-9]{1,19}")  # no sign, no "_", no other scripts' digits


def ascii_int(text: str) -> int | None:
    """A non-negative decimal of ASCII digits (at most 19, so it fits a Java ``long``);
    ``None`` for anything else. Python's ``int()`` would also take ``+1``, ``1_0``,
    `` 1 `` and Arabic-Indic digits, which no exchange gateway accepts."""
    return int(text) if _DIGITS.fullmatch(text) else None


def decode_body(raw: bytes) -> str | None:
    """The body as UTF-8, whatever charset the ``Content-Type`` names (the exchange's
    API is UTF-8 only); ``None`` when it is not valid UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True, slots=True)
class Params:
    """Decoded ``name=value`` pairs of the query and of a form body, merged (the query
    wins over the body, as every real client sends each once), and the first name that
    appears twice within one of them (``None`` when none does)."""

    merged: dict[str, str]
    query: dict[str, str]
    duplicate: str | None


def _pairs(raw: str) -> tuple[dict[str, str], str | None]:
    found: dict[str, str] = {}
    duplicate: str | None = None
    for name, value in parse_qsl(raw, keep_blank_values=True):
        if name in found and duplicate is None:
            duplicate = name
        found.setdefault(name, value)
    return found, duplicate


def parse_params(raw_query: str, raw_body: str) -> Params:
    """Parse both; a parameter sent twice in the query, or twice in the body, is
    reported so the caller can refuse the request (a client bug, never guessed at)."""
    query, query_dup = _pairs(raw_query)
    body, body_dup = _pairs(raw_body)
    return Params(body | query, query, query_dup or body_dup)
