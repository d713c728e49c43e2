"""Reading request parameters the way the exchange's gateway would: strictly and once.

Pure functions, no aiohttp: the REST handlers and the signature check both read
parameters through here, so a duplicated name, a body that is not UTF-8 or a number
with a sign, an underscore or non-ASCII digits is judged the same way everywhere
(``docs/contract.md``, "malformed requests").
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qsl

__all__ = [
    "BodyError",
    "Params",
    "ascii_int",
    "decode_body",
    "inflate_body",
    "parse_params",
    "split_pairs",
]


def ascii_int(text: str) -> int | None:
    """A non-negative decimal of ASCII digits (at most 19, so it fits a Java ``long``);
    ``None`` for anything else. Python's ``int()`` would also take ``+1``, ``1_0``,
    `` 1 `` and Arabic-Indic digits, which no exchange gateway accepts."""
    # isascii() first: then isdigit() is exactly 0-9 (what the pattern [0-9]{1,19} says)
    return int(text) if len(text) <= 19 and text.isascii() and text.isdigit() else None


class BodyError(ValueError):
    """A body the exchange cannot take at the HTTP level; ``status`` says how (400 for
    a body that does not match its ``Content-Encoding``, 413 for one too large once
    inflated, 415 for a coding no one supports)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def inflate_body(raw: bytes, content_encoding: str, limit: int) -> bytes:
    """The body after its ``Content-Encoding`` (``gzip``, ``x-gzip``, ``deflate``,
    ``identity``, or a comma-separated chain of them), never more than ``limit`` bytes.

    aiohttp's own decoding is switched off for the simulator: it can wait forever for a
    truncated body that arrived in two TCP segments, and it cannot bound the output."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):  # the last one applied is undone first
        if coding == "identity":
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise BodyError(415, f"unsupported Content-Encoding {coding!r}")
        wbits = 31 if coding != "deflate" else 15
        try:
            inflater = zlib.decompressobj(wbits=wbits)
            out = inflater.decompress(raw, limit + 1)
            complete = inflater.eof
        except zlib.error as error:
            raise BodyError(400, f"body is not valid {coding} data: {error}") from None
        if len(out) > limit or inflater.unconsumed_tail:
            raise BodyError(413, f"body inflates to more than {limit} bytes")
        if not complete:
            raise BodyError(400, f"body is not valid {coding} data: truncated")
        raw = out
    return raw


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


def split_pairs(raw: str) -> list[tuple[str, str]]:
    """``a=1&b=&c`` as ``[("a", "1"), ("b", ""), ("c", "")]``, decoded as a form is
    (``parse_qsl`` with blank values kept). A string with nothing to decode, which is
    what signed clients send, is split directly: parse_qsl costs a REST call about
    10 µs more."""
    if "%" in raw or "+" in raw:
        return parse_qsl(raw, keep_blank_values=True)
    pairs = []
    for part in raw.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


def _pairs(raw: str) -> tuple[dict[str, str], str | None]:
    found: dict[str, str] = {}
    duplicate: str | None = None
    if not raw:
        return found, duplicate
    for name, value in split_pairs(raw):
        if name in found:
            duplicate = duplicate or name
            continue
        found[name] = value
    return found, duplicate


def _json_object(raw: str) -> dict[str, str] | None:
    """A JSON object body's scalar fields as strings (BingX's JSON endpoints take the
    same parameters in a JSON body); ``None`` when the body is not a JSON object."""
    if not raw.lstrip().startswith("{"):
        return None
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(parsed, dict):
        return None
    return {k: v for k, v in parsed.items() if isinstance(v, str)} | {
        k: str(v)
        for k, v in parsed.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def parse_params(raw_query: str, raw_body: str) -> Params:
    """Parse both (the body as a form, or as a JSON object); a parameter sent twice in
    the query, or twice in a form body, is reported so the caller can refuse the
    request (a client bug, never guessed at)."""
    query, query_dup = _pairs(raw_query)
    if not raw_body:  # no body: the query is every parameter
        return Params(dict(query), query, query_dup)
    as_json = _json_object(raw_body)
    body, body_dup = (as_json, None) if as_json is not None else _pairs(raw_body)
    return Params(body | query, query, query_dup or body_dup)
