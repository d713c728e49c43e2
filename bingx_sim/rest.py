"""The listen-key REST endpoints, as thin as the wire allows.

Each handler sweeps expiry, authenticates, asks :mod:`bingx_sim.exchange` and turns the
answer into the exchange's exact status and body. Nothing is decided here that the pure
modules could decide.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from aiohttp import web

from . import errors
from .auth import authenticate
from .errors import ApiError
from .exchange import Account, KeyOutcome
from .journal import RestCall
from .state import STATE, SimState

__all__ = ["LISTEN_KEY_PATH", "listen_key_routes", "unknown_path"]

LISTEN_KEY_PATH = "/openApi/user/auth/userDataStream"
_KEY_SHAPE = re.compile(r"[0-9a-f]{64}")


def _json(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


async def _answer(
    request: web.Request,
    state: SimState,
    status: int,
    body: bytes = b"",
    *,
    code: int | None = None,
    violation: str | None = None,
) -> web.Response:
    raw_body = await request.text()
    state.journal.append(
        RestCall(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body=raw_body,
            status=status,
            code=code,
            at_ms=state.now_ms(),
            violation=violation,
        )
    )
    if not body:
        # An empty 200 is what the exchange sends on PUT/DELETE (docs/contract.md).
        return web.Response(status=status, body=b"")
    return web.Response(status=status, body=body, content_type="application/json")


async def _error(request: web.Request, state: SimState, error: ApiError) -> web.Response:
    body = errors.error_body(error, state.wall.now_ms())
    violation = error.msg if error.violation else None
    status = state.options.error_status
    return await _answer(request, state, status, body, code=error.code, violation=violation)


async def _injected(request: web.Request, state: SimState) -> web.Response | None:
    fault = state.faults.take(request.method)
    if fault is None:
        return None
    if fault.code is not None:
        body = errors.error_body(ApiError(fault.code, fault.msg), state.wall.now_ms())
        return await _answer(request, state, fault.status, body, code=fault.code)
    return await _answer(request, state, fault.status, fault.body.encode())


async def _caller(request: web.Request, state: SimState) -> Account | ApiError:
    state.sweep()
    account = authenticate(
        request.headers.get("X-BX-APIKEY"),
        request.rel_url.raw_query_string,
        await request.text(),
        find_account=state.exchange.account,
        options=state.options,
        wall_now_ms=state.wall.now_ms(),
    )
    if isinstance(account, Account) and not state.exchange.allow_call(
        account.api_key, state.real_ms()
    ):
        return errors.RATE_LIMIT_ERROR
    return account


async def generate(request: web.Request) -> web.Response:
    state = request.app[STATE]
    injected = await _injected(request, state)
    if injected is not None:
        return injected
    caller = await _caller(request, state)
    if isinstance(caller, ApiError):
        return await _error(request, state, caller)
    key = state.exchange.generate(caller.api_key, state.now_ms())
    payload: object = {"listenKey": key.key}
    if state.options.post_shape == "wrapped":
        payload = {"code": 0, "msg": "", "data": payload}
    return await _answer(request, state, 200, _json(payload))


async def _listen_key_param(request: web.Request, state: SimState) -> str | None:
    key = request.query.get("listenKey")
    if key is None and state.options.listen_key_source == "query+body":
        key = dict(parse_qsl(await request.text(), keep_blank_values=True)).get("listenKey")
    return key


async def _change(request: web.Request, *, delete: bool) -> web.Response:
    state = request.app[STATE]
    injected = await _injected(request, state)
    if injected is not None:
        return injected
    caller = await _caller(request, state)
    if isinstance(caller, ApiError):
        return await _error(request, state, caller)
    key = await _listen_key_param(request, state)
    act = state.exchange.delete if delete else state.exchange.extend
    outcome = act(caller.api_key, key, state.now_ms())
    if outcome is KeyOutcome.MISSING:
        return await _answer(request, state, 204, violation="listenKey parameter missing")
    if outcome is KeyOutcome.NOT_FOUND:
        # An expired or deleted key is part of life; a key no exchange could have issued
        # is a client bug (a truncated or quoted key), so it is recorded as one.
        malformed = key is not None and _KEY_SHAPE.fullmatch(key) is None
        why = f"malformed listenKey {key[:20]!r}" if malformed and key is not None else None
        return await _answer(request, state, 404, violation=why)
    if delete and key is not None:
        state.drop_key_sockets(key, "listen key deleted")
    body = {
        "empty": b"",
        "json": b"{}",
        "envelope": _json({"code": 0, "msg": "", "data": {}}),
    }[state.options.success_body]
    return await _answer(request, state, 200, body)


async def extend(request: web.Request) -> web.Response:
    return await _change(request, delete=False)


async def delete(request: web.Request) -> web.Response:
    return await _change(request, delete=True)


async def unknown_path(request: web.Request) -> web.Response:
    """Any other path or method: the exchange's 100404, recorded as a client mistake."""
    state = request.app[STATE]
    body = errors.error_body(errors.PATH_ERROR, state.wall.now_ms())
    return await _answer(
        request,
        state,
        404,
        body,
        code=errors.PATH_NOT_FOUND,
        violation=f"unknown endpoint {request.method} {request.path}",
    )


def listen_key_routes() -> list[web.RouteDef]:
    return [
        web.post(LISTEN_KEY_PATH, generate),
        web.put(LISTEN_KEY_PATH, extend),
        web.delete(LISTEN_KEY_PATH, delete),
    ]
