"""What the ``/_sim/`` control API lets in: pure rules, no aiohttp.

The sandbox listens on loopback, where any web page the user opens can reach it too: a
cross-origin "simple" request (``POST`` with ``Content-Type: text/plain``) needs no CORS
preflight, and a DNS-rebinding page (``Host: evil.example:PORT``) even reads the answers.
So, before anything runs (``docs/contract.md``, "control API"):

* a ``Host`` that is not a loopback name or address, nor the address the request
  arrived on, is refused, unless a control token is set (then the token guards);
* an ``Origin`` that is present and not the sandbox's own is refused;
* a state-changing request whose ``Content-Type`` is not ``application/json`` is refused:
  browsers cannot send that cross-origin without a preflight, which we never approve.
  A ``DELETE`` may send no ``Content-Type`` at all (``curl -X DELETE``): no browser sends
  any ``DELETE`` cross-origin without a preflight, whatever its headers.

Bodies are JSON objects, bounded in size and nesting, with finite numbers only.
"""

from __future__ import annotations

import ipaddress
import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bingx_sim import defaults

__all__ = ["BodyTooLarge", "Refusal", "is_loopback", "parse_body", "refusal"]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a control request is refused, and the HTTP status that says so."""

    status: int
    reason: str


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hostname(authority: str) -> tuple[str, int | None] | None:
    """``host[:port]`` (brackets for IPv6) split; ``None`` when it does not parse."""
    try:
        parts = urlsplit(f"//{authority}")
        name, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not name or parts.username is not None or parts.path or parts.query:
        return None
    return name, port


def _ours(name: str, local_host: str) -> bool:
    if is_loopback(name):
        return True
    try:
        return ipaddress.ip_address(name) == ipaddress.ip_address(local_host)
    except ValueError:
        return False


def refusal(
    *,
    method: str,
    host: str | None,
    origin: str | None,
    content_type: str | None,
    local_host: str,
    local_port: int,
    token_set: bool,
) -> Refusal | None:
    """The first rule a control request breaks, or ``None`` when it may run.

    ``local_host`` and ``local_port`` are the address the connection arrived on.
    """
    if not token_set:
        parsed = _hostname(host or "")
        if parsed is None or not _ours(parsed[0], local_host):
            return Refusal(403, f"Host {host!r} is not this sandbox's loopback address")
    if origin is not None:
        split = _origin(origin)
        if split is None or not _ours(split[0], local_host) or split[1] != local_port:
            return Refusal(403, f"Origin {origin!r} is not this sandbox")
    if method.upper() not in _SAFE_METHODS:
        if content_type is None and method.upper() == "DELETE":
            return None
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            return Refusal(415, "send Content-Type: application/json (even with no body)")
    return None


def _origin(origin: str) -> tuple[str, int] | None:
    """An ``http://host[:port]`` origin's host and port; ``None`` for anything else
    (``null``, another scheme, a path)."""
    scheme, sep, authority = origin.partition("://")
    if not sep or scheme.lower() != "http":
        return None
    parsed = _hostname(authority)
    if parsed is None:
        return None
    return parsed[0], parsed[1] if parsed[1] is not None else 80


class BodyTooLarge(ValueError):
    """The body is over ``CONTROL_MAX_BODY`` bytes (HTTP 413, not 400)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number the control API takes")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def parse_body(raw: bytes) -> dict[str, Any]:
    """A control request body: empty (``{}``) or one JSON object of at most
    ``CONTROL_MAX_BODY`` bytes and ``CONTROL_MAX_DEPTH`` levels, numbers finite.
    ``ValueError`` with a reason a caller can act on."""
    if not raw.strip():
        return {}
    if len(raw) > defaults.CONTROL_MAX_BODY:
        raise BodyTooLarge(f"body is over {defaults.CONTROL_MAX_BODY} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("body is not UTF-8") from None
    try:
        parsed = json.loads(text, parse_constant=_reject_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError(f"body nests deeper than {defaults.CONTROL_MAX_DEPTH} levels") from None
    except ValueError as error:
        raise ValueError(f"body is not JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise ValueError("body must be a JSON object")
    if _depth(parsed) > defaults.CONTROL_MAX_DEPTH:
        raise ValueError(f"body nests deeper than {defaults.CONTROL_MAX_DEPTH} levels")
    return parsed
