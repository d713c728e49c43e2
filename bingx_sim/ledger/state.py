"""The ledger's records: prices, orders, fills, positions, income rows and accounts.

Plain mutable dataclasses owned by :class:`~bingx_sim.ledger.ledger.Ledger`; nothing here
computes margin or talks about the wire. Order statuses use the *stream* vocabulary
(``NEW``, ``PARTIALLY_FILLED``, ``FILLED``, ``CANCELED``, ``EXPIRED``); the REST renderer
translates to ``PENDING``/``CANCELLED`` where BingX's REST says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .money import ZERO

__all__ = [
    "CONDITIONAL_TYPES",
    "OPEN_STATUSES",
    "TERMINAL_STATUSES",
    "Account",
    "Balance",
    "Fill",
    "Income",
    "Order",
    "Position",
    "Prices",
    "Totals",
]

OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})
TERMINAL_STATUSES = frozenset({"FILLED", "CANCELED", "EXPIRED"})
CONDITIONAL_TYPES = frozenset({"STOP_MARKET", "TAKE_PROFIT_MARKET", "TRIGGER_MARKET"})


@dataclass(slots=True)
class Prices:
    """One symbol's prices, set by the test (``set_price``), plus the 24 h statistics the
    ticker answers (opened at the first price, widened by every later one)."""

    mark: Decimal
    last: Decimal
    index: Decimal
    time: int
    open: Decimal
    high: Decimal
    low: Decimal
    funding_rate: Decimal = ZERO
    volume: Decimal = ZERO
    quote_volume: Decimal = ZERO
    last_qty: Decimal = ZERO


@dataclass(slots=True)
class Order:
    """One order. ``orig_qty`` is 0 for a ``closePosition`` order until it triggers (the
    position decides its size then). ``price`` is the limit price, or for a MARKET order
    the last price when it was placed (the stream's ``p`` is near the fill price)."""

    order_id: int
    symbol: str
    side: str
    position_side: str
    order_type: str
    orig_qty: Decimal
    price: Decimal
    stop_price: Decimal | None
    time_in_force: str
    client_order_id: str
    reduce_only: bool
    close_position: bool
    working_type: str
    leverage: int
    time: int
    update_time: int
    quote_order_qty: Decimal | None = None
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    commission: Decimal = ZERO
    profit: Decimal = ZERO
    triggered: bool = False
    rising: bool | None = None  # TRIGGER_MARKET: fires on a rise to stopPrice (or a fall)

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_conditional(self) -> bool:
        return self.order_type in CONDITIONAL_TYPES

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO

    @property
    def post_only(self) -> bool:
        return self.time_in_force == "PostOnly"


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution. ``commission`` is negative when paid; ``realized_pnl`` excludes it."""

    trade_id: int
    order_id: int
    symbol: str
    side: str
    position_side: str
    qty: Decimal
    price: Decimal
    commission: Decimal
    realized_pnl: Decimal
    maker: bool
    time: int
    client_order_id: str
    liquidation: bool = False

    @property
    def quote(self) -> Decimal:
        return self.qty * self.price


@dataclass(slots=True)
class Position:
    """One position, ``qty`` signed (short < 0). The entry price is the VWAP of the fills
    that opened it since it was last flat: ``open_cost / open_qty``; reducing fills leave
    it alone, crossing zero starts afresh. An ``inverse`` (coin-M) position averages
    harmonically, as its PnL is in ``1/price``: ``open_cost`` holds ``Σ qty / price`` and
    the entry is ``open_qty / open_cost``. ``realized`` is its realized PnL including
    fees (BingX's ``realisedProfit`` includes them), since it opened."""

    symbol: str
    side: str  # LONG / SHORT (hedge) or BOTH (one-way)
    position_id: int
    create_time: int
    update_time: int
    qty: Decimal = ZERO
    open_cost: Decimal = ZERO
    open_qty: Decimal = ZERO
    realized: Decimal = ZERO
    inverse: bool = False

    @property
    def entry(self) -> Decimal:
        if self.inverse:
            return self.open_qty / self.open_cost if self.open_cost else ZERO
        return self.open_cost / self.open_qty if self.open_qty else ZERO

    @property
    def direction(self) -> str:
        """``LONG`` or ``SHORT``: which leverage and which REST ``positionSide`` apply."""
        if self.side != "BOTH":
            return self.side
        return "SHORT" if self.qty < 0 else "LONG"


@dataclass(frozen=True, slots=True)
class Income:
    """One ``/v2/user/income`` row. ``amount`` is signed (negative = paid)."""

    symbol: str
    income_type: str
    amount: Decimal
    asset: str
    info: str
    time: int
    tran_id: int
    trade_id: str


@dataclass(frozen=True, slots=True)
class Balance:
    """One margin asset of an account, as the balance endpoints report it (exact)."""

    asset: str
    wallet: Decimal  # balance
    equity: Decimal  # balance + unrealized
    unrealized: Decimal  # unrealizedProfit
    realised: Decimal  # realisedProfit: realized PnL + fees + funding + insurance
    available: Decimal  # availableMargin = balance - used - frozen
    used: Decimal  # usedMargin
    frozen: Decimal  # freezedMargin


@dataclass(slots=True)
class Totals:
    """Running sums per asset, the terms of the wallet-conservation identity."""

    initial: Decimal = ZERO
    deposits: Decimal = ZERO
    withdrawals: Decimal = ZERO
    realized: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    insurance: Decimal = ZERO


@dataclass(slots=True)
class Account:
    """One API key's futures account."""

    api_key: str
    user_id: str
    hedge: bool
    wallet: dict[str, Decimal] = field(default_factory=dict)
    totals: dict[str, Totals] = field(default_factory=dict)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    margin_types: dict[str, str] = field(default_factory=dict)
    leverages: dict[str, dict[str, int]] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    client_ids: dict[str, int] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    income: list[Income] = field(default_factory=list)
