"""The sandbox's control API under ``/_sim/``: JSON in, JSON out.

It exists so an application under test, or a client in another language, can drive the
fake exchange the way a Python test drives :class:`~bingx_sim.Simulator`: reset it, move
its clock, add accounts, push events, read the journal. Never part of the real exchange.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import events
from .exchange import Account
from .state import STATE, SimState

__all__ = ["CONTROL_PREFIX", "control_routes", "install_control"]

CONTROL_PREFIX = "/_sim"
TOKEN: web.AppKey[str | None] = web.AppKey("bingx_sim_control_token", str)
SEED_ACCOUNTS: web.AppKey[tuple[Account, ...]] = web.AppKey("bingx_sim_seed_accounts", tuple)

BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "ACCOUNT_UPDATE": events.account_update,
    "ORDER_TRADE_UPDATE": events.order_trade_update,
    "ACCOUNT_CONFIG_UPDATE": events.account_config_update,
    "SNAPSHOT": events.config_snapshot,
    "executionReport": events.spot_execution_report,
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


def _guarded(handler: Handler) -> Handler:
    """Token check and uniform JSON errors: bad input never becomes a traceback."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        token = request.app.get(TOKEN)
        if token is not None:
            sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(sent.encode(), token.encode()):
                return _json({"error": "missing or wrong control token"}, 401)
        try:
            return await handler(request)
        except ControlError as error:
            return _json({"error": str(error)}, error.status)

    return wrapper


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        parsed = json.loads(await request.text())
    except ValueError as error:
        raise ControlError(400, f"body is not JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise ControlError(400, "body must be a JSON object")
    return parsed


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Fill what the caller omitted from the builder's defaults, recursively."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _clock_view(state: SimState, expired: list[str] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {"now_ms": state.now_ms(), "offset_ms": state.clock.offset_ms}
    if expired is not None:
        view["expired"] = expired
    return view


async def health(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    return _json({"status": "ok", "sockets": len(state.sockets), "now_ms": state.now_ms()})


async def reset(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    await state.reset()
    for account in request.app.get(SEED_ACCOUNTS, ()):
        state.add_account(account.api_key, account.api_secret)
    return _json({"status": "reset"})


async def get_clock(request: web.Request) -> web.StreamResponse:
    return _json(_clock_view(request.app[STATE]))


async def set_clock(request: web.Request) -> web.StreamResponse:
    """``{"advance_ms": n}``, ``{"advance": seconds}`` or ``{"set_ms": epoch_ms}``."""
    state = request.app[STATE]
    body = await _body(request)
    try:
        if "set_ms" in body:
            delta = int(body["set_ms"]) - state.now_ms()
        elif "advance_ms" in body:
            delta = int(body["advance_ms"])
        elif "advance" in body:
            delta = round(float(body["advance"]) * 1000)
        else:
            raise ControlError(400, "send advance (s), advance_ms or set_ms")
    except (TypeError, ValueError):
        raise ControlError(400, "clock values must be numbers") from None
    if delta < 0:
        raise ControlError(400, "the simulator's clock only moves forward")
    state.clock.advance(delta)
    expired = [k.key for k in await state.sweep()]
    return _json(_clock_view(state, expired))


async def listen_keys(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    await state.sweep()
    keys = [dataclasses.asdict(k) | {"state": k.state.value} for k in state.exchange.listen_keys()]
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
    state = request.app[STATE]
    api_key = request.match_info["api_key"]
    if state.exchange.account(api_key) is None:
        raise ControlError(404, f"no account with api key {api_key!r}")
    body = await _body(request)
    kind = body.get("e")
    builder = BUILDERS.get(str(kind))
    if builder is None:
        raise ControlError(400, f"unknown event type {kind!r}; known: {', '.join(BUILDERS)}")
    event = _merge(builder(event_time=state.now_ms()), body)
    delivered = await state.push(api_key, event)
    return _json({"delivered": delivered, "event": event})


def _entry(entry: Any) -> dict[str, Any]:
    return {"type": type(entry).__name__} | dataclasses.asdict(entry)


async def journal(request: web.Request) -> web.StreamResponse:
    entries = request.app[STATE].journal.snapshot()
    return _json({"entries": [_entry(e) for e in entries]})


def control_routes() -> list[web.RouteDef]:
    p = CONTROL_PREFIX
    return [
        web.get(f"{p}/health", _guarded(health)),
        web.post(f"{p}/reset", _guarded(reset)),
        web.get(f"{p}/clock", _guarded(get_clock)),
        web.post(f"{p}/clock", _guarded(set_clock)),
        web.get(f"{p}/listen-keys", _guarded(listen_keys)),
        web.post(f"{p}/accounts", _guarded(add_account)),
        web.post(f"{p}/accounts/{{api_key}}/events", _guarded(push_event)),
        web.get(f"{p}/journal", _guarded(journal)),
    ]


def install_control(
    app: web.Application, *, token: str | None = None, accounts: tuple[Account, ...] = ()
) -> None:
    """Add the control API; ``accounts`` are re-created by every ``POST /_sim/reset``."""
    app[TOKEN] = token
    app[SEED_ACCOUNTS] = accounts
    app.add_routes(control_routes())
