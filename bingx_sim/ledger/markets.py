"""Reference data a client loads before it trades: the currency list, as BingX answers
it, and (for the callers of earlier versions) the spot pairs and coin-M contracts, which
now come from the ledgers' tables.

What ccxt's ``load_markets`` calls besides the USDT-M contracts:

* ``GET /openApi/spot/v1/common/symbols`` (public): the spot ledger's pairs,
  :data:`bingx_sim.ledger.SPOT_SYMBOLS` (answered by :mod:`bingx_sim.ledger.spot_wire`;
  :func:`spot_symbols` here renders the same rows);
* ``GET /openApi/cswap/v1/market/contracts`` (public): the coin-M ledger's contracts,
  :data:`bingx_sim.ledger.COINM_CONTRACTS` (:mod:`bingx_sim.ledger.inverse_wire`;
  :func:`coinm_contracts` here);
* ``GET /openApi/wallets/v1/capital/config/getall`` (signed): :func:`currencies`, static.

Pure: no I/O, no clock (an envelope that carries a ``timestamp`` takes ``now_ms``).
:func:`wire_json` renders a payload the way the exchange writes it: numbers as their
decimal text (``0.00001``, never ``1e-05``), compact.

Sources of the currency list (facts only; every value not listed is inference and says
so where it is defined): envelope and types from JKorf/BingX.Net
``BingX.Net.UnitTests/Endpoints/Spot/Account/GetAssets.txt`` (recorded 2023-12:
``{"code":0,"timestamp":..,"data":[...]}``, **no** ``msg``; ``minConfirm`` an integer,
``isDefault``/``withdrawEnable``/``depositEnable`` booleans, amounts strings) and ccxt
4.5.90's ``bingx.fetch_currencies`` docstring (the later fields ``withdrawPrecision``,
``depositPrecision``, ``contractAddress``, ``needTagOrMemo`` as the string ``"false"``,
``displayName``); BingX's docs ("Query currency deposit and withdrawal data") name the
same fields. BTC's two networks: the ccxt docstring's values. Every other coin's
networks and fees: **inferred** (plausible, not recorded). The sources of the spot and
coin-M rows are in :mod:`bingx_sim.ledger.spot` and :mod:`bingx_sim.ledger.inverse`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from bingx_sim.ledger.inverse import COINM_CONTRACTS
from bingx_sim.ledger.inverse_wire import contract_row
from bingx_sim.ledger.money import wire_json
from bingx_sim.ledger.spot import SPOT_SYMBOLS, SpotSymbol

__all__ = [
    "COINM_CONTRACTS",
    "COINS",
    "SPOT_SYMBOLS",
    "Coin",
    "Network",
    "SpotSymbol",
    "coinm_answer",
    "coinm_contracts",
    "currencies",
    "currencies_answer",
    "spot_answer",
    "spot_symbols",
    "wire_json",
]

Json = Any


# ===================================================================== spot, coin-M


def spot_symbols(symbol: str | None = None) -> Json:
    """The ``data`` of ``GET /openApi/spot/v1/common/symbols`` for the default pairs:
    ``{"symbols": [...]}``, every row, or the one ``symbol`` names (none if unlisted)."""
    rows = [s.wire() for s in SPOT_SYMBOLS.values() if symbol is None or s.symbol == symbol]
    return {"symbols": rows}


def spot_answer(data: Json) -> Json:
    """The spot envelope: ``debugMsg`` after ``msg``, no ``timestamp``."""
    return {"code": 0, "msg": "", "debugMsg": "", "data": data}


def coinm_contracts(symbol: str | None = None) -> Json:
    """The ``data`` of ``GET /openApi/cswap/v1/market/contracts`` for the default
    contracts: always an array."""
    return [contract_row(c) for c in COINM_CONTRACTS.values() if symbol in (None, c.symbol)]


def coinm_answer(data: Json, now_ms: int) -> Json:
    """The coin-M envelope: ``timestamp`` between ``msg`` and ``data``."""
    return {"code": 0, "msg": "", "timestamp": now_ms, "data": data}


# ======================================================================== currencies


@dataclass(frozen=True, slots=True)
class Network:
    """One entry of a coin's ``networkList``."""

    network: str  # network, its id (ccxt's network code unless it maps it)
    withdraw_fee: str  # withdrawFee
    withdraw_min: str  # withdrawMin
    withdraw_max: str  # withdrawMax
    deposit_min: str  # depositMin
    min_confirm: int  # minConfirm (an integer in the recorded answer)
    precision: int = 8  # withdrawPrecision and depositPrecision
    deposit_precision: int | None = None  # depositPrecision when it differs
    is_default: bool = True  # isDefault
    contract_address: str = ""  # contractAddress: "" on a coin's own chain
    withdraw_enable: bool = True  # withdrawEnable
    deposit_enable: bool = True  # depositEnable

    def wire(self, coin: str) -> Json:
        deposit_precision = (
            self.precision if self.deposit_precision is None else self.deposit_precision
        )
        return {
            "name": coin,
            "network": self.network,
            "isDefault": self.is_default,
            "minConfirm": self.min_confirm,
            "withdrawEnable": self.withdraw_enable,
            "depositEnable": self.deposit_enable,
            "withdrawFee": self.withdraw_fee,
            "withdrawMax": self.withdraw_max,
            "withdrawMin": self.withdraw_min,
            "depositMin": self.deposit_min,
            "withdrawPrecision": self.precision,
            "depositPrecision": deposit_precision,
            "contractAddress": self.contract_address,
            "needTagOrMemo": "false",
            "displayName": coin if self.network == coin else f"{coin}{self.network}",
        }


@dataclass(frozen=True, slots=True)
class Coin:
    """One coin of ``getall``: its id, name and networks."""

    coin: str  # coin
    name: str  # name
    networks: tuple[Network, ...]  # networkList

    def wire(self) -> Json:
        return {
            "coin": self.coin,
            "name": self.name,
            "networkList": [n.wire(self.coin) for n in self.networks],
        }


_BEP20_BTC: Final = "0x7130d2a12b9bcbfae4f2634d864a1ee1ce3ead9c"
_ERC20_USDT: Final = "0xdac17f958d2ee523a2206206994597c13d831ec7"
_TRC20_USDT: Final = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

COINS: Mapping[str, Coin] = MappingProxyType(
    {
        c.coin: c
        for c in (
            # Recorded (ccxt's fetch_currencies docstring).
            Coin(
                "BTC",
                "BTC",
                (
                    Network("BTC", "0.00004", "0.000046", "64.77131128", "0.00009", 2),
                    Network(
                        "BEP20",
                        "0.000001",
                        "0.000065",
                        "64.77131128",
                        "0.000012",
                        10,
                        deposit_precision=18,
                        contract_address=_BEP20_BTC,
                    ),
                ),
            ),
            # Inferred from here on: each coin's own chain, plausible fees and limits.
            Coin(
                "USDT",
                "USDT",
                (
                    Network(
                        "TRC20",
                        "1",
                        "10",
                        "1000000",
                        "1",
                        20,
                        precision=6,
                        contract_address=_TRC20_USDT,
                    ),
                    Network(
                        "ERC20",
                        "3",
                        "10",
                        "1000000",
                        "10",
                        12,
                        precision=6,
                        is_default=False,
                        contract_address=_ERC20_USDT,
                    ),
                ),
            ),
            Coin("ETH", "ETH", (Network("ERC20", "0.0012", "0.005", "500", "0.001", 12),)),
            Coin("SOL", "SOL", (Network("SOL", "0.01", "0.1", "20000", "0.01", 1),)),
            Coin("LTC", "LTC", (Network("LTC", "0.001", "0.01", "20000", "0.01", 4),)),
            Coin("ADA", "ADA", (Network("ADA", "1", "10", "5000000", "1", 15, precision=6),)),
            Coin("XRP", "XRP", (Network("XRP", "0.2", "20", "5000000", "1", 1, precision=6),)),
            Coin("DOGE", "DOGE", (Network("DOGE", "4", "40", "20000000", "10", 20),)),
        )
    }
)
"""The currency list by coin: the coins of the USDT-M contracts and of the spot and
coin-M rows above, plus USDT."""


def currencies(coin: str | None = None) -> Json:
    """The ``data`` of ``GET /openApi/wallets/v1/capital/config/getall``: every coin, or
    the one ``coin`` names (none for a coin not listed here)."""
    return [c.wire() for c in COINS.values() if coin is None or c.coin == coin]


def currencies_answer(data: Json, now_ms: int) -> Json:
    """The wallet envelope: ``code``, ``timestamp``, ``data``; no ``msg``."""
    return {"code": 0, "timestamp": now_ms, "data": data}
