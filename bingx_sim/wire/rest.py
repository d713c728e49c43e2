"""The listen-key REST endpoints, as thin as the wire allows.

Each handler sweeps expiry, authenticates, asks :mod:`bingx_sim.rules.listen_keys` and turns the
answer into the exchange's exact status and body. Nothing is decided here that the pure
modules could decide.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field

from aiohttp import web

from bingx_sim import defaults
from bingx_sim.core.journal import RestCall, shared
from bingx_sim.core.state import STATE, SimState
from bingx_sim.lab.faults import RestDelay, RestError, RestHang, RestReset
from bingx_sim.lab.stubs import Stub
from bingx_sim.rules import errors
from bingx_sim.rules.auth import authenticate
from bingx_sim.rules.errors import ApiError
from bingx_sim.rules.listen_keys import Account, KeyOutcome
from bingx_sim.rules.params import BodyError, Params, decode_body, inflate_body, parse_params

__all__ = ["LISTEN_KEY_PATH", "listen_key_routes", "refuse_plain", "unknown_path"]

LISTEN_KEY_PATH = "/openApi/user/auth/userDataStream"
_KEY_SHAPE = re.compile(r"[0-9a-f]{64}")
_SUCCESS = {  # PUT/DELETE 200 bodies by ``success_body``
    "empty": b"",
    "json": b"{}",
    "envelope": b'{"code":0,"msg":"","data":{}}',
}


def _json(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


@dataclass(slots=True)
class Incoming:
    """A request's body and parameters, read once and never raising: ``problem`` says
    why the exchange could not read it, ``status`` whether that is an HTTP-level refusal
    (a body the gateway cannot take) or ``None`` for a business error (100400).
    ``headers`` are added to the answer (the rate limit's)."""

    body: str
    params: Params
    problem: str | None = None
    status: int | None = None
    gone: bool = False
    headers: dict[str, str] = field(default_factory=dict)


async def _read(request: web.Request) -> Incoming:
    raw_query = request.rel_url.raw_query_string
    try:
        raw = await request.read() if request.can_read_body else b""
    except web.HTTPRequestEntityTooLarge as error:
        return Incoming("", parse_params(raw_query, ""), f"body too large: {error.text}", 413)
    except ConnectionError:  # the client went away mid-body: nobody will read an answer
        why = "connection lost while reading the body"
        return Incoming("", parse_params(raw_query, ""), why, 400, gone=True)
    try:
        coding = request.headers.get("Content-Encoding", "")
        raw = inflate_body(raw, coding, defaults.MAX_REST_BODY) if coding else raw
    except BodyError as error:
        return Incoming("", parse_params(raw_query, ""), str(error), error.status)
    body = decode_body(raw)
    if body is None:
        shown = raw.decode("utf-8", "replace")
        return Incoming(shown, parse_params(raw_query, ""), "body is not UTF-8")
    params = parse_params(raw_query, body)  # once per request: authentication reuses it
    if params.duplicate is not None:
        return Incoming(body, params, f"parameter {params.duplicate!r} sent twice")
    return Incoming(body, params)


async def _answer(
    request: web.Request,
    state: SimState,
    incoming: Incoming,
    status: int,
    body: bytes = b"",
    *,
    code: int | None = None,
    violation: str | None = None,
    content_type: str = "application/json",
) -> web.Response:
    state.journal.append(
        RestCall(
            method=request.method,
            path=shared(request.path),
            query=incoming.params.query,
            headers={name: shared(value) for name, value in request.headers.items()},
            body=incoming.body,
            status=status,
            code=code,
            at_ms=state.now_ms(),
            violation=violation,
        )
    )
    if state.unflushed:
        # What this call caused on sockets (its sweep's listenKeyExpired, a DELETE's
        # closes) is on the wire before the answer, as the facade and control API do;
        # never waiting on a client that does not read.
        await state.flushed()
    if not body:
        # An empty 200 is what the exchange sends on PUT/DELETE (docs/contract.md).
        response = web.Response(status=status, body=b"")
    else:
        response = web.Response(status=status, body=body, content_type=content_type)
    if incoming.status is not None:  # after a refused body, start afresh
        response.force_close()
    response.headers.update(incoming.headers)
    return response


async def _error(
    request: web.Request, state: SimState, incoming: Incoming, error: ApiError
) -> web.Response:
    body = errors.error_body(error, state.wall.now_ms())
    violation = errors.violation_text(error) if error.violation else None
    status = state.options.error_status
    return await _answer(
        request, state, incoming, status, body, code=error.code, violation=violation
    )


async def _plain(
    request: web.Request, state: SimState, incoming: Incoming, status: int, why: str
) -> web.Response:
    text = f"{status} {why}".encode()
    violation = None if incoming.gone else why  # a client that left made no request
    return await _answer(
        request, state, incoming, status, text, violation=violation, content_type="text/plain"
    )


async def _unreadable(request: web.Request, state: SimState, incoming: Incoming) -> web.Response:
    """A request the exchange cannot read: a plain HTTP refusal, or 100400 in its JSON."""
    why = incoming.problem or "unreadable request"
    if incoming.status is not None:
        return await _plain(request, state, incoming, incoming.status, why)
    return await _error(request, state, incoming, ApiError(errors.ARGUMENTS_INVALID, why))


async def refuse_plain(request: web.Request, status: int, why: str) -> web.Response:
    """A plain-text HTTP refusal, journaled as the client's mistake (for requests the
    exchange refuses at the HTTP level, such as a GET of a websocket path without an
    upgrade)."""
    state = request.app[STATE]
    return await _plain(request, state, await _read(request), status, why)


async def _injected(
    request: web.Request, state: SimState, incoming: Incoming
) -> web.Response | None:
    """The account's REST fault for this call, acted on: an answer to send instead, an
    unanswered close, or ``None`` to carry on (after a ``RestDelay``)."""
    api_key = request.headers.get("X-BX-APIKEY")
    active = state.faults.find((RestError, RestDelay, RestReset, RestHang), api_key, request.method)
    if active is None:
        return None
    spec = active.spec
    state.fired(active, f"{request.method} {request.path}")
    if isinstance(spec, RestError):
        if spec.code is not None:
            body = errors.error_body(ApiError(spec.code, spec.msg), state.wall.now_ms())
            return await _answer(request, state, incoming, spec.status, body, code=spec.code)
        return await _answer(request, state, incoming, spec.status, (spec.body or "").encode())
    if isinstance(spec, RestDelay) and not await state.held(active, spec.seconds):
        return None  # late, and then answered as usual
    if isinstance(spec, RestHang):
        await state.held(active, None)
    return _unanswered(request)


def _unanswered(request: web.Request) -> web.Response:
    """Close the connection without a response (a reset, or a hang released)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=499)  # never written: the connection is gone


def _caller(request: web.Request, state: SimState, incoming: Incoming) -> Account | ApiError:
    state.sweep()
    account = authenticate(
        request.headers.get("X-BX-APIKEY"),
        request.rel_url.raw_query_string,
        incoming.body,
        find_account=state.exchange.account,
        options=state.options,
        wall_now_ms=state.wall.now_ms(),
        params=incoming.params.merged,
    )
    if isinstance(account, Account) and state.rate is not None:
        verdict = state.rate.check(account.api_key, state.real_ms(), state.now_ms())
        incoming.headers.update(verdict.headers())
        if not verdict.allowed:
            return errors.rate_limit_error(state.options.error_codes, verdict.reset_ms)
    return account


async def _admitted(
    request: web.Request, state: SimState, incoming: Incoming
) -> Account | web.Response | None:
    """Injected faults first, then a request that cannot be read, then who is calling:
    the calling account (``None``: a keyless PUT/DELETE the options allow), or the
    answer to send instead."""
    injected = await _injected(request, state, incoming)
    if injected is not None:
        return injected
    if incoming.problem is not None:
        return await _unreadable(request, state, incoming)
    keyless = not request.headers.get("X-BX-APIKEY") and request.method in ("PUT", "DELETE")
    if keyless and not state.options.change_needs_api_key:
        state.sweep()
        return None  # the listen key alone identifies the owner
    caller = _caller(request, state, incoming)
    if isinstance(caller, ApiError):
        return await _error(request, state, incoming, caller)
    return caller


async def generate(request: web.Request) -> web.Response:
    state = request.app[STATE]
    incoming = await _read(request)
    caller = await _admitted(request, state, incoming)
    if isinstance(caller, web.Response):
        return caller
    assert caller is not None  # only PUT and DELETE may come without an API key
    key = state.exchange.generate(caller.api_key, state.now_ms())
    payload: object = {"listenKey": key.key}
    if state.options.post_shape == "wrapped":
        payload = {"code": 0, "msg": "", "data": payload}
    return await _answer(request, state, incoming, 200, _json(payload))


async def _change(request: web.Request, *, delete: bool) -> web.Response:
    state = request.app[STATE]
    incoming = await _read(request)
    caller = await _admitted(request, state, incoming)
    if isinstance(caller, web.Response):
        return caller
    params = incoming.params
    source = params.query if state.options.listen_key_source == "query" else params.merged
    key = source.get("listenKey")
    act = state.exchange.delete if delete else state.exchange.extend
    outcome = act(None if caller is None else caller.api_key, key, state.now_ms())
    if outcome is KeyOutcome.MISSING:
        why = "listenKey parameter missing"
        return await _answer(request, state, incoming, 204, violation=why)
    if outcome is KeyOutcome.NOT_FOUND:
        # An expired or deleted key is part of life; a key no exchange could have issued
        # is a client bug (a truncated or quoted key), so it is recorded as one.
        malformed = key is not None and _KEY_SHAPE.fullmatch(key) is None
        shape = f"malformed listenKey {key[:20]!r}" if malformed and key is not None else None
        return await _answer(request, state, incoming, 404, violation=shape)
    if delete and key is not None:
        state.drop_key_sockets(key, "listen key deleted")
    return await _answer(request, state, incoming, 200, _SUCCESS[state.options.success_body])


async def extend(request: web.Request) -> web.Response:
    return await _change(request, delete=False)


async def delete(request: web.Request) -> web.Response:
    return await _change(request, delete=True)


async def unknown_path(request: web.Request) -> web.Response:
    """Any other path or method: a stub's answer if one matches, else the exchange's
    100404, recorded as a client mistake."""
    state = request.app[STATE]
    incoming = await _read(request)
    matched = state.stubs.match(request.method, request.path)
    if matched is not None:
        return await _stubbed(request, state, incoming, matched.stub)
    body = errors.error_body(errors.PATH_ERROR, state.wall.now_ms())
    return await _answer(
        request,
        state,
        incoming,
        404,
        body,
        code=errors.PATH_NOT_FOUND,
        violation=f"unknown endpoint {request.method} {request.path}",
    )


async def _stubbed(
    request: web.Request, state: SimState, incoming: Incoming, stub: Stub
) -> web.Response:
    if incoming.problem is not None:
        return await _unreadable(request, state, incoming)
    if stub.signed:  # a private endpoint: API key, signature and timestamp, as the exchange
        signed = authenticate(
            request.headers.get("X-BX-APIKEY"),
            request.rel_url.raw_query_string,
            incoming.body,
            find_account=state.exchange.account,
            options=dataclasses.replace(state.options, signature="required"),
            wall_now_ms=state.wall.now_ms(),
            params=incoming.params.merged,
        )
        if isinstance(signed, ApiError):
            return await _error(request, state, incoming, signed)
    body, content_type = stub.payload()
    incoming.headers.update(stub.headers)
    return await _answer(request, state, incoming, stub.status, body, content_type=content_type)


def listen_key_routes() -> list[web.RouteDef]:
    return [
        web.post(LISTEN_KEY_PATH, generate),
        web.put(LISTEN_KEY_PATH, extend),
        web.delete(LISTEN_KEY_PATH, delete),
    ]
