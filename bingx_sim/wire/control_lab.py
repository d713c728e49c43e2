"""The incident lab's control routes under ``/_sim/``: faults, incidents, key and socket
accidents, and the contract options in force. Thin like the rest of the control API:
JSON in, one operation of :class:`~bingx_sim.core.state.SimState`, JSON out."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bingx_sim.core.state import STATE, SimState
from bingx_sim.lab.faults import fault_from_json
from bingx_sim.lab.incidents import INCIDENTS
from bingx_sim.lab.stubs import stub_from_json
from bingx_sim.rules.params import ascii_int
from bingx_sim.wire.control_http import (
    CONTROL_PREFIX,
    ControlError,
    guarded,
    json_answer,
    read_body,
)

__all__ = ["lab_routes"]

log = logging.getLogger("bingx_sim.runners.sandbox")


def _state(request: web.Request) -> SimState:
    return request.app[STATE]


def _account(body: dict[str, Any], state: SimState, *, required: bool) -> str | None:
    account = body.get("account")
    if account is None and not required:
        return None
    if not isinstance(account, str) or state.exchange.account(account) is None:
        raise ControlError(404, f"no account with api key {account!r}")
    return account


async def add_fault(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    body = await read_body(request)
    _account(body, state, required=False)
    try:
        fault = fault_from_json(body)
    except (TypeError, ValueError) as error:
        raise ControlError(400, str(error)) from None
    active = state.inject(fault)
    return json_answer(active.view(), 201)


async def list_faults(request: web.Request) -> web.StreamResponse:
    return json_answer({"faults": [a.view() for a in _state(request).active_faults()]})


async def clear_faults(request: web.Request) -> web.StreamResponse:
    return json_answer({"cleared": _state(request).clear_faults()})


def _numeric_id(request: web.Request, name: str, what: str) -> int:
    raw = request.match_info[name]
    found = ascii_int(raw)
    if found is None:
        raise ControlError(404, f"no {what} {raw!r}")
    return found


async def fault_hits(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/faults/{id}``: how often the fault fired (active or spent)."""
    state = _state(request)
    fault_id = _numeric_id(request, "fault_id", "fault")
    try:
        hits = state.fault_hits(fault_id)
    except KeyError:
        raise ControlError(404, f"no fault {fault_id}") from None
    active = any(a.id == fault_id for a in state.active_faults())
    return json_answer({"id": fault_id, "hits": hits, "active": active})


async def clear_fault(request: web.Request) -> web.StreamResponse:
    fault_id = _numeric_id(request, "fault_id", "active fault")
    if not _state(request).clear_fault(fault_id):
        raise ControlError(404, f"no active fault {request.match_info['fault_id']!r}")
    return json_answer({"cleared": 1})


async def expire_key(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    if not _state(request).expire_key(key):
        raise ControlError(404, "no active listen key like that")
    return json_answer({"expired": key})


async def forget_key(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    if not _state(request).forget_key(key):
        raise ControlError(404, "no active listen key like that")
    return json_answer({"forgotten": key})


async def close_sockets(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    body = await read_body(request)
    account = _account(body, state, required=False)
    code, reason = body.get("code", 1001), body.get("reason", "")
    if isinstance(code, bool) or not isinstance(code, int) or not isinstance(reason, str):
        raise ControlError(400, "code must be an integer and reason a string")
    try:
        return json_answer({"closed": state.close_sockets(account, code, reason)})
    except ValueError as error:
        raise ControlError(400, str(error)) from None


async def add_stub(request: web.Request) -> web.StreamResponse:
    try:
        stub = stub_from_json(await read_body(request))
    except (TypeError, ValueError) as error:
        raise ControlError(400, str(error)) from None
    return json_answer(_state(request).add_stub(stub).view(), 201)


async def list_stubs(request: web.Request) -> web.StreamResponse:
    return json_answer({"stubs": [active.view() for active in _state(request).stubs]})


async def clear_stubs(request: web.Request) -> web.StreamResponse:
    return json_answer({"cleared": _state(request).clear_stubs()})


async def stub_view(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/stubs/{id}``: the stub, how often it answered, whether it is spent."""
    stub_id = _numeric_id(request, "stub_id", "stub")
    try:
        return json_answer(_state(request).stubs.find(stub_id).view())
    except KeyError:
        raise ControlError(404, f"no stub {stub_id}") from None


async def clear_stub(request: web.Request) -> web.StreamResponse:
    stub_id = _numeric_id(request, "stub_id", "active stub")
    if not _state(request).clear_stub(stub_id):
        raise ControlError(404, f"no active stub {request.match_info['stub_id']!r}")
    return json_answer({"cleared": 1})


def _options_view(state: SimState) -> dict[str, Any]:
    return {"options": state.options.as_json(), "changed": state.options.changed()}


async def options(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/options``: every contract option in force, and those that differ
    from the defaults (``changed``)."""
    return json_answer(_options_view(_state(request)))


async def set_options(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/options`` ``{"success_body": "json", ...}`` (or ``{"profile":
    "bingx-python"}``): change options while running, validated as ``Simulator(...)``
    validates them; a reset restores the ones the sandbox started with."""
    state = _state(request)
    body = await read_body(request)
    if not body:
        raise ControlError(400, "send an object of option names and values")
    try:
        state.set_options(body)
    except ValueError as error:
        raise ControlError(400, str(error)) from None
    return json_answer(_options_view(state))


async def list_incidents(request: web.Request) -> web.StreamResponse:
    return json_answer({"incidents": [incident.view() for incident in INCIDENTS.values()]})


async def run_incident(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    name = request.match_info["name"]
    incident = INCIDENTS.get(name)
    if incident is None:
        raise ControlError(404, f"no incident {name!r}; known: {', '.join(INCIDENTS)}")
    account = _account(await read_body(request), state, required=True)
    assert account is not None
    incident.apply(state, account)
    log.info("incident %s triggered for account %s", name, account[:8])
    return json_answer({"incident": name, "account": account})


def lab_routes() -> list[web.RouteDef]:
    p = CONTROL_PREFIX
    return [
        web.post(f"{p}/faults", guarded(add_fault)),
        web.get(f"{p}/faults", guarded(list_faults)),
        web.delete(f"{p}/faults", guarded(clear_faults)),
        web.get(f"{p}/faults/{{fault_id}}", guarded(fault_hits)),
        web.delete(f"{p}/faults/{{fault_id}}", guarded(clear_fault)),
        web.post(f"{p}/listen-keys/{{key}}/expire", guarded(expire_key)),
        web.post(f"{p}/listen-keys/{{key}}/forget", guarded(forget_key)),
        web.post(f"{p}/sockets/close", guarded(close_sockets)),
        web.get(f"{p}/options", guarded(options)),
        web.post(f"{p}/options", guarded(set_options)),
        web.post(f"{p}/stubs", guarded(add_stub)),
        web.get(f"{p}/stubs", guarded(list_stubs)),
        web.delete(f"{p}/stubs", guarded(clear_stubs)),
        web.get(f"{p}/stubs/{{stub_id}}", guarded(stub_view)),
        web.delete(f"{p}/stubs/{{stub_id}}", guarded(clear_stub)),
        web.get(f"{p}/incidents", guarded(list_incidents)),
        web.post(f"{p}/incidents/{{name}}", guarded(run_incident)),
    ]
