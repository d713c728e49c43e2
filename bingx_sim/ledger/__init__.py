"""The account model of the fake exchange: pure ledgers of USDT-M, spot and coin-M
accounts, one per product (separate wallets, as on BingX).

:class:`Ledger` holds USDT-M perpetual accounts (wallets, positions, orders, fills,
income), prices and contracts; its mutating calls take ``now_ms`` and return ``(result,
effects)``, the effects being the stream events BingX would push. :mod:`.render` turns
it into BingX's REST ``data`` payloads and :mod:`.endpoints` maps every USDT-M REST route
onto both (``ENDPOINTS``). :class:`~.spot.SpotLedger` (``free``/``locked`` wallets,
spot orders; REST in :mod:`.spot_wire`) and :class:`~.inverse.InverseLedger` (coin-M:
the USDT-M ledger with inverse money; REST in :mod:`.inverse_wire`) are the other two;
:class:`~.products.Books` holds all three and :data:`~.products.ROUTES` routes every
REST path to its product. See ``docs/account-model.md``.
"""

from __future__ import annotations

from .codes import Codes, CodeSet, Refused
from .contracts import CONTRACTS, DEFAULT_PRICES, Contract
from .effects import PRODUCT, Effect
from .endpoints import BUDGETS, ENDPOINTS, Endpoint, Handler, Outcome, call
from .inverse import COINM_CONTRACTS, COINM_PRICES, InverseLedger
from .ledger import FIRST_ORDER_ID, Ledger, OrderRequest, PositionMode
from .money import fixed, plain, stream, to_decimal, wire_json
from .products import PRODUCTS, ROUTES, Books, Route, StartingBalances, split_balances
from .spot import SPOT_PRICES, SPOT_SYMBOLS, SpotLedger, SpotOrderRequest, SpotSymbol
from .state import Account, Balance, Fill, Income, Order, Position, Prices, Totals

__all__ = [
    "BUDGETS",
    "COINM_CONTRACTS",
    "COINM_PRICES",
    "CONTRACTS",
    "DEFAULT_PRICES",
    "ENDPOINTS",
    "FIRST_ORDER_ID",
    "PRODUCT",
    "PRODUCTS",
    "ROUTES",
    "SPOT_PRICES",
    "SPOT_SYMBOLS",
    "Account",
    "Balance",
    "Books",
    "CodeSet",
    "Codes",
    "Contract",
    "Effect",
    "Endpoint",
    "Fill",
    "Handler",
    "Income",
    "InverseLedger",
    "Ledger",
    "Order",
    "OrderRequest",
    "Outcome",
    "Position",
    "PositionMode",
    "Prices",
    "Refused",
    "Route",
    "SpotLedger",
    "SpotOrderRequest",
    "SpotSymbol",
    "StartingBalances",
    "Totals",
    "call",
    "fixed",
    "plain",
    "split_balances",
    "stream",
    "to_decimal",
    "wire_json",
]
