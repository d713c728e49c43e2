"""The sandbox's control API under ``/_sim/``: JSON in, JSON out.

It exists so an application under test, or a client in another language, can drive the
fake exchange the way a Python test drives :class:`~bingx_sim.Simulator`: reset it, move
its clock, add accounts, push events, read the journal. Never part of the real exchange.
Each route only turns JSON into a call of one :class:`~bingx_sim.core.state.SimState`
operation and its answer back into JSON; the operations themselves live there.
"""

from __future__ import annotations

import dataclasses
import hmac
import math
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web

from bingx_sim import defaults
from bingx_sim.core.state import STATE, SimState
from bingx_sim.rules.control_guard import BodyTooLarge, Refusal, parse_body, refusal
from bingx_sim.rules.event_types import EVENT_TYPES, PRODUCTS, build
from bingx_sim.rules.listen_keys import Account

__all__ = ["CONTROL_PREFIX", "control_routes", "install_control"]

CONTROL_PREFIX = "/_sim"
TOKEN: web.AppKey[str | None] = web.AppKey("bingx_sim_control_token", str)

BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    name: kind.builder for name, kind in EVENT_TYPES.items() if kind.pushable
}
"""The event types the control API builds (kept for old imports; ``event_types`` rules)."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ControlError(Exception):
    """Answered as ``{"error": message}`` with ``status``; ``close`` ends the connection
    after the answer (its byte stream cannot be trusted any more)."""

    def __init__(self, status: int, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.close = close


def _json(payload: Any, status: int = 200) -> web.Response:
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


def _guarded(handler: Handler) -> Handler:
    """Who may call, uniform JSON errors (bad input never becomes a traceback), and the
    answer only once what the operation queued is written."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        refused = _admission(request)
        if refused is not None:
            return _json({"error": refused.reason}, refused.status)
        try:
            response = await handler(request)
        except ControlError as error:
            answer = _json({"error": str(error)}, error.status)
            if error.close:
                answer.force_close()
            return answer
        # As with Simulator's methods: the answer comes once the frames the operation
        # queued are on the wire, on every socket whose client reads.
        await request.app[STATE].flushed()
        return response

    return wrapper


async def _body(request: web.Request) -> dict[str, Any]:
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


def _clock_view(state: SimState, expired: list[str] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {"now_ms": state.now_ms(), "offset_ms": state.clock.offset_ms}
    if expired is not None:
        view["expired"] = expired
    return view


async def health(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    return _json({"status": "ok", "sockets": len(state.sockets), "now_ms": state.now_ms()})


async def reset(request: web.Request) -> web.StreamResponse:
    request.app[STATE].reset()
    return _json({"status": "reset"})


async def get_clock(request: web.Request) -> web.StreamResponse:
    return _json(_clock_view(request.app[STATE]))


def _clock_move(state: SimState, body: dict[str, Any]) -> list[str]:
    """``{"advance_ms": n}``, ``{"advance": seconds}`` or ``{"set_ms": epoch_ms}``."""
    try:
        if "set_ms" in body:
            return state.set_clock(_integer(body["set_ms"]))
        if "advance_ms" in body:
            return state.advance(_integer(body["advance_ms"]))
        if "advance" in body:
            return state.advance(_integer(float(body["advance"]) * 1000))
    except (TypeError, ValueError, OverflowError) as error:
        raise ControlError(400, str(error)) from None
    raise ControlError(400, "send advance (s), advance_ms or set_ms")


def _integer(value: Any) -> int:
    if isinstance(value, str):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("clock values must be numbers")
    if not math.isfinite(value):
        raise ValueError("clock values must be finite")
    return round(value)


async def set_clock(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    expired = _clock_move(state, await _body(request))
    return _json(_clock_view(state, expired))


async def listen_keys(request: web.Request) -> web.StreamResponse:
    keys = [
        dataclasses.asdict(k) | {"state": k.state.value} for k in request.app[STATE].listen_keys()
    ]
    return _json({"listen_keys": keys})


async def add_account(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    api_key, api_secret = body.get("api_key"), body.get("api_secret")
    if not all(v is None or isinstance(v, str) for v in (api_key, api_secret)):
        raise ControlError(400, "api_key and api_secret must be strings")
    try:
        account = request.app[STATE].add_account(api_key, api_secret)
    except ValueError as error:
        raise ControlError(409, str(error)) from None
    return _json(dataclasses.asdict(account), 201)


async def push_event(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/accounts/{key}/events[?product=swap|coinm|spot]``: the event type's
    defaults for that product with the body's fields laid over them."""
    state = request.app[STATE]
    api_key = request.match_info["api_key"]
    if state.exchange.account(api_key) is None:
        raise ControlError(404, f"no account with api key {api_key!r}")
    body = await _body(request)
    product = request.query.get("product") or body.pop("product", "swap")
    if product not in PRODUCTS:
        raise ControlError(400, f"product must be one of {', '.join(PRODUCTS)}")
    try:
        event = build(body, state.now_ms(), product)
    except KeyError as error:
        raise ControlError(400, str(error.args[0])) from None
    return _json({"delivered": state.push(api_key, event, product), "event": event})


def _entry(entry: Any) -> dict[str, Any]:
    return {"type": type(entry).__name__} | dataclasses.asdict(entry)


async def journal(request: web.Request) -> web.StreamResponse:
    entries = request.app[STATE].journal.snapshot()
    return _json({"entries": [_entry(e) for e in entries]})


async def index(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/``: every control route, so a caller can find its way."""
    routes = sorted(
        {
            (route.method, route.resource.canonical)
            for route in request.app.router.routes()
            if route.resource is not None
            and route.resource.canonical.startswith(CONTROL_PREFIX + "/")
            and route.method != "HEAD"
            and "{tail" not in route.resource.canonical
        },
        key=lambda pair: (pair[1], pair[0]),
    )
    return _json({"routes": [f"{method} {path}" for method, path in routes]})


async def unknown_control_route(request: web.Request) -> web.StreamResponse:
    """A mistyped ``/_sim/...``: the control API's 404, not the exchange's (and not the
    exchange client's mistake)."""
    raise ControlError(404, f"no control route {request.method} {request.path}; see GET /_sim/")


def control_routes() -> list[web.RouteDef]:
    from bingx_sim.wire.control_lab import lab_routes  # it builds on this module's helpers

    p = CONTROL_PREFIX
    return [
        *lab_routes(),
        web.get(f"{p}/health", _guarded(health)),
        web.post(f"{p}/reset", _guarded(reset)),
        web.get(f"{p}/clock", _guarded(get_clock)),
        web.post(f"{p}/clock", _guarded(set_clock)),
        web.get(f"{p}/listen-keys", _guarded(listen_keys)),
        web.post(f"{p}/accounts", _guarded(add_account)),
        web.post(f"{p}/accounts/{{api_key}}/events", _guarded(push_event)),
        web.get(f"{p}/journal", _guarded(journal)),
        web.get(f"{p}/", _guarded(index)),
        web.route("*", f"{p}/{{tail:.*}}", _guarded(unknown_control_route)),  # last
    ]


def install_control(
    app: web.Application, *, token: str | None = None, accounts: Iterable[Account] = ()
) -> None:
    """Add the control API. The state's seed accounts, and ``accounts`` (added to them),
    survive ``POST /_sim/reset``."""
    for account in accounts:
        app[STATE].add_seed_account(account.api_key, account.api_secret)
    app[TOKEN] = token
    app.add_routes(control_routes())
