"""The REST endpoints of the exchange, one row each.

A row names the method, the path, how the caller is authenticated, which rate budget
it spends and the operation that answers it. The operations here only translate
parameters into one :class:`~bingx_sim.core.state.SimState` operation and its result
into the exchange's bytes; :mod:`bingx_sim.wire.pipeline` does everything around them.
"""

from __future__ import annotations

import re

from aiohttp import web

from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH, KeyOutcome
from bingx_sim.wire.pipeline import Answer, Call, Endpoint, json_bytes, route

__all__ = ["ENDPOINTS", "rest_routes"]

_KEY_SHAPE = re.compile(r"[0-9a-f]{64}")
_SUCCESS = {  # PUT/DELETE 200 bodies by ``success_body``
    "empty": b"",
    "json": b"{}",
    "envelope": b'{"code":0,"msg":"","data":{}}',
}


# listen keys ----------------------------------------------------------------------------


def generate_key(call: Call) -> Answer:
    assert call.caller is not None  # a POST always authenticates
    key = call.state.generate_key(call.caller.api_key)
    payload: object = {"listenKey": key.key}
    if call.state.options.post_shape == "wrapped":
        payload = {"code": 0, "msg": "", "data": payload}
    return Answer(200, json_bytes(payload))


def _change_key(call: Call, *, delete: bool) -> Answer:
    state = call.state
    source = call.params.query if state.options.listen_key_source == "query" else call.params.merged
    key = source.get("listenKey")
    owner = None if call.caller is None else call.caller.api_key
    outcome = state.change_key(owner, key, delete=delete)
    if outcome is KeyOutcome.MISSING:
        return Answer(204, violation="listenKey parameter missing")
    if outcome is KeyOutcome.NOT_FOUND:
        # An expired or deleted key is part of life; a key no exchange could have issued
        # is a client bug (a truncated or quoted key), so it is recorded as one.
        malformed = key is not None and _KEY_SHAPE.fullmatch(key) is None
        shape = f"malformed listenKey {key[:20]!r}" if malformed and key is not None else None
        return Answer(404, violation=shape)
    return Answer(200, _SUCCESS[state.options.success_body])


def extend_key(call: Call) -> Answer:
    return _change_key(call, delete=False)


def delete_key(call: Call) -> Answer:
    return _change_key(call, delete=True)


# the table ----------------------------------------------------------------------------

ENDPOINTS: tuple[Endpoint, ...] = (
    # BingX documents "rate limitation by UID: 2/s" on each listen-key page, and each
    # API its own limit: one budget per endpoint (docs/contract.md, "rate limit").
    Endpoint("POST", LISTEN_KEY_PATH, "listen-key", "listen-key POST", generate_key),
    Endpoint("PUT", LISTEN_KEY_PATH, "listen-key", "listen-key PUT", extend_key),
    Endpoint("DELETE", LISTEN_KEY_PATH, "listen-key", "listen-key DELETE", delete_key),
)
"""Every modelled REST endpoint."""


def rest_routes() -> list[web.RouteDef]:
    return [route(endpoint) for endpoint in ENDPOINTS]
