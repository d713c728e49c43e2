"""USDT-M perpetual contracts: the table ``/openApi/swap/v2/quote/contracts`` answers and
every order is validated against.

Values come from recorded exchange answers, not from memory, so a bot that rounds with
the real precisions passes here exactly when it would pass there:

* BTC-USDT, ETH-USDT: JKorf/BingX.Net ``BingX.Net.UnitTests/Endpoints/PerpetualFutures/
  ExchangeData/GetContracts.txt`` (recorded 2023-12; fetched at v4.5.0, 2026-08);
  BTC's ``triggerFeeRate`` from ccxt ``ts/src/test/static/markets/bingx.json``.
* SOL-USDT, LTC-USDT, ADA-USDT: ccxt ``ts/src/test/static/markets/bingx.json`` (the
  ``info`` of each swap market: BingX's contract row as ccxt received it).
* XRP-USDT, DOGE-USDT: **no recorded row was found**. Their values follow the pattern of
  the recorded small-price contracts (quantity in whole coins, 4 and 5 price decimals,
  2 USDT minimum notional, standard 0.02 % / 0.05 % fees); the contract ids are
  synthetic (``9000xx``). Treat both rows as inference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from .money import quantum

__all__ = ["CONTRACTS", "DEFAULT_PRICES", "Contract"]


@dataclass(frozen=True, slots=True)
class Contract:
    """One perpetual as BingX describes it (field names in the comments of the
    attributes are the wire names). Linear (USDT-M): one contract unit is one coin of
    ``asset``. Inverse (coin-M, ``inverse=True``): one contract is ``contract_size`` USD,
    margined in ``asset``; the coin-M table is :data:`bingx_sim.ledger.inverse.COINM_CONTRACTS`."""

    contract_id: str  # contractId (a string on the wire)
    symbol: str  # symbol, BASE-QUOTE
    asset: str  # asset, the base coin
    currency: str  # currency, the margin and quote asset
    quantity_precision: int  # quantityPrecision: decimals of a quantity
    price_precision: int  # pricePrecision: decimals of a price
    maker_fee_rate: Decimal  # makerFeeRate
    taker_fee_rate: Decimal  # takerFeeRate (feeRate repeats it)
    trade_min_quantity: Decimal  # tradeMinQuantity, in coins
    trade_min_usdt: Decimal  # tradeMinUSDT, minimum notional
    max_long_leverage: int  # maxLongLeverage
    max_short_leverage: int  # maxShortLeverage
    trigger_fee_rate: Decimal  # triggerFeeRate (a string with 8 decimals on the wire)
    size: str = "0"  # size: "0" in every recorded row
    trade_min_limit: int = 0  # tradeMinLimit: 0 in every recorded row
    status: int = 1  # status: 1 = online
    api_state_open: bool = True  # apiStateOpen: "true" lets the API open positions
    api_state_close: bool = True  # apiStateClose: "true" lets the API close them
    ensure_trigger: bool = True  # ensureTrigger (guaranteed stops offered)
    inverse: bool = False  # coin-M: margined and settled in ``asset``, sized in USD
    contract_size: Decimal = Decimal(1)  # coin-M: USD per contract (minTickSize)
    time_online: int = 0  # coin-M: timeOnline, epoch ms

    @property
    def margin_asset(self) -> str:
        """What margin, fees and PnL are paid in: the quote (USDT) on a linear contract,
        the coin on an inverse one."""
        return self.asset if self.inverse else self.currency

    @property
    def quantity_unit(self) -> str:
        """How a quantity is counted in messages: coins, or ``Cont`` (contracts)."""
        return "Cont" if self.inverse else self.asset

    @property
    def fee_rate(self) -> Decimal:
        """``feeRate``: the taker rate in every recorded row."""
        return self.taker_fee_rate

    @property
    def tick(self) -> Decimal:
        """The smallest price step."""
        return quantum(self.price_precision)

    @property
    def step(self) -> Decimal:
        """The smallest quantity step."""
        return quantum(self.quantity_precision)

    def max_leverage(self, side: str) -> int:
        """The leverage cap of ``LONG`` or ``SHORT``."""
        return self.max_short_leverage if side == "SHORT" else self.max_long_leverage


_STANDARD_MAKER = Decimal("0.0002")
_STANDARD_TAKER = Decimal("0.0005")


def _contract(
    contract_id: str,
    symbol: str,
    quantity_precision: int,
    price_precision: int,
    min_quantity: str,
    max_leverage: int,
    trigger_fee_rate: str,
) -> Contract:
    asset, currency = symbol.split("-")
    return Contract(
        contract_id=contract_id,
        symbol=symbol,
        asset=asset,
        currency=currency,
        quantity_precision=quantity_precision,
        price_precision=price_precision,
        maker_fee_rate=_STANDARD_MAKER,
        taker_fee_rate=_STANDARD_TAKER,
        trade_min_quantity=Decimal(min_quantity),
        trade_min_usdt=Decimal(2),
        max_long_leverage=max_leverage,
        max_short_leverage=max_leverage,
        trigger_fee_rate=Decimal(trigger_fee_rate),
    )


CONTRACTS: Mapping[str, Contract] = MappingProxyType(
    {
        c.symbol: c
        for c in (
            _contract("100", "BTC-USDT", 4, 1, "0.0001", 125, "0.0002"),
            # ETH's triggerFeeRate was not in the recorded row: the taker rate, inferred.
            _contract("101", "ETH-USDT", 2, 2, "0.01", 125, "0.0005"),
            _contract("100028", "SOL-USDT", 0, 3, "1", 5, "0.0005"),
            _contract("100006", "LTC-USDT", 1, 2, "0.1", 100, "0.0005"),
            _contract("100004", "ADA-USDT", 0, 5, "1", 5, "0.00015"),
            # Inferred rows (see the module docstring): synthetic ids.
            _contract("900001", "XRP-USDT", 0, 4, "1", 75, "0.0005"),
            _contract("900002", "DOGE-USDT", 0, 5, "1", 75, "0.0005"),
        )
    }
)
"""The default contract table, keyed by symbol."""

DEFAULT_PRICES: Mapping[str, Decimal] = MappingProxyType(
    {
        "BTC-USDT": Decimal("64000.0"),
        "ETH-USDT": Decimal("3400.00"),
        "SOL-USDT": Decimal("150.000"),
        "LTC-USDT": Decimal("95.61"),
        "ADA-USDT": Decimal("0.45000"),
        "XRP-USDT": Decimal("0.6000"),
        "DOGE-USDT": Decimal("0.15000"),
    }
)
"""Starting mark/last/index prices: round numbers a test overrides with ``set_price``."""
