"""The one REST pipeline: every request to the exchange's REST side goes through it.

read → fault → stub → authenticate → rate budget → operation → render → journal

Each step exists once, here. An endpoint is a row (:class:`Endpoint`: method, path,
auth kind, budget group, operation) in the table of :mod:`bingx_sim.wire.endpoints`, so
a new endpoint is a row and a synchronous operation, not new handler code. A stub is
answered by the same pipeline (its ``signed`` is its auth kind), and so is an unknown
path (100404). Nothing here decides what the exchange does: the operation asks
:class:`~bingx_sim.core.state.SimState`, which asks the pure rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import HttpVersion11, web

from bingx_sim import defaults
from bingx_sim.core.clock import real_monotonic
from bingx_sim.core.journal import RestCall, shared
from bingx_sim.core.state import STATE, SimState
from bingx_sim.lab.faults import RestDelay, RestError, RestHang
from bingx_sim.lab.stubs import ActiveStub, StubRequest
from bingx_sim.rules import errors
from bingx_sim.rules.auth import authenticate
from bingx_sim.rules.errors import ApiError
from bingx_sim.rules.listen_keys import Account
from bingx_sim.rules.options import SignatureMode
from bingx_sim.rules.params import BodyError, Params, decode_body, inflate_body, parse_params

__all__ = [
    "Answer",
    "AuthKind",
    "Call",
    "Endpoint",
    "Incoming",
    "Operation",
    "answer_expect",
    "expecting",
    "json_bytes",
    "refuse_plain",
    "route",
    "unknown_path",
]

AuthKind = Literal["signed", "listen-key", "public"]
"""``signed``: API key, signature and timestamp, as every private endpoint of the
exchange; ``listen-key``: the listen-key endpoints' own rules (``signature`` option,
keyless PUT/DELETE by ``change_needs_api_key``); ``public``: market data, no key."""


def json_bytes(payload: object) -> bytes:
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
    started: float = field(default_factory=real_monotonic)


@dataclass(frozen=True, slots=True)
class Call:
    """What an operation gets: the state, the caller (``None`` for a public endpoint or
    a keyless listen-key call), the request's parameters, method and path."""

    state: SimState
    caller: Account | None
    params: Params
    method: str
    path: str


@dataclass(frozen=True, slots=True)
class Answer:
    """What an operation returns: the HTTP answer, the exchange code it carries, the
    client mistake it records (``violation``), if any, why it answered so (``reason``,
    the exchange's message) and the stub that answered (``stub``)."""

    status: int
    body: bytes = b""
    code: int | None = None
    violation: str | None = None
    content_type: str = "application/json"
    reason: str | None = None
    stub: str | None = None

    @classmethod
    def error(cls, state: SimState, error: ApiError) -> Answer:
        """A business error in the exchange's envelope, with the configured status."""
        body = errors.error_body(error, state.wall.now_ms())
        violation = errors.violation_text(error) if error.violation else None
        return cls(state.options.error_status, body, error.code, violation, reason=error.msg)

    @classmethod
    def ok(cls, payload: object) -> Answer:
        return cls(200, json_bytes(payload))


Operation = Callable[[Call], Answer]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST endpoint: a row of the table. ``budget`` names its rate-limit group
    (BingX limits per group of endpoints); ``None``: not rate limited."""

    method: str
    path: str
    auth: AuthKind
    budget: str | None
    operation: Operation


# read ---------------------------------------------------------------------------------


def _read_bodiless(request: web.Request) -> Incoming | None:
    """A request with no body and no ``Content-Encoding`` (every listen-key call, every
    GET), read without a coroutine; ``None`` for any other, which :func:`_read` reads."""
    if request.can_read_body or "Content-Encoding" in request.headers:
        return None
    params = parse_params(request.rel_url.raw_query_string, "")
    if params.duplicate is not None:
        return Incoming("", params, f"parameter {params.duplicate!r} sent twice")
    return Incoming("", params)


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


# render + journal ------------------------------------------------------------------------


_HEADERS: dict[tuple[tuple[bytes, bytes], ...], dict[str, str]] = {}
_HEADERS_MAX = 256


def _journal_headers(request: web.Request) -> dict[str, str]:
    """The request's headers as the journal keeps them: one dict per distinct set of raw
    header lines, shared by every entry that sent exactly those lines (a client sends
    the same headers call after call), so a call costs a lookup, not a copy. Bounded:
    once 256 sets are held (a client that stamps each request), it starts afresh."""
    raw = request.raw_headers
    found = _HEADERS.get(raw)
    if found is None:
        found = {name: shared(value) for name, value in request.headers.items()}
        if len(_HEADERS) >= _HEADERS_MAX:
            _HEADERS.clear()
        _HEADERS[raw] = found
    return found


def _path(request: web.Request) -> str:
    """The request's path, decoded, one copy per distinct path (:func:`shared`). A path
    without a percent-escape is its raw form: no decoding to do."""
    raw = request.rel_url.raw_path
    return shared(raw if "%" not in raw else request.path)


async def _send(
    request: web.Request, state: SimState, incoming: Incoming, answer: Answer
) -> web.Response:
    state.journal.append(
        RestCall(
            method=request.method,
            path=_path(request),
            query=incoming.params.query,
            headers=_journal_headers(request),
            body=incoming.body,
            status=answer.status,
            code=answer.code,
            at_ms=state.now_ms(),
            violation=answer.violation,
            stub=answer.stub,
            reason=answer.violation or answer.reason,
            duration_ms=round((real_monotonic() - incoming.started) * 1000, 3),
        )
    )
    if state.queued and state.unflushed:
        # What this call caused on sockets (its sweep's listenKeyExpired, a DELETE's
        # closes, an order's events) is on the wire before the answer, as the facade and
        # control API do; never waiting on a client that does not read.
        await state.flushed()
    if not answer.body:
        # An empty 200 is what the exchange sends on PUT/DELETE (docs/contract.md).
        response = web.Response(status=answer.status, body=b"")
    else:
        response = web.Response(
            status=answer.status, body=answer.body, content_type=answer.content_type
        )
    if incoming.status is not None:  # after a refused body, start afresh
        response.force_close()
    if incoming.headers:
        response.headers.update(incoming.headers)
    return response


def _plain(incoming: Incoming, status: int, why: str) -> Answer:
    violation = None if incoming.gone else why  # a client that left made no request
    return Answer(status, f"{status} {why}".encode(), None, violation, "text/plain")


def _unreadable(state: SimState, incoming: Incoming) -> Answer:
    """A request the exchange cannot read: a plain HTTP refusal, or 100400 in its JSON."""
    why = incoming.problem or "unreadable request"
    if incoming.status is not None:
        return _plain(incoming, incoming.status, why)
    return Answer.error(state, ApiError(errors.ARGUMENTS_INVALID, why))


async def refuse_plain(request: web.Request, status: int, why: str) -> web.Response:
    """A plain-text HTTP refusal, journaled as the client's mistake (for requests the
    exchange refuses at the HTTP level, such as a GET of a websocket path without an
    upgrade)."""
    state = request.app[STATE]
    incoming = await _read(request)
    return await _send(request, state, incoming, _plain(incoming, status, why))


# fault ------------------------------------------------------------------------------


def _unanswered(request: web.Request) -> web.Response:
    """Close the connection without a response (a reset, or a hang released)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=499)  # never written: the connection is gone


async def _injected(
    request: web.Request, state: SimState, incoming: Incoming
) -> web.Response | None:
    """The account's REST fault for this call (matched by method and path), acted on:
    an answer to send instead, an unanswered close, or ``None`` to carry on (after a
    ``RestDelay``)."""
    api_key = request.headers.get("X-BX-APIKEY")
    active = state.faults.rest_fault(api_key, request.method, request.path)
    if active is None:
        return None
    spec = active.spec
    state.faults.fired(active, f"{request.method} {request.path}")
    if isinstance(spec, RestError):
        if spec.code is not None:
            body = errors.error_body(ApiError(spec.code, spec.msg), state.wall.now_ms())
            answer = Answer(spec.status, body, spec.code, reason=f"{spec.msg} (fault #{active.id})")
        else:
            answer = Answer(spec.status, (spec.body or "").encode(), reason=f"fault #{active.id}")
        return await _send(request, state, incoming, answer)
    if isinstance(spec, RestDelay) and not await state.faults.held(active, spec.seconds):
        return None  # late, and then answered as usual
    if isinstance(spec, RestHang):
        await state.faults.held(active, None)
    return _unanswered(request)


# authenticate + budget -----------------------------------------------------------------


def _admit(
    request: web.Request,
    state: SimState,
    incoming: Incoming,
    auth: AuthKind,
    budget: str | None,
    api_key: str | None,
) -> Account | Answer | None:
    """Who is calling (``None``: nobody needs to be), or the refusal to send."""
    state.sweep()
    if auth == "public":
        return None
    options = state.options
    if (
        auth == "listen-key"
        and not api_key
        and not options.change_needs_api_key
        and request.method in ("PUT", "DELETE")
    ):
        return None  # keyless: the listen key alone identifies the owner
    mode: SignatureMode = (
        options.signature if auth == "listen-key" or options.signature == "off" else "required"
    )
    account = authenticate(
        api_key,
        request.rel_url.raw_query_string,
        incoming.body,
        find_account=state.exchange.account,
        options=options,
        wall_now_ms=state.wall.now_ms(),
        params=incoming.params.merged,
        signature_mode=mode,
    )
    if isinstance(account, ApiError):
        return Answer.error(state, account)
    if budget is not None:
        locked = state.error_locked(budget, account.api_key)
        if locked is not None:
            return Answer.error(state, locked)
        verdict = state.spend_budget(budget, account.api_key)
        if verdict is not None:
            incoming.headers.update(verdict.headers())
            if not verdict.allowed:
                return Answer.error(state, state.rate_limited(budget, verdict.reset_ms))
    return account


async def _serve(
    request: web.Request,
    auth: AuthKind,
    budget: str | None,
    operation: Operation,
) -> web.Response:
    state = request.app[STATE]
    incoming = _read_bodiless(request) or await _read(request)
    if state.faults.plan:  # some fault is active (none: no lookup at all)
        injected = await _injected(request, state, incoming)
        if injected is not None:
            return injected
    if incoming.problem is not None:
        return await _send(request, state, incoming, _unreadable(state, incoming))
    # A stub wins over a modelled endpoint (as over an unknown path), except over the
    # listen-key calls, which a stub never takes away (the lifecycle is what we test).
    if auth != "listen-key" and not state.stubs.empty:
        asked = _stub_request(request, incoming)
        stub = state.stubs.match(asked) if state.stubs.live else None
        if stub is not None:
            auth, budget, operation = _stub_row(stub, asked, incoming)
        elif operation is _not_found:  # the 404 says which stub came closest, and why
            operation = _not_found_near(state.stubs.near_miss(asked))
    api_key = request.headers.get("X-BX-APIKEY")
    admitted = _admit(request, state, incoming, auth, budget, api_key)
    if isinstance(admitted, Answer):
        return await _send(request, state, incoming, admitted)
    answer = operation(Call(state, admitted, incoming.params, request.method, _path(request)))
    if budget is not None and admitted is not None and _erroneous(answer):
        state.note_error(budget, admitted.api_key)
    return await _send(request, state, incoming, answer)


def _erroneous(answer: Answer) -> bool:
    """An answer that counts towards the error lock-out: an HTTP error or a non-zero
    exchange code."""
    return answer.status >= 400 or answer.code not in (None, 0)


def route(endpoint: Endpoint) -> web.RouteDef:
    """The aiohttp route of one row."""

    async def handler(request: web.Request) -> web.Response:
        return await _serve(request, endpoint.auth, endpoint.budget, endpoint.operation)

    return web.route(endpoint.method, endpoint.path, handler, expect_handler=answer_expect)


async def answer_expect(request: web.Request) -> web.Response | None:
    """A route's ``Expect`` handler: ``100-continue`` gets ``100 Continue`` (as aiohttp's
    own handler sends it); any other value, on HTTP/1.1, a plain 417 journaled as the
    client's mistake, and the connection closes (its body, if any, was never asked for).
    aiohttp's own refusal answers 500 to a value that is not UTF-8."""
    if request.version != HttpVersion11:
        return None
    value = request.headers.get("Expect", "")
    if value.lower() == "100-continue":
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0  # the answer's size in the access log starts here
        return None
    # aiohttp keeps undecodable header bytes as surrogates: show them escaped.
    shown = value.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
    why = f"Expect: {shown} is not 100-continue"
    incoming = Incoming("", parse_params(request.rel_url.raw_query_string, ""), why, 417)
    return await _send(request, request.app[STATE], incoming, _plain(incoming, 417, why))


def expecting(routes: list[web.RouteDef]) -> list[web.RouteDef]:
    """``routes`` with :func:`answer_expect` as their ``Expect`` handler: every route of
    the app answers a strange ``Expect`` the same way (the websocket and control routes
    are made by their own modules)."""
    return [
        web.RouteDef(r.method, r.path, r.handler, {**r.kwargs, "expect_handler": answer_expect})
        for r in routes
    ]


# stubs and unknown paths ---------------------------------------------------------------


def _stub_request(request: web.Request, incoming: Incoming) -> StubRequest:
    """What a stub's matchers see of a request."""
    return StubRequest(
        request.method,
        request.path,
        incoming.params.query,
        incoming.body,
        request.headers.get("X-BX-APIKEY"),
        request.headers,
    )


def _stub_row(
    active: ActiveStub, asked: StubRequest, incoming: Incoming
) -> tuple[AuthKind, str | None, Operation]:
    stub, call_number, label = active.stub, active.hits, active.label

    def answer(call: Call) -> Answer:
        try:
            reply = stub.reply(call_number, asked)
            body, content_type = reply.payload()
        except Exception as error:  # a callable answer's own failure: ours to report
            call.state.record_error(f"{label}'s answer", error)
            why = f"{label}'s answer raised {type(error).__name__}"
            return Answer(500, why.encode(), content_type="text/plain", reason=why, stub=label)
        incoming.headers.update(reply.headers)
        return Answer(reply.status, body, content_type=content_type, stub=label)

    return ("signed" if stub.signed else "public"), None, answer


def _not_found(call: Call, near: str | None = None) -> Answer:
    """The exchange's 100404, recorded as a client mistake; with ``near``, the stub that
    came closest and why it did not match, in the journal and as ``nearMiss``."""
    why = f"unknown endpoint {call.method} {call.path}"
    body = errors.error_body(errors.PATH_ERROR, call.state.wall.now_ms())
    if near is not None:
        why = f"{why} (closest: {near})"
        body = json_bytes({**json.loads(body), "nearMiss": near})
    return Answer(404, body, errors.PATH_NOT_FOUND, why)


def _not_found_near(near: str | None) -> Operation:
    return lambda call: _not_found(call, near)


async def unknown_path(request: web.Request) -> web.Response:
    """Any other path or method: a stub's answer if one matches, else the exchange's
    100404, recorded as a client mistake."""
    return await _serve(request, "public", None, _not_found)
