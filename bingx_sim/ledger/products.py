"""The three products of one exchange as one concept: USDT-M (``swap``), spot and coin-M
(``coinm``) are separate wallets on BingX, so each has its own ledger; :class:`Books`
holds the three, opens an account in all of them at once, and :data:`ROUTES` says which
product answers each REST route and in which envelope.

Starting balances (``Books.open_account``, and through it ``add_account(balances=)``):

* ``{"USDT": "10000"}`` — the USDT-M wallet, as before there were other products;
* ``{"swap": {"USDT": "10000"}, "spot": {"USDT": "500", "BTC": "0.1"},
  "coinm": {"BTC": "1"}}`` — per product (any subset of the three).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal, NamedTuple

from . import endpoints as swap_endpoints
from . import inverse_wire, spot_wire
from .inverse import InverseLedger
from .ledger import Ledger
from .money import wire_json
from .spot import Effect, SpotLedger
from .spot_wire import Envelope

__all__ = [
    "PLACE_PATHS",
    "PRODUCTS",
    "QUERY_PATHS",
    "ROUTES",
    "VIEW_PATHS",
    "Books",
    "Product",
    "Route",
    "StartingBalances",
    "answer",
    "call",
    "error_body",
    "split_balances",
]

Product = Literal["swap", "spot", "coinm"]
PRODUCTS: Final[tuple[Product, ...]] = ("swap", "spot", "coinm")

Amount = str | int | Decimal
StartingBalances = Mapping[str, Amount | Mapping[str, Amount]]
"""``{asset: amount}`` (USDT-M) or ``{product: {asset: amount}}``."""


class Route(NamedTuple):
    """Which product answers a REST route, how it is authenticated, which budget group
    it spends, and its answer's envelope."""

    product: Product
    auth: Literal["signed", "public"]
    budget: str
    envelope: Envelope


ROUTES: Final[Mapping[tuple[str, str], Route]] = {
    **{
        key: Route("swap", row.auth, row.budget, "swap")
        for key, row in swap_endpoints.ENDPOINTS.items()
    },
    **{
        key: Route("spot", row.auth, row.budget, row.envelope)
        for key, row in spot_wire.SPOT_ENDPOINTS.items()
    },
    **{
        key: Route("coinm", row.auth, row.budget, row.envelope)
        for key, row in inverse_wire.COINM_ENDPOINTS.items()
    },
}
"""Every REST route of the account model, of every product."""


def split_balances(balances: StartingBalances | None) -> dict[Product, dict[str, Amount]]:
    """Starting balances per product (``ValueError`` for a mix of the two forms or a
    product whose value is not an ``{asset: amount}`` mapping)."""
    if balances is None:
        return {}
    keyed = [k for k in balances if k in PRODUCTS]
    if not keyed:
        flat: dict[str, Amount] = {}
        for asset, amount in balances.items():
            if isinstance(amount, Mapping):
                raise ValueError(f"{asset!r} is not a product: swap, spot or coinm")
            flat[asset] = amount
        return {"swap": flat}
    if len(keyed) != len(balances):
        raise ValueError(
            "balances are {asset: amount} (USDT-M) or {product: {asset: amount}}, not a mix"
        )
    split: dict[Product, dict[str, Amount]] = {}
    for product in PRODUCTS:
        value = balances.get(product)
        if value is None:
            continue
        if not isinstance(value, Mapping):
            raise ValueError(f"balances[{product!r}] is an {{asset: amount}} mapping")
        split[product] = dict(value)
    return split


def _decimals(amounts: Mapping[str, Amount] | None) -> dict[str, str | Decimal] | None:
    if amounts is None:
        return None
    return {k: v if isinstance(v, Decimal) else str(v) for k, v in amounts.items()}


@dataclass(slots=True)
class Books:
    """The ledgers of one exchange, one per product."""

    swap: Ledger
    spot: SpotLedger
    coinm: InverseLedger

    def of(self, product: str) -> Ledger | SpotLedger:
        """The ledger of ``product`` (``ValueError`` for another name)."""
        if product == "swap":
            return self.swap
        if product == "spot":
            return self.spot
        if product == "coinm":
            return self.coinm
        raise ValueError(f"product must be one of {', '.join(PRODUCTS)}, not {product!r}")

    def open_account(self, api_key: str, balances: StartingBalances | None = None) -> None:
        """Open ``api_key``'s wallet in every product with its starting balances; all or
        nothing (``ValueError`` leaves every ledger as it was)."""
        split = split_balances(balances)
        saved = (dict(self.swap._next), dict(self.coinm._next), self.spot._next_user)
        try:
            self.swap.open_account(api_key, _decimals(split.get("swap")))
            self.spot.open_account(api_key, _decimals(split.get("spot")))
            self.coinm.open_account(api_key, _decimals(split.get("coinm")) or {})
        except ValueError:
            for book in (self.swap, self.spot, self.coinm):
                book.accounts.pop(api_key, None)
            self.swap._next, self.coinm._next, self.spot._next_user = saved
            raise

    def has_account(self, api_key: str) -> bool:
        return api_key in self.swap.accounts


def call(
    books: Books,
    method: str,
    path: str,
    api_key: str,
    params: Mapping[str, str],
    now_ms: int,
) -> tuple[Any, list[Effect]]:
    """One request to whichever product's ledger answers the route (``KeyError`` for a
    route no product has)."""
    product = ROUTES[(method, path)].product
    if product == "spot":
        return spot_wire.call(books.spot, method, path, api_key, params, now_ms)
    if product == "coinm":
        return inverse_wire.call(books.coinm, method, path, api_key, params, now_ms)
    return swap_endpoints.call(books.swap, method, path, api_key, params, now_ms)


def answer(envelope: Envelope, data: object, now_ms: int) -> bytes:
    """A successful answer's bytes in its product's envelope: USDT-M ``{code, msg,
    data}`` (no ``data`` when it is ``None``); spot ``{code, msg, debugMsg, data}``;
    coin-M and the spot ticker ``{code, msg, timestamp, data}``. Decimals in ``data``
    are written as exact JSON numbers."""
    body: dict[str, Any] = {"code": 0, "msg": ""}
    if envelope == "spot":
        body["debugMsg"] = ""
    elif envelope == "timestamped":
        body["timestamp"] = now_ms
    if data is not None:
        body["data"] = data
    return wire_json(body)


def error_body(envelope: Envelope, code: int, msg: str, now_ms: int) -> bytes:
    """A refusal's bytes: spot's carry ``debugMsg`` (``{"code":100421,"msg":"...",
    "debugMsg":""}`` in ccxt's recorded comments), the others ``timestamp``."""
    if envelope == "spot":
        return wire_json({"code": code, "msg": msg, "debugMsg": ""})
    return wire_json({"code": code, "msg": msg, "timestamp": now_ms})


PLACE_PATHS: Final[Mapping[str, str]] = {
    "swap": "/openApi/swap/v2/trade/order",
    "spot": "/openApi/spot/v1/trade/order",
    "coinm": "/openApi/cswap/v1/trade/order",
}
"""Where each product places an order (what ``place_order(product=)`` calls)."""

QUERY_PATHS: Final[Mapping[str, str]] = {
    "swap": "/openApi/swap/v2/trade/order",
    "spot": "/openApi/spot/v1/trade/query",
    "coinm": "/openApi/cswap/v1/trade/orderDetail",
}
"""Where each product answers one order."""

VIEW_PATHS: Final[Mapping[str, Mapping[str, str]]] = {
    "swap": {
        "balance": "/openApi/swap/v2/user/balance",
        "positions": "/openApi/swap/v2/user/positions",
        "openOrders": "/openApi/swap/v2/trade/openOrders",
    },
    "spot": {
        "balance": "/openApi/spot/v1/account/balance",
        "openOrders": "/openApi/spot/v1/trade/openOrders",
    },
    "coinm": {
        "balance": "/openApi/cswap/v1/user/balance",
        "positions": "/openApi/cswap/v1/user/positions",
        "openOrders": "/openApi/cswap/v1/trade/openOrders",
    },
}
"""An account as REST shows it, per product: the reads ``account_view`` makes."""
