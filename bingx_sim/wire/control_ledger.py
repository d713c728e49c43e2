"""The account model's control routes under ``/_sim/``: prices, money in and out,
forced fills, funding, liquidation, orders placed by the test, and the ledger's state,
for every product: a body's (or the ledger view's query's) ``product`` names the wallet
(``"swap"`` USDT-M, the default; ``"spot"``; ``"coinm"``).

Thin like the rest of the control API: JSON in, one operation of
:class:`~bingx_sim.core.state.SimState`, JSON out. Money travels as JSON strings (a
number is accepted and read through ``str``, never through a float's binary value); an
exchange refusal answers 400 with the exchange's ``code`` and ``msg``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from bingx_sim.core.state import SimState
from bingx_sim.ledger import Refused
from bingx_sim.rules.params import ascii_int
from bingx_sim.wire.control_http import (
    CONTROL_PREFIX,
    ControlError,
    guarded,
    json_answer,
    read_body,
    state_of,
)

__all__ = ["ledger_routes"]

T = TypeVar("T")


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ControlError(400, f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ControlError(400, f"{name} must be a string (a decimal number as text)")
    return str(value)


def _required(body: dict[str, Any], name: str) -> str:
    value = _text(body, name)
    assert value is not None
    return value


def _account(request: web.Request) -> tuple[SimState, str]:
    state = state_of(request)
    api_key = request.match_info["api_key"]
    if state.exchange.account(api_key) is None:
        raise ControlError(404, f"no account with api key {api_key!r}")
    return state, api_key


def _run(operation: Callable[[], T]) -> T:
    """An operation's refusals as the control API's 400s (nothing changed)."""
    try:
        return operation()
    except Refused as refused:
        raise ControlError(400, f"{refused.error.code}: {refused.error.msg}") from None
    except (KeyError, ValueError, TypeError) as error:
        raise ControlError(400, str(error.args[0]) if error.args else str(error)) from None


async def set_price(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/prices`` ``{"symbol": "BTC-USDT", "price": "50000"}`` (optional
    ``last``, ``index``, ``product``): the events it pushed."""
    state = state_of(request)
    body = await read_body(request)
    symbol, price = _required(body, "symbol"), _required(body, "price")
    last, index = _text(body, "last", required=False), _text(body, "index", required=False)
    product = _product(body)
    pushed = _run(lambda: state.set_price(symbol, price, last=last, index=index, product=product))
    return json_answer({"symbol": symbol, "events": pushed})


async def script_prices(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/prices/script`` ``{"symbol": .., "steps": [[epoch_ms, "price"], ..]}``
    (or ``{"after_ms": n, "price": ..}`` objects, relative to now)."""
    state = state_of(request)
    body = await read_body(request)
    symbol = _required(body, "symbol")
    raw = body.get("steps")
    if not isinstance(raw, list):
        raise ControlError(400, "steps must be a list of [epoch_ms, price] pairs")
    now = state.now_ms()
    steps: list[tuple[int, str]] = []
    for step in raw:
        if isinstance(step, list) and len(step) == 2:
            at, price = step
        elif isinstance(step, dict) and set(step) == {"after_ms", "price"}:
            after = step["after_ms"]
            at = now + after if isinstance(after, int) and not isinstance(after, bool) else None
            price = step["price"]
        else:
            raise ControlError(400, f"a step is [epoch_ms, price] or {{after_ms, price}}: {step}")
        if isinstance(price, bool) or not isinstance(price, str | int | float):
            raise ControlError(400, f"a step's price is a decimal string: {step}")
        steps.append((at, str(price)))
    pending = _run(lambda: state.script_prices(symbol, steps))
    return json_answer({"symbol": symbol, "pending": pending})


def _money(name: str, act: Callable[[SimState, str, str, str, str], str]) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        state, api_key = _account(request)
        body = await read_body(request)
        asset, amount = _required(body, "asset"), _required(body, "amount")
        product = _product(body)
        balance = _run(lambda: act(state, api_key, asset, amount, product))
        return json_answer({"asset": asset, "balance": balance})

    handler.__name__ = name
    return handler


def _product(body: dict[str, Any]) -> str:
    return _text(body, "product", required=False) or "swap"


async def place_order(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/accounts/{api_key}/orders`` with BingX's place-order parameters
    (and ``product``: which product's endpoint places it)."""
    state, api_key = _account(request)
    body = await read_body(request)
    product = _product(body)
    params = {
        k: "true" if v is True else "false" if v is False else str(v)
        for k, v in body.items()
        if k != "product"
    }
    return json_answer({"data": _run(lambda: state.place_order(api_key, params, product))}, 201)


async def fill(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/accounts/{api_key}/fills`` ``{"order_id": .., "qty": ..}``
    (optional ``price``): a forced partial fill; the order after it."""
    state, api_key = _account(request)
    body = await read_body(request)
    order_id = body.get("order_id")
    if isinstance(order_id, str):
        order_id = ascii_int(order_id)
    if isinstance(order_id, bool) or not isinstance(order_id, int):
        raise ControlError(400, "order_id must be an integer (or its digits as a string)")
    qty, price = _required(body, "qty"), _text(body, "price", required=False)
    return json_answer({"order": _run(lambda: state.fill(api_key, order_id, qty, price))})


async def funding(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/funding`` ``{"symbol": .., "rate": "0.0001"}`` (``product``
    ``swap`` or ``coinm``): the events pushed."""
    state = state_of(request)
    body = await read_body(request)
    symbol, rate, product = _required(body, "symbol"), _required(body, "rate"), _product(body)
    return json_answer({"events": _run(lambda: state.funding(symbol, rate, product))})


async def liquidate(request: web.Request) -> web.StreamResponse:
    """``POST /_sim/accounts/{api_key}/liquidation`` ``{"symbol": ..}`` (``product``
    ``swap`` or ``coinm``)."""
    state, api_key = _account(request)
    body = await read_body(request)
    symbol, product = _required(body, "symbol"), _product(body)
    return json_answer({"orders": _run(lambda: state.liquidate(api_key, symbol, product))})


async def ledger_view(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/accounts/{api_key}/ledger[?product=spot|coinm]``: balance,
    positions (not on spot), open orders, as the account's REST endpoints answer them."""
    state, api_key = _account(request)
    product = request.query.get("product") or "swap"
    return json_answer(_run(lambda: state.account_view(api_key, product)))


def ledger_routes() -> list[web.RouteDef]:
    p = CONTROL_PREFIX
    return [
        web.post(f"{p}/prices", guarded(set_price)),
        web.post(f"{p}/prices/script", guarded(script_prices)),
        web.post(f"{p}/funding", guarded(funding)),
        web.post(f"{p}/accounts/{{api_key}}/deposit", guarded(_money("deposit", SimState.deposit))),
        web.post(
            f"{p}/accounts/{{api_key}}/withdraw", guarded(_money("withdraw", SimState.withdraw))
        ),
        web.post(f"{p}/accounts/{{api_key}}/orders", guarded(place_order)),
        web.post(f"{p}/accounts/{{api_key}}/fills", guarded(fill)),
        web.post(f"{p}/accounts/{{api_key}}/liquidation", guarded(liquidate)),
        web.get(f"{p}/accounts/{{api_key}}/ledger", guarded(ledger_view)),
    ]
