"""The account model of the fake exchange: a pure ledger of USDT-M perpetual accounts.

:class:`Ledger` holds accounts (wallets, positions, orders, fills, income), prices and
contracts; its mutating calls take ``now_ms`` and return ``(result, effects)``, the
effects being the stream events BingX would push. :mod:`.render` turns the ledger into
BingX's REST ``data`` payloads and :mod:`.endpoints` maps every REST route onto both
(``ENDPOINTS``). See ``docs/account-model.md``.
"""

from __future__ import annotations

from .codes import Codes, CodeSet, Refused
from .contracts import CONTRACTS, DEFAULT_PRICES, Contract
from .effects import PRODUCT, Effect
from .endpoints import BUDGETS, ENDPOINTS, Endpoint, Handler, Outcome, call
from .ledger import FIRST_ORDER_ID, Ledger, OrderRequest, PositionMode
from .money import fixed, stream, to_decimal
from .state import Account, Balance, Fill, Income, Order, Position, Prices, Totals

__all__ = [
    "BUDGETS",
    "CONTRACTS",
    "DEFAULT_PRICES",
    "ENDPOINTS",
    "FIRST_ORDER_ID",
    "PRODUCT",
    "Account",
    "Balance",
    "CodeSet",
    "Codes",
    "Contract",
    "Effect",
    "Endpoint",
    "Fill",
    "Handler",
    "Income",
    "Ledger",
    "Order",
    "OrderRequest",
    "Outcome",
    "Position",
    "PositionMode",
    "Prices",
    "Refused",
    "Totals",
    "call",
    "fixed",
    "stream",
    "to_decimal",
]
