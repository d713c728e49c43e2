"""The coin-M (inverse) account model: perpetuals quoted in USD, sized in contracts of a
fixed USD value, margined and settled in the coin (``BTC-USD`` in BTC).

:class:`InverseLedger` is the USDT-M :class:`~bingx_sim.ledger.Ledger` with inverse
money: the same orders, matching, positions, funding and liquidation, with the value of
``q`` contracts at price ``p`` being ``q * size / p`` coins instead of ``q * p`` USDT.
So, per contract size ``size`` (``minTickSize``, USD per contract):

* unrealized PnL ``up = contracts * size * (1/entry - 1/mark)`` (signed by the side);
* initial margin ``|contracts| * size / entry / leverage`` (ccxt 4.5.90's recorded
  SOL-USD position: 1 contract of 10 USD at 158.63, 10x → ``"initialMargin":
  "0.00630398"``);
* fees ``contracts * size / price * rate`` in the coin (BingX's fill example:
  2 SOL-USD contracts at 182.652 → ``"commission": "-0.00005475"`` at 0.05 %);
* the entry is the harmonic mean of the fills' prices (what keeps PnL linear in 1/p);
* ``availableMargin = balance + unrealized - used - frozen`` (the recorded coin-M balance:
  0.35707951 + 0.00083099 - 0.00630397 = 0.35160653; USDT-M leaves unrealized PnL out).

Coin-M has the least public evidence of the three products; ``docs/contract.md`` says
which rules are inferred and which knob keeps the other choice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal

from .codes import CodeSet
from .contracts import Contract
from .ledger import Ledger, PositionMode
from .money import ZERO
from .state import Account, Position

__all__ = [
    "COINM_CONTRACTS",
    "COINM_PRICES",
    "FIRST_COINM_ORDER_ID",
    "InverseLedger",
    "StatusStyle",
]

FIRST_COINM_ORDER_ID: Final = 1_820_000_000_000_000_001
"""Coin-M order ids: 19 digits above 2**53, a range apart from USDT-M's and spot's."""

StatusStyle = Literal["recorded", "upper"]


def _coinm(
    symbol: str, price_precision: int, size: str, min_value: str, max_leverage: int
) -> Contract:
    asset, currency = symbol.split("-")
    return Contract(
        contract_id="",
        symbol=symbol,
        asset=asset,
        currency=currency,
        quantity_precision=0,  # whole contracts
        price_precision=price_precision,
        maker_fee_rate=Decimal("0.0002"),
        taker_fee_rate=Decimal("0.0005"),
        trade_min_quantity=Decimal(1),
        trade_min_usdt=Decimal(min_value),  # minTradeValue, in USD
        max_long_leverage=max_leverage,
        max_short_leverage=max_leverage,
        trigger_fee_rate=Decimal("0.0005"),
        inverse=True,
        contract_size=Decimal(size),
        time_online=1_710_738_000_000,
    )


COINM_CONTRACTS: Mapping[str, Contract] = MappingProxyType(
    {
        c.symbol: c
        for c in (
            # Recorded: ccxt's static response (fetchInverseSwapMarkets): BTC-USD, price
            # precision 1, 100 USD contracts, minTradeValue 100, minQty 1, timeOnline.
            _coinm("BTC-USD", 1, "100", "100", 50),
            # Inferred: 10 USD contracts as ccxt's docstring's BNB-USD row; ETH's 2 price
            # decimals as its USDT-M contract.
            _coinm("ETH-USD", 2, "10", "10", 50),
        )
    }
)
"""The coin-M contracts, keyed by symbol. Fees 0.02 % / 0.05 % (BingX's coin-M
``commissionRate`` example); max leverage 50 (BingX's coin-M leverage example, SOL-USD)
for both, inferred for these symbols."""

COINM_PRICES: Mapping[str, Decimal] = MappingProxyType(
    {"BTC-USD": Decimal("64000.0"), "ETH-USD": Decimal("3400.00")}
)
"""Starting mark/last/index prices of the coin-M contracts (separate from USDT-M's)."""


class InverseLedger(Ledger):
    """Coin-M accounts: :class:`~bingx_sim.ledger.Ledger` with inverse money.

    Knobs beyond the USDT-M ledger's: ``statuses`` — how REST spells an order's status:
    ``"recorded"`` (the default: ``Pending``, ``PartiallyFilled``, ``Filled`` as real
    coin-M answers logged in ccxt's pull requests of 2024-07 and BingX's 2026 reference
    show them, and ``CANCELLED`` as the cancelled one was logged) or ``"upper"``
    (``PENDING``, ``PARTIALLY_FILLED``, ``FILLED``, ``CANCELLED``: USDT-M's spellings).
    """

    PRODUCT: ClassVar[str] = "coinm"
    FIRST_IDS: ClassVar[Mapping[str, int]] = {
        "order": FIRST_COINM_ORDER_ID,
        "trade": 1_820_000_000_500_000_001,
        "position": 1_820_000_000_900_000_001,
        "tran": 200_000_001,
        "user": 1_000_001,
    }
    CONTRACTS_PATH: ClassVar[str] = "/openApi/cswap/v1/market/contracts"

    def __init__(
        self,
        *,
        contracts: Mapping[str, Contract] | Iterable[Contract] = COINM_CONTRACTS,
        prices: Mapping[str, str | Decimal] | None = None,
        position_mode: PositionMode = "hedge",
        error_codes: CodeSet = "2025-10",
        default_leverage: int = 5,
        statuses: StatusStyle = "recorded",
        auto_open: bool = True,
        now_ms: int = 0,
    ) -> None:
        if statuses not in ("recorded", "upper"):
            raise ValueError("statuses must be 'recorded' or 'upper'")
        table = list(contracts.values() if isinstance(contracts, Mapping) else contracts)
        if not all(c.inverse for c in table):
            raise ValueError("a coin-M ledger takes inverse contracts (Contract(inverse=True))")
        super().__init__(
            contracts=table,
            prices=dict(COINM_PRICES) | dict(prices or {}),
            position_mode=position_mode,
            error_codes=error_codes,
            default_leverage=default_leverage,
            auto_open=auto_open,
            now_ms=now_ms,
        )
        self.statuses: StatusStyle = statuses

    # -- inverse money ------------------------------------------------------------------

    def value(self, contract: Contract, qty: Decimal, price: Decimal) -> Decimal:
        """``qty * size / price`` coins."""
        if qty == 0:
            return ZERO
        return qty * contract.contract_size / price

    def notional(self, contract: Contract, qty: Decimal, price: Decimal) -> Decimal:
        """``qty * size`` USD: what ``minTradeValue`` is compared with."""
        return qty * contract.contract_size

    def pnl(self, contract: Contract, entry: Decimal, price: Decimal, qty: Decimal) -> Decimal:
        """``qty * size * (1/entry - 1/price)`` coins."""
        if qty == 0:
            return ZERO
        return qty * contract.contract_size * (1 / entry - 1 / price)

    def entry_cost(self, contract: Contract, qty: Decimal, price: Decimal) -> Decimal:
        """``qty / price``: the entry is ``Σ qty / Σ (qty / price)`` (harmonic)."""
        return qty / price

    def available_margin(self, account: Account, asset: str = "BTC") -> Decimal:
        """``balance + unrealized - usedMargin - freezedMargin`` (the recorded coin-M
        balance adds unrealized PnL, unlike USDT-M's)."""
        return super().available_margin(account, asset) + self.unrealized_total(account, asset)

    def _position_entry(self, account: Account, position: Position) -> dict[str, Any]:
        """A coin-M ``a.P[]`` entry: the USDT-M one without ``iw``."""
        entry = super()._position_entry(account, position)
        entry.pop("iw")
        return entry
