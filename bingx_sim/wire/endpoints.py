"""The REST endpoints of the exchange, one row each.

A row names the method, the path, how the caller is authenticated, which rate budget
it spends and the operation that answers it. The operations here only translate
parameters into one :class:`~bingx_sim.core.state.SimState` operation and its result
into the exchange's bytes; :mod:`bingx_sim.wire.pipeline` does everything around them.
"""

from __future__ import annotations

import re

from aiohttp import web

from bingx_sim.ledger import ROUTES as LEDGER_ROUTES
from bingx_sim.ledger import Refused, Route, markets, products
from bingx_sim.rules import errors
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH, KeyOutcome
from bingx_sim.wire.pipeline import Answer, Call, Endpoint, Operation, json_bytes, route

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


# the account model ----------------------------------------------------------------------
# Every product's ledger rows (bingx_sim.ledger.ROUTES: USDT-M, spot, coin-M), each answered
# in its product's envelope; spot's refusals carry debugMsg as spot's errors do.


def _modelled(method: str, path: str, route: Route) -> Operation:
    """The operation of one ledger row: the same call a test's ``place_order`` makes."""

    def operation(call: Call) -> Answer:
        state = call.state
        api_key = None if call.caller is None else call.caller.api_key
        try:
            data = state.ledger_request(method, path, api_key, call.params.merged)
        except Refused as refused:
            error = refused.error
            if route.product != "spot":
                return Answer.error(state, error)
            body = products.error_body("spot", error.code, error.msg, state.wall.now_ms())
            violation = errors.violation_text(error) if error.violation else None
            return Answer(state.options.error_status, body, error.code, violation)
        return Answer(200, products.answer(route.envelope, data, state.now_ms()))

    return operation


_BUDGET_PREFIX = {"swap": "swap", "spot": "spot", "coinm": "cswap"}


def _ledger_rows() -> tuple[Endpoint, ...]:
    return tuple(
        Endpoint(
            method,
            path,
            route.auth,
            f"{_BUDGET_PREFIX[route.product]} {route.budget}",
            _modelled(method, path, route),
        )
        for (method, path), route in LEDGER_ROUTES.items()
    )


# reference data: the currency list (bingx_sim.ledger.markets, static) ---------------------


def currencies(call: Call) -> Answer:
    data = markets.currencies(call.params.merged.get("coin") or None)
    return Answer(200, markets.wire_json(markets.currencies_answer(data, call.state.now_ms())))


# the table ----------------------------------------------------------------------------

ENDPOINTS: tuple[Endpoint, ...] = (
    # BingX documents "rate limitation by UID: 2/s" on each listen-key page, and each
    # API its own limit: one budget per endpoint (docs/contract.md, "rate limit").
    Endpoint("POST", LISTEN_KEY_PATH, "listen-key", "listen-key POST", generate_key),
    Endpoint("PUT", LISTEN_KEY_PATH, "listen-key", "listen-key PUT", extend_key),
    Endpoint("DELETE", LISTEN_KEY_PATH, "listen-key", "listen-key DELETE", delete_key),
    # USDT-M, spot and coin-M trading and market data, answered from their ledgers
    # (bingx_sim.ledger: the spot pairs and coin-M contracts ccxt's load_markets reads too).
    *_ledger_rows(),
    # The currency list load_markets reads with credentials: reference data.
    Endpoint(
        "GET", "/openApi/wallets/v1/capital/config/getall", "signed", "wallets account", currencies
    ),
)
"""Every modelled REST endpoint."""


def rest_routes() -> list[web.RouteDef]:
    return [route(endpoint) for endpoint in ENDPOINTS]
