"""Reference data a client loads before it trades: spot symbols, coin-M contracts and
the currency list, as BingX answers them.

Three endpoints, which ccxt's ``load_markets`` calls besides the USDT-M contracts (those
come from the ledger, :data:`bingx_sim.ledger.CONTRACTS`):

* ``GET /openApi/spot/v1/common/symbols`` (public): :func:`spot_symbols`;
* ``GET /openApi/cswap/v1/market/contracts`` (public): :func:`coinm_contracts`;
* ``GET /openApi/wallets/v1/capital/config/getall`` (signed): :func:`currencies`.

**Static reference data.** There is no spot or coin-M ledger yet (the spot and coin-M
account model is a later issue): nothing here trades, and nothing here changes with the
prices a test sets. The rows cover the coins of the USDT-M contract table plus USDT.

Pure: no I/O, no clock (an envelope that carries a ``timestamp`` takes ``now_ms``).
:func:`wire_json` renders a payload the way the exchange writes it: numbers as their
decimal text (``0.00001``, never ``1e-05``), compact.

Sources, and what each fixed (facts only; every value not listed here is inference and
says so where it is defined):

* **Spot** (``symbols``). Field names, types and envelope: JKorf/BingX.Net
  ``BingX.Net.UnitTests/Endpoints/Spot/ExchangeData/GetSymbols.txt`` (recorded 2023-12:
  ``{"code":0,"msg":"","debugMsg":"","data":{"symbols":[...]}}``, no ``timestamp``;
  ``minQty``/``maxQty``/``minNotional``/``maxNotional``/``tickSize``/``stepSize`` JSON
  numbers, ``status`` an integer) and ccxt 4.5.90's ``bingx.fetch_spot_markets``
  docstring (the same envelope; ``apiStateSell``/``apiStateBuy`` booleans,
  ``timeOnline``/``offTime``/``maintainTime`` integers). ``displayName``: BingX's API
  docs ("Spot trading symbols"). Values of BTC, SOL, LTC, ADA and XRP-USDT: ccxt
  ``ts/src/test/static/markets/bingx.json`` (the ``info`` of each spot market).
  ETH-USDT and DOGE-USDT: **inferred** (no recorded row was found).
* **Coin-M** (``contracts``). Envelope and types: ccxt 4.5.90's
  ``bingx.fetch_inverse_swap_markets`` docstring (``{"code":0,"msg":"","timestamp":..,
  "data":[...]}``; ``pricePrecision``/``status``/``timeOnline`` numbers, ``minTickSize``
  /``minTradeValue``/``minQty`` strings) and BingX's docs ("Contract Information": code,
  msg, timestamp, data). BTC-USD's values: ccxt ``ts/src/test/static/response/
  bingx.json`` (``fetchInverseSwapMarkets``), which also shows ``displayName``. ccxt
  reads ``minTickSize`` as the contract size (USD per contract). ETH-USD: **inferred**
  from the docstring's BNB-USD row (10 USD contracts for coins other than BTC).
* **Currencies** (``getall``). Envelope and types: JKorf/BingX.Net
  ``BingX.Net.UnitTests/Endpoints/Spot/Account/GetAssets.txt`` (recorded 2023-12:
  ``{"code":0,"timestamp":..,"data":[...]}``, **no** ``msg``; ``minConfirm`` an
  integer, ``isDefault``/``withdrawEnable``/``depositEnable`` booleans, amounts strings)
  and ccxt 4.5.90's ``bingx.fetch_currencies`` docstring (the later fields
  ``withdrawPrecision``, ``depositPrecision``, ``contractAddress``, ``needTagOrMemo`` as
  the string ``"false"``, ``displayName``); BingX's docs ("Query currency deposit and
  withdrawal data") name the same fields. BTC's two networks: the ccxt docstring's
  values. Every other coin's networks and fees: **inferred** (plausible, not recorded).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

__all__ = [
    "COINM_CONTRACTS",
    "COINS",
    "SPOT_SYMBOLS",
    "Coin",
    "CoinMContract",
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


# ============================================================================== spot


@dataclass(frozen=True, slots=True)
class SpotSymbol:
    """One row of ``GET /openApi/spot/v1/common/symbols`` (wire names in comments)."""

    symbol: str  # symbol, BASE-QUOTE
    min_qty: Decimal  # minQty (deprecated by BingX: minNotional / price)
    max_qty: Decimal  # maxQty (deprecated by BingX: maxNotional / price)
    min_notional: Decimal  # minNotional
    max_notional: Decimal  # maxNotional
    tick_size: Decimal  # tickSize
    step_size: Decimal  # stepSize
    status: int = 1  # status: 0 offline, 1 online, 5 pre-open, 25 suspended
    api_state_buy: bool = True  # apiStateBuy
    api_state_sell: bool = True  # apiStateSell
    time_online: int = 0  # timeOnline (0 in every recorded row)
    off_time: int = 0  # offTime
    maintain_time: int = 0  # maintainTime

    def wire(self) -> Json:
        return {
            "symbol": self.symbol,
            "minQty": self.min_qty,
            "maxQty": self.max_qty,
            "minNotional": self.min_notional,
            "maxNotional": self.max_notional,
            "status": self.status,
            "tickSize": self.tick_size,
            "stepSize": self.step_size,
            "apiStateSell": self.api_state_sell,
            "apiStateBuy": self.api_state_buy,
            "timeOnline": self.time_online,
            "offTime": self.off_time,
            "maintainTime": self.maintain_time,
            "displayName": self.symbol,
        }


def _spot(
    symbol: str, qty: tuple[str, str], notional: tuple[str, str], tick: str, step: str
) -> SpotSymbol:
    return SpotSymbol(
        symbol=symbol,
        min_qty=Decimal(qty[0]),
        max_qty=Decimal(qty[1]),
        min_notional=Decimal(notional[0]),
        max_notional=Decimal(notional[1]),
        tick_size=Decimal(tick),
        step_size=Decimal(step),
    )


SPOT_SYMBOLS: Mapping[str, SpotSymbol] = MappingProxyType(
    {
        s.symbol: s
        for s in (
            # Recorded (ccxt's static markets, see the module docstring).
            _spot(
                "BTC-USDT",
                ("0.0001826", "18.2663756"),
                ("5", "5260122.38270638"),
                "0.01",
                "0.00001",
            ),
            _spot(
                "SOL-USDT", ("0.2395", "23957.8343"), ("5", "12757751.04936593"), "0.01", "0.0001"
            ),
            _spot("LTC-USDT", ("0.0537", "5376.3441"), ("5", "2193405.48863296"), "0.01", "0.0001"),
            _spot("ADA-USDT", ("13.27", "1327316.17"), ("5", "2006885.82387116"), "0.0001", "0.01"),
            _spot("XRP-USDT", ("11.21", "1121352.81"), ("5", "4527307.65147932"), "0.0001", "0.01"),
            # Inferred: ETH like BTC's pattern at ETH's price (minQty = 5 / 3400 on the
            # step); DOGE like the recorded TRX-USDT row, a coin of similar price.
            _spot("ETH-USDT", ("0.0015", "1470.5882"), ("5", "5000000"), "0.01", "0.0001"),
            _spot("DOGE-USDT", ("33.4", "33333333.3"), ("5", "5000000"), "0.00001", "0.1"),
        )
    }
)
"""Spot symbols by symbol."""


def spot_symbols(symbol: str | None = None) -> Json:
    """The ``data`` of ``GET /openApi/spot/v1/common/symbols``: ``{"symbols": [...]}``,
    every row, or the one ``symbol`` names (none for a symbol not listed here)."""
    rows = [s.wire() for s in SPOT_SYMBOLS.values() if symbol is None or s.symbol == symbol]
    return {"symbols": rows}


def spot_answer(data: Json) -> Json:
    """The spot envelope: ``debugMsg`` after ``msg``, no ``timestamp``."""
    return {"code": 0, "msg": "", "debugMsg": "", "data": data}


# ============================================================================ coin-M


@dataclass(frozen=True, slots=True)
class CoinMContract:
    """One row of ``GET /openApi/cswap/v1/market/contracts``."""

    symbol: str  # symbol, BASE-USD
    price_precision: int  # pricePrecision (a number)
    contract_size_usd: str  # minTickSize (a string): USD per contract, ccxt's contractSize
    min_trade_value: str  # minTradeValue (a string)
    min_qty: str  # minQty (a string, 8 decimals), in contracts
    time_online: int  # timeOnline, epoch ms
    status: int = 1  # status: 1 online

    def wire(self) -> Json:
        return {
            "symbol": self.symbol,
            "pricePrecision": self.price_precision,
            "minTickSize": self.contract_size_usd,
            "minTradeValue": self.min_trade_value,
            "minQty": self.min_qty,
            "status": self.status,
            "timeOnline": self.time_online,
            "displayName": self.symbol,
        }


COINM_CONTRACTS: Mapping[str, CoinMContract] = MappingProxyType(
    {
        c.symbol: c
        for c in (
            # Recorded (ccxt's static response).
            CoinMContract("BTC-USD", 1, "100", "100", "1.00000000", 1710738000000),
            # Inferred: 10 USD contracts as the docstring's BNB-USD; ETH's 2 price
            # decimals as its USDT-M contract; BTC-USD's listing time.
            CoinMContract("ETH-USD", 2, "10", "10", "1.00000000", 1710738000000),
        )
    }
)
"""Coin-M perpetuals by symbol."""


def coinm_contracts(symbol: str | None = None) -> Json:
    """The ``data`` of ``GET /openApi/cswap/v1/market/contracts``: always an array."""
    return [c.wire() for c in COINM_CONTRACTS.values() if symbol is None or c.symbol == symbol]


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


# ============================================================================== wire


def wire_json(payload: Json) -> bytes:
    """``payload`` as the exchange writes it: compact, a :class:`~decimal.Decimal` as a
    JSON number in plain decimal notation (``0.00001``), not through a float."""
    return _text(payload).encode()


def _text(value: Json) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{_text(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_text(v) for v in value) + "]"
    return json.dumps(value)
