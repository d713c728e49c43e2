"""The control API's HTTP plumbing, shared by its route modules: who may call
(:mod:`bingx_sim.rules.control_guard`), JSON bodies in, JSON answers and errors out, and
the answer only once what the operation queued is on the wire."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bingx_sim import defaults
from bingx_sim.core.state import STATE, SimState
from bingx_sim.rules.control_guard import BodyTooLarge, Refusal, parse_body, refusal

__all__ = [
    "CONTROL_PREFIX",
    "TOKEN",
    "ControlError",
    "Handler",
    "guarded",
    "json_answer",
    "read_body",
    "state_of",
]

CONTROL_PREFIX = "/_sim"
TOKEN: web.AppKey[str | None] = web.AppKey("bingx_sim_control_token", str)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ControlError(Exception):
    """Answered as ``{"error": message}`` with ``status``; ``close`` ends the connection
    after the answer (its byte stream cannot be trusted any more)."""

    def __init__(self, status: int, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.close = close


def json_answer(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


def _admission(request: web.Request) -> Refusal | None:
    """Browser safety, then the token (``bingx_sim.rules.control_guard``)."""
    token = request.app.get(TOKEN)
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    local = sockname if isinstance(sockname, tuple) else ("", 0)
    refused = refusal(
        method=request.method,
        host=request.headers.get("Host"),
        origin=request.headers.get("Origin"),
        content_type=request.headers.get("Content-Type"),
        local_host=str(local[0]),
        local_port=int(local[1]),
        token_set=token is not None,
    )
    if refused is not None or token is None:
        return refused
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    # aiohttp keeps undecodable header bytes as surrogates: encode them back, never fail.
    if not hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), token.encode()):
        return Refusal(401, "missing or wrong control token")
    return None


def guarded(handler: Handler) -> Handler:
    """Who may call, uniform JSON errors (bad input never becomes a traceback), and the
    answer only once what the operation queued is written."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        refused = _admission(request)
        if refused is not None:
            return json_answer({"error": refused.reason}, refused.status)
        try:
            response = await handler(request)
        except ControlError as error:
            answer = json_answer({"error": str(error)}, error.status)
            if error.close:
                answer.force_close()
            return answer
        # As with Simulator's methods: the answer comes once the frames the operation
        # queued are on the wire, on every socket whose client reads.
        await request.app[STATE].flushed()
        return response

    return wrapper


async def read_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    too_large = f"body is over {defaults.CONTROL_MAX_BODY} bytes"
    if (request.content_length or 0) > defaults.CONTROL_MAX_BODY:
        raise ControlError(413, too_large)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ControlError(413, too_large) from None
    except ConnectionError:  # the caller went away mid-body
        raise ControlError(400, "connection lost while reading the body", close=True) from None
    try:
        return parse_body(raw)
    except BodyTooLarge as error:
        raise ControlError(413, str(error)) from None
    except ValueError as error:
        raise ControlError(400, str(error)) from None


def state_of(request: web.Request) -> SimState:
    """The running state this request's app serves."""
    return request.app[STATE]
