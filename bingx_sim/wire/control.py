"""The sandbox's control API under ``/_sim/``: JSON in, JSON out.

It exists so an application under test, or a client in another language, can drive the
fake exchange the way a Python test drives :class:`~bingx_sim.Simulator`: reset it, move
its clock, add accounts, push events, read the journal. Never part of the real exchange.
Each route only turns JSON into a call of one :class:`~bingx_sim.core.state.SimState`
operation and its answer back into JSON; the operations themselves live there.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from bingx_sim.core.state import STATE, SimState
from bingx_sim.rules.control_guard import parse_body
from bingx_sim.rules.event_types import PRODUCTS, build
from bingx_sim.rules.listen_keys import Account
from bingx_sim.wire.control_http import (
    CONTROL_PREFIX,
    TOKEN,
    ControlError,
    guarded,
    json_answer,
    read_body,
)
from bingx_sim.wire.control_lab import lab_routes
from bingx_sim.wire.control_ledger import ledger_routes
from bingx_sim.wire.pipeline import expecting

__all__ = ["control_routes", "install_control"]


def _clock_view(state: SimState, expired: list[str] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {"now_ms": state.now_ms(), "offset_ms": state.clock.offset_ms}
    if expired is not None:
        view["expired"] = expired
    return view


async def health(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    return json_answer(
        {
            "status": "ok",
            "sockets": len(state.sockets),
            "now_ms": state.now_ms(),
            "pristine": state.pristine,
        }
    )


async def reset(request: web.Request) -> web.StreamResponse:
    request.app[STATE].reset()
    return json_answer({"status": "reset"})


async def get_clock(request: web.Request) -> web.StreamResponse:
    return json_answer(_clock_view(request.app[STATE]))


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
    expired = _clock_move(state, await read_body(request))
    return json_answer(_clock_view(state, expired))


async def listen_keys(request: web.Request) -> web.StreamResponse:
    keys = [
        dataclasses.asdict(k) | {"state": k.state.value} for k in request.app[STATE].listen_keys()
    ]
    return json_answer({"listen_keys": keys})


async def add_account(request: web.Request) -> web.StreamResponse:
    body = await read_body(request)
    api_key, api_secret = body.get("api_key"), body.get("api_secret")
    if not all(v is None or isinstance(v, str) for v in (api_key, api_secret)):
        raise ControlError(400, "api_key and api_secret must be strings")
    balances = _balances(body.get("balances"))
    state = request.app[STATE]
    if balances is not None and api_key is not None and state.exchange.account(api_key):
        raise ControlError(409, f"account {api_key!r} exists: deposit instead")
    try:
        account = state.add_account(api_key, api_secret, balances)
    except ValueError as error:
        raise ControlError(409 if "exist" in str(error) else 400, str(error)) from None
    return json_answer(dataclasses.asdict(account), 201)


def _amounts(value: object) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value.values()):
        return None
    return {str(k): str(v) for k, v in value.items()}


def _balances(value: object) -> Any:
    """``{"USDT": "10000"}`` (USDT-M) or ``{"swap": {..}, "spot": {..}, "coinm": {..}}``
    (per product), as ``SimState.add_account`` takes them; amounts are decimal strings
    (an integer is read as its digits, never through a float)."""
    if value is None:
        return None
    flat = _amounts(value)
    if flat is not None:
        return flat
    if isinstance(value, dict) and all(_amounts(v) is not None for v in value.values()):
        return {str(k): _amounts(v) for k, v in value.items()}
    raise ControlError(
        400,
        'balances is an object of decimal strings, {"USDT": "10000"}, or one per product, '
        '{"swap": {...}, "spot": {...}, "coinm": {...}}',
    )


async def _object_or_array(request: web.Request) -> dict[str, Any] | list[Any]:
    """A body that is one JSON object or, for the routes that take many, an array (with
    the same checks: size, depth, finite numbers)."""
    try:
        return await read_body(request)
    except ControlError as error:
        if error.status != 400 or str(error) != "body must be a JSON object":
            raise
    raw = await request.read()  # aiohttp keeps what read_body read
    try:
        wrapped = parse_body(b'{"items":' + raw + b"}")
    except ValueError as error:
        raise ControlError(400, str(error)) from None
    items = wrapped["items"]
    if not isinstance(items, list):
        raise ControlError(400, "body must be a JSON object or array")
    return items


async def push_event(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/accounts/{key}/events[?product=swap|coinm|spot]``: the event type's
    defaults for that product with the body's fields laid over them. A JSON array pushes
    each event in order, in one operation (``push_many``): every socket gets them in
    that order with nothing of the simulator's in between."""
    state = request.app[STATE]
    api_key = request.match_info["api_key"]
    if state.exchange.account(api_key) is None:
        raise ControlError(404, f"no account with api key {api_key!r}")
    body = await _object_or_array(request)
    many = isinstance(body, list)
    items = body if isinstance(body, list) else [body]
    if not all(isinstance(item, dict) for item in items):
        raise ControlError(400, "each event is a JSON object")
    products = [item.pop("product") for item in items if "product" in item]
    if not all(isinstance(p, str) for p in products):
        raise ControlError(400, f"product must be one of {', '.join(PRODUCTS)}")
    named = set(products)
    product = request.query.get("product") or (named.pop() if len(named) == 1 else "swap")
    if product not in PRODUCTS or named - {product}:
        raise ControlError(400, f"product must be one of {', '.join(PRODUCTS)} (one per call)")
    try:
        built = [build(item, state.now_ms(), product) for item in items]
    except KeyError as error:
        raise ControlError(400, str(error.args[0])) from None
    delivered = state.push_many(api_key, built, product)
    if many:
        return json_answer({"delivered": delivered, "events": built})
    return json_answer({"delivered": delivered[0], "event": built[0]})


async def settle(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/settle``: expire what is due on the exchange clock now."""
    return json_answer({"expired": request.app[STATE].settle()})


async def mistakes(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/mistakes``: what a strict test would fail on now, each with the
    exchange's code (REST) and the reason."""
    return json_answer({"mistakes": [m.as_json() for m in request.app[STATE].mistakes()]})


async def expect_errors(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/expect-errors`` ``{"patterns": ["bad signature"]}``: mistakes the
    client makes on purpose (regexes, case-insensitive); no pattern: any. A reset
    forgets them."""
    patterns = (await read_body(request)).get("patterns", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ControlError(400, "patterns is a list of regular expressions (strings)")
    try:
        request.app[STATE].expect_errors(patterns)
    except re.error as error:
        raise ControlError(400, f"not a regular expression: {error}") from None
    return json_answer({"expected": patterns or "any"})


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
    return json_answer({"routes": [f"{method} {path}" for method, path in routes]})


async def unknown_control_route(request: web.Request) -> web.StreamResponse:
    """A mistyped ``/_sim/...``: the control API's 404, not the exchange's (and not the
    exchange client's mistake)."""
    raise ControlError(404, f"no control route {request.method} {request.path}; see GET /_sim/")


def control_routes() -> list[web.RouteDef]:
    p = CONTROL_PREFIX
    return [
        *lab_routes(),
        *ledger_routes(),
        web.get(f"{p}/health", guarded(health)),
        web.post(f"{p}/reset", guarded(reset)),
        web.get(f"{p}/clock", guarded(get_clock)),
        web.post(f"{p}/clock", guarded(set_clock)),
        web.get(f"{p}/listen-keys", guarded(listen_keys)),
        web.post(f"{p}/accounts", guarded(add_account)),
        web.post(f"{p}/accounts/{{api_key}}/events", guarded(push_event)),
        web.post(f"{p}/settle", guarded(settle)),
        web.get(f"{p}/mistakes", guarded(mistakes)),
        web.post(f"{p}/expect-errors", guarded(expect_errors)),
        web.get(f"{p}/", guarded(index)),
        web.route("*", f"{p}/{{tail:.*}}", guarded(unknown_control_route)),  # last
    ]


def install_control(
    app: web.Application, *, token: str | None = None, accounts: Iterable[Account] = ()
) -> None:
    """Add the control API. The state's seed accounts, and ``accounts`` (added to them),
    survive ``POST /_sim/reset``."""
    for account in accounts:
        app[STATE].add_seed_account(account.api_key, account.api_secret)
    app[TOKEN] = token
    app.add_routes(expecting(control_routes()))
